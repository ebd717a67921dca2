/**
 * The shared vocabulary of the index methodology (src/index), the price sources
 * (src/index/sources) and the relayer (src/relayer). Prices are bigint WAD (1e18) USD per the
 * feed's unit; times are unix seconds. See docs/methodology.md.
 */

/** IOSCO data hierarchy: a transaction beats a firm quote beats an indicative one. */
export type QuoteKind = "transaction" | "firm" | "indicative";

/** The kinds from the most to the least preferred. */
export const QUOTE_KINDS: readonly QuoteKind[] = ["transaction", "firm", "indicative"];

/** One price for one constituent from one source, already converted to the feed's unit. */
export interface Quote {
  /** The source's id in the feed config. */
  source: string;
  /** The constituent's id in the feed config (a provider, a model, ...). */
  constituent: string;
  /** WAD USD per the feed's unit (exact: parsed from decimal strings, never a float). */
  price: bigint;
  /** The feed's unit the price is in, e.g. "USD per GPU-hour". */
  unit: string;
  kind: QuoteKind;
  /** When the source observed the price (unix seconds). */
  observedAt: number;
  /** Traded volume or capacity behind the price, when the source reports one (any unit, > 0). */
  weight?: bigint;
}

/** What a source adapter returns for one fetch: quotes, or an error recorded against it. */
export type SourceResult =
  | { source: string; ok: true; quotes: Quote[]; fetchedAt: number }
  | { source: string; ok: false; error: string; fetchedAt: number };

/** Why a quote, a source or a constituent was left out of a computation. */
export type DropReason =
  | "stale"
  | "outlier"
  | "lower-kind"
  | "unknown-constituent"
  | "unit-mismatch"
  | "too-few-sources"
  | "source-error";
