/**
 * Ignition module "LaunchSeries": the launch series listed on the market (listSeries, by the
 * deployer, which holds LISTER_ROLE until the Roles module hands it over), after the feeds they
 * settle on exist. Later months are listed by deploy/listSeries.ts, not by a redeploy.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { ignitionId, type PlannedSeries } from "../plan.js";
import type { FeedsModule } from "./Feeds.js";
import type { FuturesMarketModule } from "./FuturesMarket.js";

export function launchSeriesModule(marketModule: FuturesMarketModule, feeds: FeedsModule, series: PlannedSeries[]) {
  return buildModule("LaunchSeries", (m) => {
    const { market } = m.useModule(marketModule);
    for (const s of series) {
      m.call(market, "listSeries", [{ ...s.params }], { id: `listSeries_${ignitionId(s.name)}`, after: [feeds] });
    }
    return { market };
  });
}

export type LaunchSeriesModule = ReturnType<typeof launchSeriesModule>;
