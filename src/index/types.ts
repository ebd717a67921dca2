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

/**
 * Why a quote, a source or a constituent was left out of a computation (docs/methodology.md,
 * "Rules"):
 * - `invalid-quote`: price or weight not positive, unknown kind, or observedAt not a whole unix
 *   second;
 * - `unknown-source` / `unknown-constituent` / `unit-mismatch`: not from a source or not for a
 *   constituent of the feed, or not in its unit;
 * - `stale`: older than the feed's `maxQuoteAgeSeconds`; `from-future`: observed more than
 *   `maxClockSkewSeconds` after the computation time;
 * - `lower-kind`: the constituent has enough quotes of a better kind (IOSCO hierarchy);
 * - `outlier`: too far from the median of the constituent's quotes (`maxDeviationBps`);
 * - `too-few-sources`: fewer distinct sources than `minSourcesPerConstituent` (for a quote: its
 *   kind, or its constituent after the outlier rule, lacked them);
 * - `no-quotes`: a constituent without a single usable quote;
 * - `source-error`: the source's fetch failed (recorded by the relayer, not by the methodology).
 */
export type DropReason =
  | "invalid-quote"
  | "unknown-source"
  | "unknown-constituent"
  | "unit-mismatch"
  | "stale"
  | "from-future"
  | "lower-kind"
  | "outlier"
  | "too-few-sources"
  | "no-quotes"
  | "source-error";

/** How the constituent prices combine into the index value. */
export const AGGREGATIONS = ["weighted-median", "weighted-mean"] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** What became of one input quote. */
export interface QuoteDiagnostic {
  quote: Quote;
  used: boolean;
  /** Why it was dropped (absent when used). */
  reason?: DropReason;
}

/** What became of one constituent of the feed. */
export interface ConstituentDiagnostic {
  id: string;
  /** The configured weight (WAD), before renormalisation over the constituents priced. */
  weight: bigint;
  used: boolean;
  /** Why it has no price (absent when used). */
  reason?: DropReason;
  /** Its price (WAD), when used. */
  price?: bigint;
  /** The quote kind its price was taken from, once one kind had enough sources. */
  kind?: QuoteKind;
  /** The median the outlier rule measured its quotes against. */
  reference?: bigint;
  /** The distinct sources of its used quotes, sorted. */
  sources: string[];
  /** How many of its quotes were used. */
  quotesUsed: number;
}

/** Everything a computation looked at, and what it did with it. */
export interface IndexDiagnostics {
  feed: string;
  /** The on-chain id (bytes32) of the feed. */
  feedId: string;
  methodologyVersion: number;
  aggregation: Aggregation;
  /** The computation time (unix seconds). */
  now: number;
  /** Every input quote, in canonical order (src/index/quote-order.ts). */
  quotes: QuoteDiagnostic[];
  /** Every constituent, in config order. */
  constituents: ConstituentDiagnostic[];
  /** How many constituents have a price, and how many the feed needs. */
  constituentsPriced: number;
  minConstituents: number;
}

/** The index value with its `inputsHash`, or why there is none; diagnostics either way. */
export type IndexResult =
  | { ok: true; value: bigint; inputsHash: string; diagnostics: IndexDiagnostics }
  | { ok: false; error: string; diagnostics: IndexDiagnostics };
