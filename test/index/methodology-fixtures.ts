/**
 * Small feeds and quote builders for the methodology tests (no tests here).
 */
import { parseFeedConfig, type FeedConfig, type FeedConfigInput } from "../../src/index/config.js";
import { parseWad } from "../../src/index/decimal.js";
import type { Quote, QuoteKind } from "../../src/index/types.js";

export const NOW = 1_800_000_000;
export const UNIT = "USD per test unit";

/** Price-sheet sources s1 … s8 (the kind does not matter to the methodology). */
export const SOURCE_IDS = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"] as const;

type Limits = Partial<FeedConfigInput["limits"]>;

/**
 * A feed over `constituents` (id → weight as a decimal string), median by default, limits loose
 * unless overridden: 1 hour staleness, 60 s skew, 10 % outliers, 1 source, 1 constituent.
 */
export function testFeed(
  options: {
    constituents?: Record<string, string>;
    aggregation?: FeedConfigInput["aggregation"];
    limits?: Limits;
    methodologyVersion?: number;
    id?: string;
  } = {},
): FeedConfig {
  const constituents = options.constituents ?? { x: "1" };
  return parseFeedConfig(
    {
      id: options.id ?? "TEST-FEED",
      description: "a feed for tests",
      unit: UNIT,
      methodologyVersion: options.methodologyVersion ?? 1,
      aggregation: options.aggregation ?? "weighted-median",
      constituents: Object.entries(constituents).map(([id, weight]) => ({ id, weight, description: id })),
      sources: SOURCE_IDS.map((id) => ({ id, kind: "price-sheet", quoteKind: "firm", path: `data/${id}.csv` })),
      limits: {
        maxQuoteAgeSeconds: 3_600,
        maxClockSkewSeconds: 60,
        maxDeviationBps: 1_000,
        minSourcesPerConstituent: 1,
        minConstituents: 1,
        ...options.limits,
      },
      heartbeatSeconds: 3_600,
      deviationBps: 100,
    },
    "test feed",
  );
}

/** A fresh firm quote for constituent `x` from `source` at `price` (a decimal string). */
export function quote(source: string, price: string, fields: Partial<Quote> & { kind?: QuoteKind } = {}): Quote {
  return {
    source,
    constituent: "x",
    price: parseWad(price),
    unit: UNIT,
    kind: "firm",
    observedAt: NOW - 60,
    ...fields,
  };
}
