/**
 * One observation of one feed: fetch its sources concurrently, compute the index, sign the
 * EIP-712 observation, and keep the input snapshot its inputsHash commits to.
 */
import type { Signer, TypedDataDomain } from "ethers";

import { computeIndex, feedId, snapshotDocument, type FeedConfig, type IndexResult, type SnapshotDocument } from "../index/index.js";
import { fetchSource, type SourceOutcome } from "../index/sources/index.js";
import { signObservation, type SignedObservation } from "../oracle/observation.js";

export interface Observed {
  feed: FeedConfig;
  outcomes: SourceOutcome[];
  result: IndexResult;
  /** Present when the index has a value. */
  signed?: SignedObservation;
  /** Everything fetched, so anyone can recompute the value and the inputsHash. */
  snapshot: SnapshotDocument;
}

export interface ObserveContext {
  now: number;
  baseDir: string;
  signal?: AbortSignal;
}

export async function observeFeed(
  feed: FeedConfig,
  signer: Signer,
  domain: TypedDataDomain,
  context: ObserveContext,
): Promise<Observed> {
  const outcomes = await Promise.all(
    feed.sources.map((source) =>
      fetchSource(source, { now: context.now, unit: feed.unit, baseDir: context.baseDir, signal: context.signal }),
    ),
  );
  const quotes = outcomes.flatMap((outcome) => (outcome.ok ? outcome.quotes : []));
  const result = computeIndex(feed, quotes, context.now);
  const snapshot = snapshotDocument({ feed: feed.id, now: context.now, quotes }, feed.unit);
  if (!result.ok) return { feed, outcomes, result, snapshot };
  const signed = await signObservation(signer, domain, {
    feed: feedId(feed.id),
    value: result.value,
    observedAt: BigInt(context.now),
    inputsHash: result.inputsHash,
  });
  return { feed, outcomes, result, signed, snapshot };
}
