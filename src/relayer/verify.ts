/**
 * Audits an on-chain round: for each observation in its `RoundUpdated` event, fetch the input
 * snapshot its inputsHash names from the relayers, recompute the index with the feed's
 * methodology, and compare value and inputsHash with what the oracle stored.
 */
import type { IndexOracle } from "../../types/ethers-contracts/index.js";
import { computeIndex, feedId, median, parseSnapshot, type FeedConfig } from "../index/index.js";
import { fetchJson } from "../index/sources/http.js";

export interface ObservationCheck {
  signer: string;
  onchainValue: bigint;
  inputsHash: string;
  /** Where the snapshot came from, if any relayer had it. */
  relayer?: string;
  recomputedValue?: bigint;
  recomputedHash?: string;
  verdict: "verified" | "mismatch" | "no-snapshot" | "no-value";
  detail?: string;
}

export interface RoundVerification {
  feed: string;
  round: bigint;
  value: bigint;
  /** The oracle's value is the median of the observations it lists. */
  medianMatches: boolean;
  observations: ObservationCheck[];
  ok: boolean;
}

/** Snapshots are small: a few hundred quotes. */
const MAX_SNAPSHOT_BYTES = 5_000_000;

export async function verifyRound(
  oracle: IndexOracle,
  feed: FeedConfig,
  round: bigint,
  relayers: readonly string[],
  timeoutMs = 5_000,
): Promise<RoundVerification> {
  const [event] = await oracle.queryFilter(oracle.filters.RoundUpdated(feedId(feed.id), round));
  if (event === undefined) throw new Error(`no round ${round} of ${feed.id} in the oracle's events`);
  // `values` would shadow a method of ethers' Result: read the fields by position.
  const [, , value, , signers, values, inputsHashes] = event.args;
  const observations: ObservationCheck[] = [];
  for (let i = 0; i < signers.length; i++) {
    observations.push(await checkOne(feed, signers[i], values[i], inputsHashes[i], relayers, timeoutMs));
  }
  const medianMatches = median([...values]) === value;
  return {
    feed: feed.id,
    round,
    value,
    medianMatches,
    observations,
    ok: medianMatches && observations.every((o) => o.verdict === "verified"),
  };
}

async function checkOne(
  feed: FeedConfig,
  signer: string,
  onchainValue: bigint,
  inputsHash: string,
  relayers: readonly string[],
  timeoutMs: number,
): Promise<ObservationCheck> {
  const base = { signer, onchainValue, inputsHash };
  for (const relayer of relayers) {
    let body: unknown;
    try {
      body = await fetchJson(`${relayer.replace(/\/$/, "")}/v1/snapshots/${inputsHash}`, {
        timeoutMs,
        retries: 0,
        backoffMs: 0,
        maxBytes: MAX_SNAPSHOT_BYTES,
      });
    } catch {
      continue; // not this relayer's snapshot, or the relayer is down: ask the next one
    }
    const snapshot = parseSnapshot(body, `${relayer} snapshot ${inputsHash}`);
    if (snapshot.feed !== feed.id) {
      return { ...base, relayer, verdict: "mismatch", detail: `snapshot of ${snapshot.feed}, not ${feed.id}` };
    }
    const result = computeIndex(feed, snapshot.quotes, snapshot.now);
    if (!result.ok) return { ...base, relayer, verdict: "no-value", detail: result.error };
    const same = result.value === onchainValue && result.inputsHash.toLowerCase() === inputsHash.toLowerCase();
    return {
      ...base,
      relayer,
      recomputedValue: result.value,
      recomputedHash: result.inputsHash,
      verdict: same ? "verified" : "mismatch",
    };
  }
  return { ...base, verdict: "no-snapshot", detail: `none of ${relayers.length} relayer(s) serves ${inputsHash}` };
}
