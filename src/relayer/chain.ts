/**
 * What the relayer reads from the IndexOracle about a feed: its latest round, its signer set,
 * its quorum and the guards a report must pass.
 */
import type { IndexOracle } from "../../types/ethers-contracts/index.js";
import type { OnchainFeed } from "./schedule.js";

export interface FeedOnchainState extends OnchainFeed {
  /** The latest round's observedAt (0 before the first round). */
  observedAt: bigint;
  /** Faulty signers tolerated: a report needs 2f + 1 observations. */
  f: number;
  paused: boolean;
  heartbeat: number;
  maxObservationAge: bigint;
  /** A larger move than this needs every signer's observation (the circuit breaker). */
  maxMoveBps: bigint;
  minUpdateInterval: number;
}

export async function readFeed(oracle: IndexOracle, feed: string): Promise<FeedOnchainState> {
  const info = await oracle.feedInfo(feed);
  const latestRoundId = info.latestRoundId;
  const round = latestRoundId === 0n ? null : await oracle.getRound(feed, latestRoundId);
  return {
    feed,
    latestRoundId,
    value: round?.value ?? 0n,
    observedAt: round?.observedAt ?? 0n,
    updatedAt: Number(round?.updatedAt ?? 0n),
    signers: [...info.signers],
    f: Number(info.f),
    paused: info.paused,
    heartbeat: Number(info.params.heartbeat),
    maxObservationAge: info.params.maxObservationAge,
    maxMoveBps: info.params.maxMoveBps,
    minUpdateInterval: Number(info.params.minUpdateInterval),
  };
}

/** Observations a report needs: 2f + 1, or every signer when the median moves past maxMoveBps. */
export function observationsNeeded(state: FeedOnchainState, median: bigint): number {
  const quorum = 2 * state.f + 1;
  if (state.latestRoundId === 0n || state.maxMoveBps === 0n) return quorum;
  const move = median > state.value ? median - state.value : state.value - median;
  return move * 10_000n > state.maxMoveBps * state.value ? state.signers.length : quorum;
}
