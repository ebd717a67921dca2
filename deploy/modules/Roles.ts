/**
 * Ignition module "Roles": hands every role the deployer received from a constructor to its
 * holder in the parameters (grantRole), then the deployer renounces it (renounceRole). Runs after
 * the set-up that needs those roles (feeds, market registration, launch series); the renouncing
 * runs after every grant, so the deployer gives up the admin role last. A role whose holder is
 * the deployer is left alone.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { ROLE_ASSIGNMENTS, roleId, sameAddress, type ResolvedRoles } from "../roles.js";
import type { FeedsModule } from "./Feeds.js";
import type { FuturesMarketModule } from "./FuturesMarket.js";
import type { LaunchSeriesModule } from "./LaunchSeries.js";

export interface RolesModuleDeps {
  feeds: FeedsModule;
  market: FuturesMarketModule;
  series: LaunchSeriesModule;
}

export function rolesModule(deps: RolesModuleDeps, roles: ResolvedRoles, deployer: string) {
  return buildModule("Roles", (m) => {
    const { oracle } = m.useModule(deps.feeds);
    const { market, vault } = m.useModule(deps.market);
    m.useModule(deps.series);
    const contracts = { IndexOracle: oracle, MarginVault: vault, FuturesMarket: market };
    const handedOver = ROLE_ASSIGNMENTS.filter((a) => a.deployerAtFirst && !sameAddress(roles[a.holder], deployer));

    const grants = handedOver.map((a) =>
      m.call(contracts[a.contract] as typeof oracle, "grantRole", [roleId(a.role), roles[a.holder]], {
        id: `grant_${a.contract}_${a.role}`,
        after: [deps.feeds, deps.market, deps.series],
      }),
    );
    for (const a of handedOver) {
      m.call(contracts[a.contract] as typeof oracle, "renounceRole", [roleId(a.role), deployer], {
        id: `renounce_${a.contract}_${a.role}`,
        after: grants,
      });
    }
    return { oracle, vault, market };
  });
}
