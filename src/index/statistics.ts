/**
 * Robust statistics on bigint, exact and deterministic. Every rounding is a floor, and every tie
 * is settled by a rule written here, so two implementations agree bit for bit.
 */

/** A value with a positive weight (a volume, a capacity, a basket weight). */
export interface Weighted {
  value: bigint;
  weight: bigint;
}

/** Ascending order for bigints. */
export function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The median, as the on-chain oracle takes it (contracts/libraries/Median.sol): the middle value
 * of an odd count; for an even count, the mean of the two middle values rounded down
 * (`low + (high - low) / 2`). Throws a RangeError on an empty list.
 */
export function median(values: readonly bigint[]): bigint {
  if (values.length === 0) throw new RangeError("median of no values");
  const sorted = [...values].sort(compareBigint);
  const high = sorted[sorted.length >> 1];
  if (sorted.length % 2 === 1) return high;
  const low = sorted[(sorted.length >> 1) - 1];
  return low + (high - low) / 2n;
}

/**
 * The weighted median. Sort by value; let W be the total weight and C(k) the weight of the k
 * smallest entries. Take the first k with 2·C(k) >= W:
 * - if 2·C(k) > W, the result is the k-th value;
 * - if 2·C(k) = W exactly (the cumulative weight stops at exactly half), the result is the mean of
 *   the k-th and the (k+1)-th values rounded down, as `median` does for an even count.
 * With equal weights this is exactly `median`. Entries with equal values are interchangeable, so
 * the result does not depend on the input order. Throws a RangeError on an empty list or a
 * weight that is not positive.
 */
export function weightedMedian(entries: readonly Weighted[]): bigint {
  if (entries.length === 0) throw new RangeError("weighted median of no values");
  const total = totalWeight(entries);
  const sorted = [...entries].sort((a, b) => compareBigint(a.value, b.value));
  let cumulative = 0n;
  for (let k = 0; k < sorted.length; k++) {
    cumulative += sorted[k].weight;
    if (2n * cumulative > total) return sorted[k].value;
    if (2n * cumulative === total) {
      // Exactly half the weight lies at or below sorted[k]; the rest is above, so k + 1 exists.
      const low = sorted[k].value;
      const high = sorted[k + 1].value;
      return low + (high - low) / 2n;
    }
  }
  throw new Error("unreachable: the cumulative weight reaches the total");
}

/**
 * The weighted mean rounded down: floor(Σ wᵢ·vᵢ / Σ wᵢ), one division at the end, so renormalising
 * the weights (dividing each by their sum) never rounds an intermediate. Throws a RangeError on
 * an empty list or a weight that is not positive.
 */
export function weightedMean(entries: readonly Weighted[]): bigint {
  if (entries.length === 0) throw new RangeError("weighted mean of no values");
  const total = totalWeight(entries);
  let sum = 0n;
  for (const { value, weight } of entries) sum += value * weight;
  return floorDiv(sum, total);
}

function totalWeight(entries: readonly Weighted[]): bigint {
  let total = 0n;
  for (const { weight } of entries) {
    if (weight <= 0n) throw new RangeError(`weights must be positive, got ${weight}`);
    total += weight;
  }
  return total;
}

/** Division rounded toward negative infinity (bigint `/` truncates toward zero). */
function floorDiv(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  return numerator % denominator !== 0n && (numerator < 0n) !== (denominator < 0n) ? quotient - 1n : quotient;
}
