/**
 * The configuration of one price source of a feed (the `sources` list of a feed's YAML under
 * config/feeds/), validated with zod when the feed is loaded. Each `kind` names an adapter in
 * src/index/sources/. Every adapter turns the source's answer into `Quote`s in the feed's unit,
 * or into a recorded source error — never a value from a malformed answer.
 */
import { z } from "zod";

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

const common = {
  id: Slug,
  /** Where the source's prices sit in the IOSCO data hierarchy. */
  quoteKind: QuoteKindSchema,
};

/**
 * OpenRouter's model list (`GET /api/v1/models`): `data[].pricing.completion` is USD per output
 * token as a decimal string; the adapter reports USD per 1M output tokens. `models` maps each
 * constituent id to the model's `id` (slug) in the list.
 */
export const OpenRouterModelsSource = z.object({
  ...common,
  kind: z.literal("openrouter-models"),
  url: z.url(),
  models: z.record(Slug, z.string().min(1)),
  ...NetworkLimits,
});

/**
 * OpenRouter's per-provider endpoints of one model (`GET /api/v1/models/{author}/{slug}/endpoints`):
 * one quote per endpoint, constituent = the endpoint's provider mapped through `providers`
 * (provider_name -> constituent id); unmapped providers are skipped and reported.
 */
export const OpenRouterEndpointsSource = z.object({
  ...common,
  kind: z.literal("openrouter-endpoints"),
  url: z.url(),
  providers: z.record(z.string().min(1), Slug),
  ...NetworkLimits,
});

/**
 * A GPU marketplace's offer list in Vast.ai's format (`{ offers: [...] }`): per-GPU hourly price
 * = dph_total / num_gpus, for offers whose gpu_name is `gpuName` (and verified, rentable, with a
 * reliability of at least `minReliability`); all offers count toward one constituent.
 */
export const GpuOffersSource = z.object({
  ...common,
  kind: z.literal("gpu-offers"),
  url: z.url(),
  constituent: Slug,
  gpuName: z.string().min(1),
  minReliability: z.number().min(0).max(1).default(0.95),
  ...NetworkLimits,
});

/**
 * An operator-maintained price sheet (CSV, JSON or YAML by extension): rows of
 * `constituent, price, observedAt` in the feed's unit, price as a decimal string. The path is
 * relative to the repository (or absolute).
 */
export const PriceSheetSource = z.object({
  ...common,
  kind: z.literal("price-sheet"),
  path: z.string().min(1),
});

/**
 * A dated price history to replay (CSV `time,constituent,price`): at time t the adapter reports,
 * per constituent, the last row at or before t. For the demo and tests.
 */
export const ReplaySource = z.object({
  ...common,
  kind: z.literal("replay"),
  path: z.string().min(1),
});

export const SourceConfigSchema = z.discriminatedUnion("kind", [
  OpenRouterModelsSource,
  OpenRouterEndpointsSource,
  GpuOffersSource,
  PriceSheetSource,
  ReplaySource,
]);

export type SourceConfig = z.infer<typeof SourceConfigSchema>;
