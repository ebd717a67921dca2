/**
 * The client tests' deployment: the real contracts as test/helpers/market.ts deploys them
 * (MockUSD, an IndexOracle with the H100 feed at 2.50, a MarginVault, a FuturesMarket with the
 * H100 series listed, four funded traders), plus the feed's AggregatorV3 adapter, described as
 * the `Deployment` a deploy would write.
 */
import type { NetworkConnection } from "hardhat/types/network";

import { FEED, FEED_NAME, marketFixture } from "../helpers/market.js";
import type { Deployment } from "../../src/client/deployment.js";

export async function clientFixture(connection: NetworkConnection) {
  const { ethers } = connection;
  // The deployment's first contract is in the next block: event scans start there.
  const startBlock = (await ethers.provider.getBlockNumber()) + 1;
  const fx = await marketFixture(connection);
  const adapter = await ethers.deployContract("IndexFeedAdapter", [await fx.oracle.getAddress(), FEED]);
  const deployment: Deployment = {
    network: "hardhat",
    chainId: Number(fx.chainId),
    startBlock,
    token: await fx.usd.getAddress(),
    oracle: await fx.oracle.getAddress(),
    vault: fx.vaultAddress,
    market: fx.marketAddress,
    feeds: [{ name: FEED_NAME, id: FEED, adapter: await adapter.getAddress() }],
  };
  return { ...fx, deployment, startBlock };
}

export type ClientFx = Awaited<ReturnType<typeof clientFixture>>;
