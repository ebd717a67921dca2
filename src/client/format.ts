/**
 * Exact formatting and parsing of the protocol's fixed-point numbers, bigint only (no float ever
 * touches an amount): collateral in token units (6 decimals for a USDC-like token), prices in
 * WAD (18 decimals of USD), sizes in whole contracts, rates in basis points.
 *
 * Formatting rounds only where it is told to, and says how: `floor` (toward minus infinity),
 * `ceil` (toward plus infinity) or `nearest` (half away from zero). Parsing never rounds: a
 * value with more decimals than its unit holds is refused with an `InvalidInputError`.
 */
import { InvalidInputError } from "./errors.js";

/** Decimals of the launch collateral (USDC and MockUSD). */
export const USDC_DECIMALS = 6;
/** Decimals of a WAD: prices, index values and notionals inside the market. */
export const WAD_DECIMALS = 18;
export const WAD = 10n ** 18n;
export const BPS = 10_000n;

export type Rounding = "floor" | "ceil" | "nearest";

export interface FormatOptions {
  /** Decimals to show, or "exact" for every non-zero decimal the value has. */
  decimals?: number | "exact";
  /** With "exact": pad to at least this many decimals (e.g. 2 for "2.50"). */
  minDecimals?: number;
  /** How to drop the decimals that are not shown. Default "nearest". */
  rounding?: Rounding;
  /** Thousands separators in the integer part ("1,240.50"). Default true. */
  grouping?: boolean;
  /** Prefix positive values with "+" (for PnL). Default false. */
  plusSign?: boolean;
}

/** a / b rounded as asked, for b > 0. */
export function divRound(a: bigint, b: bigint, rounding: Rounding): bigint {
  if (b <= 0n) throw new RangeError("divRound: the divisor must be positive");
  const q = a / b; // toward zero
  const r = a % b; // sign of a
  if (r === 0n) return q;
  switch (rounding) {
    case "floor":
      return a < 0n ? q - 1n : q;
    case "ceil":
      return a < 0n ? q : q + 1n;
    case "nearest": {
      const twice = 2n * (r < 0n ? -r : r);
      if (twice < b) return q;
      return a < 0n ? q - 1n : q + 1n;
    }
  }
}

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * `value` in units of 10^-unitDecimals as a decimal string, e.g. formatFixed(1240500000n, 6) is
 * "1,240.50" with `decimals: 2`.
 */
export function formatFixed(value: bigint, unitDecimals: number, options: FormatOptions = {}): string {
  const { decimals = "exact", minDecimals = 0, rounding = "nearest", grouping = true, plusSign = false } = options;
  let shown: number;
  let scaled: bigint; // value in units of 10^-shown
  if (decimals === "exact") {
    scaled = value;
    shown = unitDecimals;
  } else {
    if (!Number.isInteger(decimals) || decimals < 0) throw new RangeError(`formatFixed: bad decimals ${decimals}`);
    shown = decimals;
    scaled =
      decimals >= unitDecimals
        ? value * 10n ** BigInt(decimals - unitDecimals)
        : divRound(value, 10n ** BigInt(unitDecimals - decimals), rounding);
  }
  const negative = scaled < 0n;
  const magnitude = (negative ? -scaled : scaled).toString().padStart(shown + 1, "0");
  const integer = magnitude.slice(0, magnitude.length - shown);
  let fraction = magnitude.slice(magnitude.length - shown);
  if (decimals === "exact") {
    fraction = fraction.replace(/0+$/, "");
    if (fraction.length < minDecimals) fraction = fraction.padEnd(minDecimals, "0");
  }
  const sign = negative ? "-" : plusSign && scaled > 0n ? "+" : "";
  return `${sign}${grouping ? group(integer) : integer}${fraction === "" ? "" : `.${fraction}`}`;
}

/** Collateral token units as USD: 2 decimals rounded to nearest by default ("1,240.50"). */
export function formatUsdc(amount: bigint, options: FormatOptions = {}): string {
  return formatFixed(amount, USDC_DECIMALS, { decimals: 2, ...options });
}

