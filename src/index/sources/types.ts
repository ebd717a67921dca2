/**
 * What `fetchSource` takes and returns besides the shared `Quote` / `SourceResult`
 * (src/index/types.ts).
 */
import type { SourceResult } from "../types.js";

/** The round a source is fetched for. */
export interface FetchContext {
  /**
   * The round's time (unix seconds). HTTP sources report it as every quote's `observedAt` (their
   * answers carry no timestamp) and as `fetchedAt`; the replay reads the history as of it; a
   * price sheet skips rows observed after it.
   */
  now: number;
  /** The feed's unit, copied into every quote (`Quote.unit`). */
  unit: string;
  /** Where relative sheet and replay paths start; default the repository root. */
  baseDir?: string;
  /** Aborts fetches and backoff waits (relayer shutdown). */
  signal?: AbortSignal;
}

/** One item of a source's answer that became no quote, and why. */
export interface Rejection {
  /** What was rejected: "model qwen/qwen3-14b", "endpoint DeepInfra (deepinfra/fp8)", "offer 123", "data/x.csv:7". */
  item: string;
  /** The constituent it would have priced, when known. */
  constituent?: string;
  reason: string;
}

/**
 * A `SourceResult` plus the items rejected on the way (a zero, negative, absurd or malformed
 * price, an unmapped provider, a missing model, ...). `ok: false` when no quote is left.
 */
export type SourceOutcome = SourceResult & { rejected: Rejection[] };
