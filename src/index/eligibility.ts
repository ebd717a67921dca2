/**
 * The first rules a quote meets: is it well formed, from a source and for a constituent of the
 * feed, in the feed's unit, and fresh at the computation time? (docs/methodology.md, "Rules" 1-2.)
 */
import type { FeedConfig } from "./config.js";
import { QUOTE_KINDS, type DropReason, type Quote } from "./types.js";

/** Why `quote` cannot take part in a computation of `feed` at `now`, or null when it can. */
export function screenQuote(feed: FeedConfig, quote: Quote, now: number): DropReason | null {
  if (!isWellFormed(quote)) return "invalid-quote";
  if (!feed.sources.some((source) => source.id === quote.source)) return "unknown-source";
  if (!feed.constituents.some((constituent) => constituent.id === quote.constituent)) return "unknown-constituent";
  if (quote.unit !== feed.unit) return "unit-mismatch";
  if (now - quote.observedAt > feed.limits.maxQuoteAgeSeconds) return "stale";
  if (quote.observedAt - now > feed.limits.maxClockSkewSeconds) return "from-future";
  return null;
}

/** A positive bigint price, a known kind, whole non-negative seconds, a positive weight if any. */
function isWellFormed(quote: Quote): boolean {
  return (
    typeof quote.source === "string" &&
    typeof quote.constituent === "string" &&
    typeof quote.unit === "string" &&
    typeof quote.price === "bigint" &&
    quote.price > 0n &&
    QUOTE_KINDS.includes(quote.kind) &&
    Number.isSafeInteger(quote.observedAt) &&
    quote.observedAt >= 0 &&
    (quote.weight === undefined || (typeof quote.weight === "bigint" && quote.weight > 0n))
  );
}
