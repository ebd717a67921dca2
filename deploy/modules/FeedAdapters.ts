/**
 * Ignition module "FeedAdapters": one IndexFeedAdapter per feed, so any contract that reads a
 * Chainlink AggregatorV3Interface can read the index. The result key of a feed's adapter is
 * `adapterKey(name)`.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { NamedArtifactContractDeploymentFuture } from "@nomicfoundation/ignition-core";

import { feedId } from "../../src/index/feed-id.js";
import type { FeedParameters } from "../parameters.js";
import { ignitionId } from "../plan.js";
import IndexOracleModule from "./IndexOracle.js";

/** The future id and result key of a feed's adapter, e.g. "IndexFeedAdapter_H100_HOUR". */
export function adapterKey(feedName: string): string {
  return `IndexFeedAdapter_${ignitionId(feedName)}`;
}

export function feedAdaptersModule(feeds: FeedParameters[]) {
  return buildModule("FeedAdapters", (m) => {
    const { oracle } = m.useModule(IndexOracleModule);
    const adapters: Record<string, NamedArtifactContractDeploymentFuture<"IndexFeedAdapter">> = {};
    for (const feed of feeds) {
      const key = adapterKey(feed.name);
      adapters[key] = m.contract("IndexFeedAdapter", [oracle, feedId(feed.name)], { id: key });
    }
    return adapters;
  });
}

export type FeedAdaptersModule = ReturnType<typeof feedAdaptersModule>;
