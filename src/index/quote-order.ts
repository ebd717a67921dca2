/**
 * The canonical order of quotes: what makes the diagnostics and `inputsHash` independent of the
 * order the sources answered in.
 */
import { QUOTE_KINDS, type Quote, type QuoteKind } from "./types.js";

/** 0 for `transaction`, 1 for `firm`, 2 for `indicative` (lower is better). */
export function kindRank(kind: QuoteKind): number {
  const rank = QUOTE_KINDS.indexOf(kind);
  return rank === -1 ? QUOTE_KINDS.length : rank;
}

/**
 * Ascending by constituent, source, unit, kind rank, price, observedAt, then weight (no weight
 * first). Ids are compared as JS strings; the ids of used quotes are ASCII slugs, for which this is
 * byte order, as in any other language.
 */
export function compareQuotes(a: Quote, b: Quote): number {
  return (
    compareText(a.constituent, b.constituent) ||
    compareText(a.source, b.source) ||
    compareText(a.unit, b.unit) ||
    kindRank(a.kind) - kindRank(b.kind) ||
    compareOrdered(a.price, b.price) ||
    compareOrdered(numberOrTop(a.observedAt), numberOrTop(b.observedAt)) ||
    compareOrdered(a.weight ?? -1n, b.weight ?? -1n)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareOrdered<T extends bigint | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** NaN sorts last, so an invalid observedAt cannot make the order depend on the input order. */
function numberOrTop(value: number): number {
  return Number.isNaN(value) ? Number.POSITIVE_INFINITY : value;
}
