/**
 * The price checks every adapter applies after converting to the feed's unit: a zero, negative
 * or absurd (above the source's `maxPrice`) price is a rejection, never a value.
 */
import { formatWad, parseWad } from "../decimal.js";

/** Why `price` (WAD) cannot be a quote, or undefined when it can. */
export function priceProblem(price: bigint, maxPrice: bigint): string | undefined {
  if (price === 0n) return "zero price";
  if (price < 0n) return `negative price ${formatWad(price)}`;
  if (price > maxPrice) return `absurd price ${formatWad(price)} above maxPrice ${formatWad(maxPrice)}`;
  return undefined;
}

/** The config's `maxPrice` (a decimal string, validated by the schema) as WAD. */
export function maxPriceWad(maxPrice: string): bigint {
  return parseWad(maxPrice);
}
