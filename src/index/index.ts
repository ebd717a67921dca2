/**
 * The index methodology's public surface: exact decimals, robust statistics, feed configs and
 * the computation itself (docs/methodology.md). The price-source adapters live in ./sources/.
 */
export * from "./types.js";
export { DecimalError, FeedConfigError, SnapshotError } from "./errors.js";
export { WAD, PER_MILLION, parseWad, numberToWad, toWad, formatWad } from "./decimal.js";
export { median, weightedMedian, weightedMean, compareBigint, type Weighted } from "./statistics.js";
export {
  DEFAULT_FEEDS_DIR,
  DEFAULT_MAX_CLOCK_SKEW_SECONDS,
  FeedConfigSchema,
  FeedName,
  feedFileName,
  loadFeedConfig,
  loadFeedConfigs,
  parseFeedConfig,
  parseFeedConfigYaml,
  type Constituent,
  type FeedConfig,
  type FeedConfigInput,
  type FeedLimits,
} from "./config.js";
export { feedId } from "./feed-id.js";
export { screenQuote } from "./eligibility.js";
export {
  priceConstituent,
  deviatesBeyond,
  distinctSources,
  type ConstituentPricing,
  type ConstituentRules,
} from "./constituent.js";
export { computeIndex, aggregate } from "./compute.js";
export { compareQuotes, kindRank } from "./quote-order.js";
export { INPUTS_ABI_TYPES, encodeInputs, inputsHash } from "./inputs-hash.js";
export {
  parseSnapshot,
  parseSnapshotYaml,
  snapshotDocument,
  type QuoteSnapshot,
  type SnapshotDocument,
} from "./snapshot.js";
export { formatIndexReport } from "./report.js";