/** Signed collateral amount for PnL: "+100.00", "-51.00", "0.00". */
export function formatPnl(amount: bigint, options: FormatOptions = {}): string {
  return formatUsdc(amount, { plusSign: true, ...options });
}

/** A WAD price: exact, at least 2 decimals by default ("2.50", "1.706"). */
export function formatPrice(wad: bigint, options: FormatOptions = {}): string {
  return formatFixed(wad, WAD_DECIMALS, { decimals: "exact", minDecimals: 2, ...options });
}

/** A size in contracts: "10", "-10", "1,000". */
export function formatSize(size: bigint, options: Pick<FormatOptions, "grouping" | "plusSign"> = {}): string {
  return formatFixed(size, 0, options);
}

/** Basis points as a percentage, exact: 2000 is "20%", 5 is "0.05%", 1250 is "12.5%". */
export function formatBps(bps: bigint): string {
  return `${formatFixed(bps, 2, { grouping: false })}%`;
}

/** A WAD ratio (e.g. a margin ratio), 2 decimals rounded down by default: "1.38". */
export function formatRatio(wad: bigint, options: FormatOptions = {}): string {
  return formatFixed(wad, WAD_DECIMALS, { decimals: 2, rounding: "floor", ...options });
}

// ------------------------------------------------------------------------------- parsing

export interface ParseOptions {
  /** The name the error message gives the value (e.g. "amount", "order.price"). */
  field?: string;
  /** Accept a leading "-". Default false. */
  allowNegative?: boolean;
}

// Digits with optional well-placed thousands separators, an optional fraction.
const DECIMAL = /^(-)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/;
const MAX_LENGTH = 100;

/**
 * Parses a decimal string exactly into units of 10^-unitDecimals. Accepts "1240.5", "1,240.50",
 * "0.000001"; refuses "1.5e3", ".5", "5.", "1,24", "0x10", more decimals than the unit holds,
 * and a sign unless `allowNegative`.
 */
export function parseFixed(text: string, unitDecimals: number, unitName: string, options: ParseOptions = {}): bigint {
  const field = options.field ?? "value";
  if (typeof text !== "string") throw new InvalidInputError(field, `expected a decimal string, got ${typeof text}`);
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new InvalidInputError(field, "is empty");
  if (trimmed.length > MAX_LENGTH) throw new InvalidInputError(field, `is longer than ${MAX_LENGTH} characters`);
  const match = DECIMAL.exec(trimmed);
  if (match === null) throw new InvalidInputError(field, `"${trimmed}" is not a decimal number`);
  const [, minus, integerPart, fraction = ""] = match;
  if (minus !== undefined && options.allowNegative !== true) {
    throw new InvalidInputError(field, `"${trimmed}" is negative; a non-negative ${unitName} is expected`);
  }
  if (fraction.length > unitDecimals) {
    const allowed = unitDecimals === 0 ? "no decimals" : `at most ${unitDecimals} decimals`;
    throw new InvalidInputError(field, `"${trimmed}" has ${fraction.length} decimals; ${unitName} takes ${allowed}`);
  }
  const digits = integerPart.replaceAll(",", "") + fraction.padEnd(unitDecimals, "0");
  const magnitude = BigInt(digits);
  return minus === undefined ? magnitude : -magnitude;
}

/** "1,240.50" USD to collateral token units (6 decimals): 1240500000n. */
export function parseUsdc(text: string, options: ParseOptions = {}): bigint {
  return parseFixed(text, USDC_DECIMALS, "USDC amount", { field: "amount", ...options });
}

/** "2.501" USD per index unit to a WAD price. */
export function parsePrice(text: string, options: ParseOptions = {}): bigint {
  return parseFixed(text, WAD_DECIMALS, "price", { field: "price", ...options });
}

/** "10" contracts to 10n; contracts are whole. */
export function parseSize(text: string, options: ParseOptions = {}): bigint {
  return parseFixed(text, 0, "size in whole contracts", { field: "size", ...options });
}
