/**
 * How the human tables write numbers: collateral in the token's own decimals, rounded so a
 * figure never overstates what an account has (balances down, requirements up), prices exact,
 * times as UTC and durations to the unit that matters.
 */
import { divRound, formatFixed, formatPrice, WAD_DECIMALS, type Collateral, type Rounding } from "../client/index.js";
import { formatTime } from "../client/errorMessages.js";

/** "1,240.50 mUSD". */
export function money(amount: bigint, collateral: Collateral, rounding: Rounding = "floor"): string {
  return `${formatFixed(amount, collateral.decimals, { decimals: 2, rounding })} ${collateral.symbol}`;
}

/** Signed, for PnL: "+40.00 mUSD", "-300.00 mUSD". */
export function pnl(amount: bigint, collateral: Collateral): string {
  return `${formatFixed(amount, collateral.decimals, { decimals: 2, rounding: "floor", plusSign: true })} ${collateral.symbol}`;
}

/**
 * A WAD price for a table: at most `decimals` decimals, rounded as asked, trailing zeros dropped
 * ("2.50", "1.421875"). A mark or an average entry can carry 18 decimals; JSON keeps them all.
 */
export function price(wad: bigint, rounding: Rounding = "nearest", decimals = 6): string {
  const unit = 10n ** BigInt(WAD_DECIMALS - decimals);
  return formatPrice(divRound(wad, unit, rounding) * unit);
}

/** Unix seconds as "2026-12-25T08:00:00Z". */
export function utc(unix: bigint): string {
  return formatTime(unix);
}

/** "31d 4h", "2h 5m", "4m 10s", "59s": time left, to the unit that matters. */
export function formatDuration(seconds: bigint): string {
  if (seconds <= 0n) return "0s";
  const d = seconds / 86_400n;
  const h = (seconds % 86_400n) / 3_600n;
  const m = (seconds % 3_600n) / 60n;
  const s = seconds % 60n;
  if (d > 0n) return `${d}d ${h}h`;
  if (h > 0n) return `${h}h ${m}m`;
  if (m > 0n) return `${m}m ${s}s`;
  return `${s}s`;
}
