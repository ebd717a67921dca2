/**
 * The methodology: quotes → per-constituent robust prices → index value, with diagnostics and
 * `inputsHash`. Pure and deterministic: no clock, no I/O, no float; the same quotes in any order
 * give the same result. docs/methodology.md states the rules in prose.
 */
import type { FeedConfig } from "./config.js";
import { priceConstituent } from "./constituent.js";
import { screenQuote } from "./eligibility.js";
import { feedId } from "./feed-id.js";
import { inputsHash } from "./inputs-hash.js";
import { compareQuotes } from "./quote-order.js";
import { weightedMean, weightedMedian, type Weighted } from "./statistics.js";
import type {
  Aggregation,
  ConstituentDiagnostic,
  DropReason,
  IndexDiagnostics,
  IndexResult,
  Quote,
} from "./types.js";

/**
 * Computes `feed` at `now` (unix seconds) from `quotes`. Returns the value (WAD) and the
 * `inputsHash` of the quotes used, or, with fewer than `limits.minConstituents` constituents
 * priced, `ok: false` and why. Throws a RangeError only for a `now` that is not whole seconds.
 */
export function computeIndex(feed: FeedConfig, quotes: readonly Quote[], now: number): IndexResult {
  if (!Number.isSafeInteger(now) || now < 0) {
    throw new RangeError(`computeIndex: now must be a unix time in whole seconds, got ${now}`);
  }
  const sorted = [...quotes].sort(compareQuotes);
  // null: eligible so far; after pricing, null: used.
  const reasons: (DropReason | null)[] = sorted.map((quote) => screenQuote(feed, quote, now));

  const constituents: ConstituentDiagnostic[] = feed.constituents.map(({ id, weight }) => {
    const indices = sorted.flatMap((quote, i) => (reasons[i] === null && quote.constituent === id ? [i] : []));
    const pricing = priceConstituent(
      indices.map((i) => sorted[i]),
      feed.limits,
    );
    indices.forEach((index, k) => (reasons[index] = pricing.quoteReasons[k]));
    const used = indices.filter((index) => reasons[index] === null).map((index) => sorted[index]);
    return {
      id,
      weight,
      used: pricing.price !== undefined,
      ...(pricing.reason !== undefined && { reason: pricing.reason }),
      ...(pricing.price !== undefined && { price: pricing.price }),
      ...(pricing.kind !== undefined && { kind: pricing.kind }),
      ...(pricing.reference !== undefined && { reference: pricing.reference }),
      sources: [...new Set(used.map((quote) => quote.source))].sort(),
      quotesUsed: used.length,
    };
  });

  const priced = constituents.filter((constituent) => constituent.price !== undefined);
  const diagnostics: IndexDiagnostics = {
    feed: feed.id,
    feedId: feedId(feed.id),
    methodologyVersion: feed.methodologyVersion,
    aggregation: feed.aggregation,
    now,
    quotes: sorted.map((quote, i) => {
      const reason = reasons[i];
      return reason === null ? { quote, used: true } : { quote, used: false, reason };
    }),
    constituents,
    constituentsPriced: priced.length,
    minConstituents: feed.limits.minConstituents,
  };

  if (priced.length < feed.limits.minConstituents) {
    return { ok: false, error: tooFewConstituents(diagnostics), diagnostics };
  }
  const value = aggregate(
    feed.aggregation,
    priced.map((constituent) => ({ value: constituent.price!, weight: constituent.weight })),
  );
  const used = sorted.filter((_, i) => reasons[i] === null);
  return { ok: true, value, inputsHash: inputsHash(feed.id, feed.methodologyVersion, used), diagnostics };
}

/**
 * Combines the constituent prices with their configured weights. Renormalisation over the
 * constituents priced is implicit and exact: the weighted median compares each cumulative weight
 * with half of the weights present, and the weighted mean divides once by the sum of the weights
 * present (floor(Σ wᵢ·pᵢ / Σ wᵢ)).
 */
export function aggregate(aggregation: Aggregation, constituents: readonly Weighted[]): bigint {
  return aggregation === "weighted-median" ? weightedMedian(constituents) : weightedMean(constituents);
}

function tooFewConstituents(diagnostics: IndexDiagnostics): string {
  const dropped = diagnostics.constituents
    .filter((constituent) => !constituent.used)
    .map((constituent) => `${constituent.id} (${constituent.reason})`);
  return (
    `${diagnostics.feed}: ${diagnostics.constituentsPriced} of ${diagnostics.constituents.length} constituents ` +
    `have a price, at least ${diagnostics.minConstituents} needed; no price: ${dropped.join(", ")}`
  );
}
