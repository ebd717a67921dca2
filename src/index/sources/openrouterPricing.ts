/**
 * OpenRouter's pricing object, shared by the model list and the per-provider endpoints: every
 * price is a decimal string in USD per single token; an optional `discount` (a JSON number, a
 * fraction) makes the effective price `price x (1 - discount)`.
 *
 * USD per token -> WAD USD per 1M tokens, exactly (src/index/decimal.ts, `parseWad(text,
 * PER_MILLION)`): "0.00000022" becomes 220000000000000000n (0.22 USD per 1M). A price that is
 * not exact in WAD per 1M tokens (more than 24 decimal places per token), negative or not a
 * decimal is refused. The discount goes through `String(n)` (exact, at most 18 decimals) and the
 * discounted price is rounded down to 1e-18 USD.
 */
import { z } from "zod";

import { numberToWad, parseWad, PER_MILLION, WAD } from "../decimal.js";

export const OpenRouterPricing = z.object({
  completion: z.string(),
  discount: z.number().optional(),
});
export type OpenRouterPricing = z.infer<typeof OpenRouterPricing>;

/**
 * The output price in WAD USD per 1M tokens, discount applied; may be zero (the caller's price
 * check rejects it). Throws a `DecimalError` on a negative or non-numeric price, or an `Error` on
 * a discount outside [0, 1].
 */
export function completionPerMillion(pricing: OpenRouterPricing): bigint {
  const listed = parseWad(pricing.completion, PER_MILLION);
  if (pricing.discount === undefined) return listed;
  const discount = numberToWad(pricing.discount);
  if (discount > WAD) throw new Error(`discount ${pricing.discount} is not a fraction in [0, 1]`);
  return (listed * (WAD - discount)) / WAD;
}
