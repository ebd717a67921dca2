/**
 * The market's margin arithmetic (docs/market.md, "Margin"), in bigint, with the contract's
 * roundings: values toward minus infinity, requirements up. And the liquidation price that
 * follows from it.
 *
 * Units: sizes in contracts, prices WAD, `scale` = WAD per collateral unit (1e12 for 6
 * decimals); values and requirements come out in collateral units.
 */
import { BPS } from "./format.js";

/** a / b toward minus infinity, for b > 0. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

/** a / b toward plus infinity, for b > 0. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b > 0n ? q + 1n : q;
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

/** size x multiplier x price in collateral units, toward minus infinity (what equity counts). */
export function positionValue(size: bigint, price: bigint, multiplier: bigint, scale: bigint): bigint {
  return floorDiv(size * multiplier * price, scale);
}

/** |size| x multiplier x price x bps / 10,000 in collateral units, rounded up (a requirement). */
export function marginRequirement(size: bigint, price: bigint, multiplier: bigint, bps: bigint, scale: bigint): bigint {
  return ceilDiv(abs(size) * multiplier * price * bps, BPS * scale);
}

/**
 * The average entry price, WAD: |entryNotional| / (|size| x multiplier), rounded against the
 * trader (up for a long: the cost looks higher; down for a short: the sale looks lower).
 * Undefined for a flat position.
 */
export function entryPrice(size: bigint, entryNotional: bigint, multiplier: bigint): bigint | undefined {
  if (size === 0n) return undefined;
  const contracts = abs(size) * multiplier;
  return size > 0n ? ceilDiv(abs(entryNotional), contracts) : abs(entryNotional) / contracts;
}

/** size x multiplier x price - entryNotional in collateral units, toward minus infinity. */
export function unrealisedPnl(size: bigint, entryNotional: bigint, price: bigint, multiplier: bigint, scale: bigint): bigint {
  return floorDiv(size * multiplier * price - entryNotional, scale);
}

/**
 * One position and the rest of its account, as the liquidation check sees them: the account is
 * liquidatable when equity < maintenance margin, with
 *   equity      = otherEquity      + positionValue(size, p)
 *   maintenance = otherMaintenance + marginRequirement(size, p, maintenanceMarginBps)
 * where `other*` is everything else the account holds (its cash and other positions, in every
 * market of the vault) valued as it is now.
 */
export interface LiquidationInputs {
  size: bigint;
  multiplier: bigint;
  maintenanceMarginBps: bigint;
  scale: bigint;
  otherEquity: bigint;
  otherMaintenance: bigint;
}

/** Whether the account is below maintenance margin with this position marked at `price`. */
export function liquidatableAt(x: LiquidationInputs, price: bigint): boolean {
  const equity = x.otherEquity + positionValue(x.size, price, x.multiplier, x.scale);
  const maintenance = x.otherMaintenance + marginRequirement(x.size, price, x.multiplier, x.maintenanceMarginBps, x.scale);
  return equity < maintenance;
}

/**
 * The liquidation price of the position, WAD, exact under the contract's roundings (no rounding
 * of its own): for a long, the highest mark at which the account is liquidatable (every mark
 * above it is safe); for a short, the lowest (every mark at or above it is liquidatable).
 * `undefined` when no non-negative mark makes the account liquidatable (a long backed by enough
 * cash) or a long's maintenance margin is 100%; 0n when a short is liquidatable at any price.
 *
 * Approximation: everything else the account holds keeps its current value, including positions
 * on the same feed in other series, which in reality move with it.
 */
export function liquidationPrice(x: LiquidationInputs): bigint | undefined {
  if (x.size === 0n) return undefined;
  if (x.size > 0n) {
    // At 100% maintenance margin a long's equity and margin move together: no price level.
    return x.maintenanceMarginBps >= BPS ? undefined : longLiquidationPrice(x);
  }
  return shortLiquidationPrice(x);
}

/**
 * A long loses equity faster than margin as the mark falls: u(p) - v(p) < D with
 * u = floor(A p / S), v = ceil(A p mm / (B S)), A = size x multiplier, D = otherMaintenance -
 * otherEquity. With c = A (B - mm) / (B S), u - v lies in (c p - 2, c p], so every p < D / c is
 * liquidatable and every p >= (D + 2) / c is not; in between, the floors and ceilings make the
 * condition flip only where u or v steps (a handful of points), so we test each step.
 */
function longLiquidationPrice(x: LiquidationInputs): bigint | undefined {
  const A = x.size * x.multiplier;
  const S = x.scale;
  const mm = x.maintenanceMarginBps;
  const D = x.otherMaintenance - x.otherEquity;
  if (D + 2n <= 0n) return undefined;
  const perUnit = A * (BPS - mm); // c = perUnit / (B S)
  const hi = ceilDiv((D + 2n) * BPS * S, perUnit); // first price sure to be safe
  const lo = D > 0n ? ceilDiv(D * BPS * S, perUnit) - 1n : 0n; // last price sure to be liquidatable (if D > 0)
  // The prices in (lo, hi) where u or v steps up: the condition is constant between them.
  const steps = new Set<bigint>([lo]);
  for (let k = floorDiv(A * lo, S) + 1n; ; k++) {
    const p = ceilDiv(k * S, A); // the first p with u(p) >= k
    if (p >= hi) break;
    steps.add(p);
  }
  if (mm > 0n) {
    for (let k = ceilDiv(A * lo * mm, BPS * S); ; k++) {
      const p = (k * BPS * S) / (A * mm) + 1n; // the first p with v(p) > k
      if (p >= hi) break;
      if (p > lo) steps.add(p);
    }
  }
  const starts = [...steps].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = starts.length - 1; i >= 0; i--) {
    if (liquidatableAt(x, starts[i])) return i + 1 < starts.length ? starts[i + 1] - 1n : hi - 1n;
  }
  return undefined;
}

/**
 * A short loses equity as the mark rises while its margin grows: liquidatable when
 * ceil(A p / S) + ceil(A p mm / (B S)) > otherEquity - otherMaintenance, a left side that never
 * decreases in p, so a binary search finds the first such p.
 */
function shortLiquidationPrice(x: LiquidationInputs): bigint {
  const A = -x.size * x.multiplier;
  const E = x.otherEquity - x.otherMaintenance;
  if (E < 0n) return 0n;
  // At hi, A hi (B + mm) / (B S) > E: surely liquidatable.
  let hi = (E * BPS * x.scale) / (A * (BPS + x.maintenanceMarginBps)) + 1n;
  let lo = 0n; // not liquidatable: w(0) = 0 <= E
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (liquidatableAt(x, mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
