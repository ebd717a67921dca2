/**
 * Price sources: adapters that turn public price APIs, operator price sheets and replay files
 * into `Quote`s in a feed's unit, or into a recorded source error.
 *
 *   const outcome = await fetchSource(config, { now, unit, baseDir?, signal? });  // never throws
 *   if (outcome.ok) use(outcome.quotes); else record(outcome.error);  // "source <id>: <what>"
 *   outcome.rejected  // items that became no quote, with the reason, either way
 *
 * | kind                 | reads                                   | one quote per          | observedAt      | weight   |
 * |----------------------|-----------------------------------------|------------------------|-----------------|----------|
 * | openrouter-models    | GET /api/v1/models                      | configured model       | ctx.now         | -        |
 * | openrouter-endpoints | GET /api/v1/models/{a}/{m}/endpoints    | mapped endpoint        | ctx.now         | -        |
 * | gpu-offers           | Vast.ai offer search                    | counted offer          | ctx.now         | num_gpus |
 * | price-sheet          | CSV / JSON / YAML file                  | row (in `segments`)    | the row's date  | -        |
 * | replay               | CSV history                             | constituent (last row) | the row's time  | -        |
 *
 * HTTP answers carry no timestamp, so their quotes are observed at the round's time. Prices are
 * WAD USD per the feed's unit, parsed exactly (src/index/decimal.ts); `Quote.unit` is `ctx.unit`
 * and `Quote.kind` the source's `quoteKind`. A zero, negative, absurd (> `maxPrice`) or
 * malformed price is a rejection, never a value; a source with no quote left is `ok: false`.
 */
export { fetchSource } from "./fetchSource.js";
export type { FetchContext, Rejection, SourceOutcome } from "./types.js";
export {
  GpuOffersSource,
  OpenRouterEndpointsSource,
  OpenRouterModelsSource,
  PriceSheetSource,
  ReplaySource,
  SourceConfigSchema,
  Slug,
  type GpuOffersConfig,
  type OpenRouterEndpointsConfig,
  type OpenRouterModelsConfig,
  type PriceSheetConfig,
  type ReplayConfig,
  type SourceConfig,
} from "./schema.js";
export { SourceError } from "./errors.js";
export { loadReplay, type ReplayPoint } from "./replay.js";
export { parseIsoTime, formatIsoTime } from "./isoTime.js";
