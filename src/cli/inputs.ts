/**
 * Command-line values parsed exactly (bigint, no float) with the client's parsers, each error
 * naming the argument or option the user typed.
 */
import { getAddress, isAddress } from "ethers";

import { parseFixed, parsePrice, parseSize, type Collateral } from "../client/index.js";
import { UsageError } from "./errors.js";

/** An address in any case; a mixed-case one must carry a valid EIP-55 checksum. */
export function parseAddress(text: string, what: string): string {
  if (!isAddress(text)) {
    const hint = /^0x[0-9a-fA-F]{40}$/.test(text) ? " (its mixed-case checksum is wrong)" : " (0x and 40 hex digits)";
    throw new UsageError(`${what}: "${text}" is not an address${hint}`);
  }
  return getAddress(text);
}

/** A collateral amount like "1,000.50", in the token's units (at most its decimals). */
export function parseAmount(text: string, collateral: Collateral, what = "amount"): bigint {
  const amount = parseFixed(text, collateral.decimals, `${collateral.symbol} amount`, { field: what });
  if (amount === 0n) throw new UsageError(`${what}: must be more than zero`);
  return amount;
}

/** Whole contracts. */
export function parseContracts(text: string, what = "--size"): bigint {
  return parseSize(text, { field: what });
}

/** A price in USD per index unit, e.g. "2.501". */
export function parseLimitPrice(text: string, what = "--price"): bigint {
  return parsePrice(text, { field: what });
}

const UNIT_SECONDS: Record<string, bigint> = { s: 1n, m: 60n, h: 3_600n, d: 86_400n, w: 604_800n };
const DURATION = /^(\d+[smhdw])+$/;

/**
 * An expiry: unix seconds ("1798185600"), or a duration from the chain's current time ("90s",
 * "30m", "1h", "2d", "1h30m"). Chain time, not the wall clock: a local chain may run ahead.
 */
export function parseExpiry(text: string, chainNow: bigint, what = "--expiry"): bigint {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return BigInt(trimmed);
  if (!DURATION.test(trimmed)) {
    throw new UsageError(`${what}: "${text}" is neither unix seconds nor a duration like 90s, 30m, 1h, 2d or 1h30m`);
  }
  let seconds = 0n;
  for (const [, count, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) seconds += BigInt(count) * UNIT_SECONDS[unit];
  return chainNow + seconds;
}
