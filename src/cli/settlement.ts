/**
 * What `cfx settle` needs to know beyond the client: who holds a position in a series (from its
 * PositionChanged events, then read back), and from when its accounts may settle (the block
 * of its SeriesSettled event plus the market's ACCOUNT_SETTLEMENT_DELAY).
 */
import { getAddress } from "ethers";

import type { CfxClient } from "../client/index.js";
import { scanForward } from "../client/logs.js";

const LOG_CHUNK = 10_000;

/** Accounts with a non-zero position in `series` at the latest block. */
export async function holdersOf(client: CfxClient, series: string): Promise<string[]> {
  const market = client.contracts.market;
  const latest = await client.provider.getBlockNumber();
  const filter = market.filters.PositionChanged(undefined, series);
  const events = await scanForward((from, to) => market.queryFilter(filter, from, to), client.deployment.startBlock, latest, LOG_CHUNK);
  const accounts = [...new Set(events.map((event) => getAddress(event.args.account)))];
  const sizes = await Promise.all(accounts.map((account) => market.positionOf(account, series, { blockTag: latest })));
  return accounts.filter((_, i) => sizes[i].size !== 0n);
}

/** Unix time from which any account of a settled series may settle. */
export async function accountsOpenAt(client: CfxClient, series: string): Promise<bigint> {
  const market = client.contracts.market;
  const [event] = await market.queryFilter(market.filters.SeriesSettled(series), client.deployment.startBlock);
  if (event === undefined) throw new Error(`series ${series} has no SeriesSettled event`);
  const [block, delay] = await Promise.all([event.getBlock(), market.ACCOUNT_SETTLEMENT_DELAY()]);
  return BigInt(block.timestamp) + delay;
}
