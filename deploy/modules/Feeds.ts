/**
 * Ignition module "Feeds": each feed of the parameters added to the IndexOracle with its relayer
 * signers, fault tolerance f, guard parameters and ring capacity (oracle.addFeed, by the
 * deployer, which holds the oracle's admin role until the Roles module hands it over).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { feedId } from "../../src/index/feed-id.js";
import type { FeedParameters } from "../parameters.js";
import { ignitionId } from "../plan.js";
import IndexOracleModule from "./IndexOracle.js";

export function feedsModule(feeds: FeedParameters[]) {
  return buildModule("Feeds", (m) => {
    const { oracle } = m.useModule(IndexOracleModule);
    for (const feed of feeds) {
      const { heartbeat, maxObservationAge, maxMoveBps, minUpdateInterval } = feed.params;
      m.call(
        oracle,
        "addFeed",
        [
          feedId(feed.name),
          feed.description,
          feed.signers,
          feed.f,
          { heartbeat, maxObservationAge, maxMoveBps, minUpdateInterval },
          feed.ringCapacity,
        ],
        { id: `addFeed_${ignitionId(feed.name)}` },
      );
    }
    return { oracle };
  });
}

export type FeedsModule = ReturnType<typeof feedsModule>;
