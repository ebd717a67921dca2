/**
 * The configuration of one price source of a feed (the `sources` list of a feed's YAML under
 * config/feeds/), validated with zod when the feed is loaded. Each `kind` names an adapter in
 * src/index/sources/. Every adapter turns the source's answer into `Quote`s in the feed's unit,
 * or into a recorded source error — never a value from a malformed answer.
 */
import { z } from "zod";

import { parseWad } from "../decimal.js";

/** A source id or constituent id: lower-case words joined by dashes. */
export const Slug = z.string().regex(/^[a-z0-9]+(?:[-.][a-z0-9]+)*$/, "lower-case letters, digits, '-' or '.'");

/** Fetch limits shared by every network adapter. */
const NetworkLimits = {
  /** Give up on one attempt after this long. */
  timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  /** Further attempts after a failed one, with exponential backoff from `backoffMs`. */
  retries: z.number().int().min(0).max(5).default(2),
  backoffMs: z.number().int().min(0).max(10_000).default(250),
  /** A larger answer is refused unread past this many bytes. */
  maxBytes: z.number().int().min(1_024).max(50_000_000).default(5_000_000),
};

const QuoteKindSchema = z.enum(["transaction", "firm", "indicative"]);

/** A positive decimal string with at most 18 decimal places, e.g. "1000" or "2.5". */
export const PositiveDecimal = z.string().refine((text) => {
  try {
    return parseWad(text) > 0n;
  } catch {
    return false;
  }
}, "a positive decimal string with at most 18 decimal places");

const common = {
  id: Slug,
  /** Where the source's prices sit in the IOSCO data hierarchy. */
  quoteKind: QuoteKindSchema,
};

/**
 * Above this price (in the feed's unit) an answer is absurd and rejected, never a value. Zero
 * and negative prices are always rejected. The defaults are per kind, far above any price seen
 * (USD 120 per 1M output tokens, USD 12.29 per H100-hour in the 2026 reference data).
 */
const maxPrice = (fallback: string) => PositiveDecimal.default(fallback);

/**
 * OpenRouter's model list (`GET /api/v1/models`): `data[].pricing.completion` is USD per output
 * token as a decimal string; the adapter reports USD per 1M output tokens. `models` maps each
 * constituent id to the model's `id` (slug) in the list.
 */
export const OpenRouterModelsSource = z.object({
  ...common,
  kind: z.literal("openrouter-models"),
  url: z.url(),
  models: z.record(
    Slug,
    z
      .string()
      .min(1)
      .refine((model) => !model.endsWith(":free"), "a ':free' variant has no price to index"),
  ),
  maxPrice: maxPrice("1000"),
  ...NetworkLimits,
});

/**
 * OpenRouter's per-provider endpoints of one model (`GET /api/v1/models/{author}/{slug}/endpoints`):
 * one quote per endpoint, constituent = the endpoint's provider mapped through `providers`
 * (an endpoint's `tag`, e.g. "deepinfra/fp8", is looked up first, then its `provider_name`, so
 * two endpoints of one provider can be told apart); unmapped providers are skipped and reported,
 * and two endpoints that map to one constituent are both rejected as ambiguous.
 */
export const OpenRouterEndpointsSource = z.object({
  ...common,
  kind: z.literal("openrouter-endpoints"),
  url: z.url(),
  providers: z.record(z.string().min(1), Slug),
  maxPrice: maxPrice("1000"),
  ...NetworkLimits,
});

/**
 * A GPU marketplace's offer list in Vast.ai's format (`{ offers: [...] }`): per-GPU hourly price
 * = dph_total / num_gpus (rounded down to 1e-18 USD), for offers whose gpu_name is `gpuName` (and
 * verified, rentable, not rented, with a reliability of at least `minReliability`); every offer
 * is one quote for `constituent`, weighted by its num_gpus (capacity).
 */
export const GpuOffersSource = z.object({
  ...common,
  kind: z.literal("gpu-offers"),
  url: z.url(),
  constituent: Slug,
  gpuName: z.string().min(1),
  minReliability: z.number().min(0).max(1).default(0.95),
  maxPrice: maxPrice("100"),
  ...NetworkLimits,
});

/**
 * An operator-maintained price sheet (CSV, JSON or YAML by extension): rows of
 * `constituent, price, observedAt` in the feed's unit, price as a decimal string, observedAt an
 * ISO 8601 UTC date or time; optional `segment` and `source_url`. With `segments`, only rows
 * whose `segment` is listed count (e.g. on-demand neoclouds apart from hyperscalers). The path is
 * relative to the repository (or absolute).
 */
export const PriceSheetSource = z.object({
  ...common,
  kind: z.literal("price-sheet"),
  path: z.string().min(1),
  segments: z.array(z.string().min(1)).min(1).optional(),
  maxPrice: maxPrice("10000"),
});

/**
 * A dated price history to replay (CSV `time,constituent,price`, time an ISO 8601 UTC date or
 * time): at time t the adapter reports, per constituent, the last row at or before t, observed at
 * that row's time. For the demo and tests.
 */
export const ReplaySource = z.object({
  ...common,
  kind: z.literal("replay"),
  path: z.string().min(1),
  maxPrice: maxPrice("10000"),
});

export const SourceConfigSchema = z.discriminatedUnion("kind", [
  OpenRouterModelsSource,
  OpenRouterEndpointsSource,
  GpuOffersSource,
  PriceSheetSource,
  ReplaySource,
]);

export type SourceConfig = z.infer<typeof SourceConfigSchema>;
export type OpenRouterModelsConfig = z.infer<typeof OpenRouterModelsSource>;
export type OpenRouterEndpointsConfig = z.infer<typeof OpenRouterEndpointsSource>;
export type GpuOffersConfig = z.infer<typeof GpuOffersSource>;
export type PriceSheetConfig = z.infer<typeof PriceSheetSource>;
export type ReplayConfig = z.infer<typeof ReplaySource>;
