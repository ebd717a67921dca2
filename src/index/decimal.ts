/**
 * Exact decimals: API prices (decimal strings, or JSON numbers) to bigint WAD and back, with no
 * float on the way and no rounding ever. An input that is not exact in WAD is an error naming
 * it, never a value.
 *
 * Accepted text: a JSON number without a sign — `0` or digits without a leading zero, an
 * optional `.fraction`, an optional exponent `e`/`E` with an optional sign (`19.36`, `0.000003`,
 * `2`, `1e-7`, `3E+2`). Exponents are accepted because `String(n)` writes small and large JS
 * numbers that way (`String(1e-7) === "1e-7"`). Rejected: empty text, a sign, spaces, `.5`,
 * `5.`, hex, `NaN`, `Infinity`, anything longer than 100 characters, exponents beyond ±100,
 * and results above the uint256 range.
 */
import { DecimalError } from "./errors.js";

/** 1e18: the fixed-point scale of every price (`1 USD` is `WAD`). */
export const WAD = 10n ** 18n;
const WAD_DECIMALS = 18;

/** Multiply USD per token by this to get USD per 1M tokens. */
export const PER_MILLION = 1_000_000n;

const MAX_TEXT_LENGTH = 100;
const MAX_EXPONENT = 100;
const UINT256_MAX = (1n << 256n) - 1n;
const DECIMAL_GRAMMAR = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

/**
 * Parses a decimal string into WAD, multiplied by `scale` (a unit conversion, e.g. `PER_MILLION`
 * turns USD per token into USD per 1M tokens: `parseWad("0.000003", PER_MILLION) === 3n * WAD`).
 * Throws `DecimalError` when the text is not an accepted decimal or when the scaled value has
 * more than 18 decimals (it would need rounding).
 */
export function parseWad(text: string, scale: bigint = 1n): bigint {
  if (scale < 1n) throw new RangeError(`parseWad: scale must be a positive integer, got ${scale}`);
  if (typeof text !== "string") throw new DecimalError(String(text), `expected a string, got ${typeof text}`);
  if (text.length === 0) throw new DecimalError(text, "empty");
  if (text.length > MAX_TEXT_LENGTH) throw new DecimalError(text, `longer than ${MAX_TEXT_LENGTH} characters`);
  if (text.startsWith("-")) throw new DecimalError(text, "negative");
  const match = DECIMAL_GRAMMAR.exec(text);
  if (match === null) {
    throw new DecimalError(text, "expected digits with an optional fraction and exponent, like 19.36, 0.000003 or 1e-7");
  }
  const [, integer, fraction = "", exponentText = "0"] = match;
  const exponent = Number(exponentText);
  if (!(Math.abs(exponent) <= MAX_EXPONENT)) throw new DecimalError(text, `exponent beyond ±${MAX_EXPONENT}`);

  // value = digits × 10^(exponent − fraction digits) × scale; in WAD, × 10^18 more.
  const digits = BigInt(integer + fraction) * scale;
  const power = WAD_DECIMALS + exponent - fraction.length;
  let wad: bigint;
  if (power >= 0) {
    wad = digits * 10n ** BigInt(power);
  } else {
    const divisor = 10n ** BigInt(-power);
    if (digits % divisor !== 0n) {
      const scaled = scale === 1n ? "" : ` after scaling by ${scale}`;
      throw new DecimalError(text, `more than 18 decimals${scaled}: not exact in WAD`);
    }
    wad = digits / divisor;
  }
  if (wad > UINT256_MAX) throw new DecimalError(text, "above the uint256 range in WAD");
  return wad;
}

/**
 * Converts a JS number (from a JSON answer) through `String(n)`, its shortest round-trip decimal
 * string: `numberToWad(19.36) === 19_360000000000000000n`. ECMAScript (Number::toString) fixes the
 * digit count and recommends, when several strings of that length round-trip, the closest one
 * (ties to even), as V8 does: every relayer (Node) gets the same WAD value. Throws `DecimalError`
 * for a non-finite or negative number.
 */
export function numberToWad(value: number, scale: bigint = 1n): bigint {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new DecimalError(String(value), "not a finite number");
  }
  if (value < 0) throw new DecimalError(String(value), "negative");
  return parseWad(String(value), scale);
}

/** `parseWad` for a string, `numberToWad` for a number; anything else is a `DecimalError`. */
export function toWad(value: unknown, scale: bigint = 1n): bigint {
  if (typeof value === "string") return parseWad(value, scale);
  if (typeof value === "number") return numberToWad(value, scale);
  throw new DecimalError(String(value), `expected a decimal string or a number, got ${value === null ? "null" : typeof value}`);
}

/**
 * Formats WAD as a plain decimal string with no exponent and no trailing zeros:
 * `3n * WAD` → `"3"`, `19_360000000000000000n` → `"19.36"`, `1n` → `"0.000000000000000001"`.
 * `parseWad(formatWad(x)) === x` for every x >= 0.
 */
export function formatWad(value: bigint): string {
  const sign = value < 0n ? "-" : "";
  const magnitude = value < 0n ? -value : value;
  const integer = magnitude / WAD;
  const fraction = (magnitude % WAD).toString().padStart(WAD_DECIMALS, "0").replace(/0+$/, "");
  return `${sign}${integer}${fraction === "" ? "" : `.${fraction}`}`;
}
