/**
 * One constituent's price from its eligible quotes (docs/methodology.md, "Rules" 3-6):
 * 1. data hierarchy: keep the best quote kind (transaction > firm > indicative) that has at least
 *    `minSourcesPerConstituent` distinct sources; better kinds without enough sources are dropped
 *    as `too-few-sources`, worse kinds as `lower-kind`; no kind with enough sources: no price;
 * 2. outliers: drop every quote whose price is further than `maxDeviationBps` from the median of
 *    the kept quotes: |price − median| · 10_000 > maxDeviationBps · median;
 * 3. sufficiency: fewer than `minSourcesPerConstituent` distinct sources left: no price;
 * 4. price: the weighted median of the rest when every one of them has a weight (a volume), else
 *    their median.
 */
import type { FeedLimits } from "./config.js";
import { kindRank } from "./quote-order.js";
import { median, weightedMedian } from "./statistics.js";
import { QUOTE_KINDS, type DropReason, type Quote, type QuoteKind } from "./types.js";

export type ConstituentRules = Pick<FeedLimits, "maxDeviationBps" | "minSourcesPerConstituent">;

export interface ConstituentPricing {
  /** The price (WAD); absent when the constituent was dropped. */
  price?: bigint;
  /** Why there is no price. */
  reason?: DropReason;
  /** The kind the quotes were taken from, once one kind had enough sources. */
  kind?: QuoteKind;
  /** The median the outlier rule measured against. */
  reference?: bigint;
  /** For each input quote, in input order: null when used, else why it was dropped. */
  quoteReasons: (DropReason | null)[];
}

/** Prices one constituent from its eligible quotes (all for that constituent, fresh, in the unit). */
export function priceConstituent(quotes: readonly Quote[], rules: ConstituentRules): ConstituentPricing {
  const quoteReasons: (DropReason | null)[] = quotes.map(() => null);
  if (quotes.length === 0) return { reason: "no-quotes", quoteReasons };

  const kind = QUOTE_KINDS.find(
    (candidate) => distinctSources(quotes.filter((quote) => quote.kind === candidate)) >= rules.minSourcesPerConstituent,
  );
  if (kind === undefined) return { reason: "too-few-sources", quoteReasons: quotes.map(() => "too-few-sources") };
  quotes.forEach((quote, i) => {
    if (quote.kind !== kind) quoteReasons[i] = kindRank(quote.kind) < kindRank(kind) ? "too-few-sources" : "lower-kind";
  });

  const selected = indicesWhere(quoteReasons, (reason) => reason === null);
  const reference = median(selected.map((i) => quotes[i].price));
  for (const i of selected) {
    if (deviatesBeyond(quotes[i].price, reference, rules.maxDeviationBps)) quoteReasons[i] = "outlier";
  }

  const kept = indicesWhere(quoteReasons, (reason) => reason === null).map((i) => quotes[i]);
  if (distinctSources(kept) < rules.minSourcesPerConstituent) {
    quoteReasons.forEach((reason, i) => {
      if (reason === null) quoteReasons[i] = "too-few-sources";
    });
    return { reason: "too-few-sources", kind, reference, quoteReasons };
  }
  const price = kept.every((quote) => quote.weight !== undefined)
    ? weightedMedian(kept.map((quote) => ({ value: quote.price, weight: quote.weight! })))
    : median(kept.map((quote) => quote.price));
  return { price, kind, reference, quoteReasons };
}

/** The outlier test, exact on integers: |price − reference| · 10_000 > maxDeviationBps · reference. */
export function deviatesBeyond(price: bigint, reference: bigint, maxDeviationBps: number): boolean {
  const distance = price > reference ? price - reference : reference - price;
  return distance * 10_000n > BigInt(maxDeviationBps) * reference;
}

/** How many different sources the quotes come from. */
export function distinctSources(quotes: readonly Quote[]): number {
  return new Set(quotes.map((quote) => quote.source)).size;
}

function indicesWhere<T>(items: readonly T[], test: (item: T) => boolean): number[] {
  const indices: number[] = [];
  items.forEach((item, i) => {
    if (test(item)) indices.push(i);
  });
  return indices;
}
