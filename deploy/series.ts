/**
 * Series from products: a product definition (the parameters file's `products[]`) and a month
 * make one `IFuturesMarket.SeriesParams`. Pure: no chain, no clock (callers pass `now`).
 *
 * The expiry rule: a monthly series expires on the **last Friday of its month at 08:00:00 UTC**,
 * the monthly expiry crypto-native traders know from Deribit: a working day, so the guardian and
 * the keepers are at their desks when it settles, and before the weekend. Holidays do not move
 * it. Trading stops `lastTradeBeforeExpiry` seconds earlier (1 hour at launch) and the series
 * settles on the index TWAP over `[expiry - settlementWindow, expiry]` (the last hour).
 */
import { AbiCoder, keccak256 } from "ethers";

import { parseWad } from "../src/index/decimal.js";
import { feedId } from "../src/index/feed-id.js";
import type { SeriesParams } from "../src/client/series.js";

/** A calendar month, `month` 1 to 12. */
export interface Month {
  year: number;
  month: number;
}

/** IFuturesMarket.SeriesParams with bigint numbers: the client's type. */
export type { SeriesParams };

/** What a product defines (the parameters file's product, defaults applied). */
export interface ProductDefinition {
  symbol: string;
  /** The oracle feed's name; its id is keccak256 of it. */
  feed: string;
  multiplier: number;
  /** USD, exact decimal string. */
  tickSize: string;
  minSize: number;
  initialMarginBps: number;
  maintenanceMarginBps: number;
  liquidationPenaltyBps: number;
  liquidatorShareBps: number;
  makerFeeBps: number;
  takerFeeBps: number;
  maxBasisBps: number;
  basisTau: number;
  /** USD, exact decimal string. */
  basisRefNotional: string;
  openInterestCap: number;
  settlementWindow: number;
  lastTradeBeforeExpiry: number;
}

/** The SeriesParams fields in declaration order, with their Solidity types. */
export const SERIES_PARAM_FIELDS: readonly (readonly [keyof SeriesParams, string])[] = [
  ["feed", "bytes32"],
  ["expiry", "uint64"],
  ["lastTradingTime", "uint64"],
  ["settlementWindow", "uint32"],
  ["multiplier", "uint32"],
  ["tickSize", "uint96"],
  ["minSize", "uint64"],
  ["initialMarginBps", "uint16"],
  ["maintenanceMarginBps", "uint16"],
  ["liquidationPenaltyBps", "uint16"],
  ["liquidatorShareBps", "uint16"],
  ["makerFeeBps", "uint16"],
  ["takerFeeBps", "uint16"],
  ["maxBasisBps", "uint16"],
  ["basisTau", "uint32"],
  ["basisRefNotional", "uint128"],
  ["openInterestCap", "uint64"],
];

const SERIES_TUPLE = `tuple(${SERIES_PARAM_FIELDS.map(([name, type]) => `${type} ${name}`).join(",")})`;

const EXPIRY_HOUR_UTC = 8;
const FRIDAY = 5; // Date#getUTCDay
const DAY_MS = 86_400_000;

// ------------------------------------------------------------------------------- months

/** "2026-12" → {year: 2026, month: 12}; throws on anything else. */
export function parseMonth(text: string): Month {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  const month = match === null ? 0 : Number(match[2]);
  if (match === null || month < 1 || month > 12) throw new RangeError(`expected a month as YYYY-MM, got "${text}"`);
  return { year: Number(match[1]), month };
}

export function formatMonth({ year, month }: Month): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}`;
}

/** `m` moved by `count` months (December + 1 is January of the next year). */
export function addMonths({ year, month }: Month, count: number): Month {
  const index = year * 12 + (month - 1) + count;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

export function compareMonths(a: Month, b: Month): number {
  return a.year * 12 + a.month - (b.year * 12 + b.month);
}

/** The UTC month a unix time (seconds) falls in. */
export function monthOfTime(time: bigint): Month {
  const date = new Date(Number(time) * 1000);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1 };
}

// ------------------------------------------------------------------------------- expiry rule

/** The month's expiry: its last Friday at 08:00:00 UTC, unix seconds. */
export function expiryOf({ year, month }: Month): bigint {
  // Day 0 of the next month is the last day of this one.
  const lastDay = new Date(Date.UTC(year, month, 0));
  const daysBack = (lastDay.getUTCDay() - FRIDAY + 7) % 7;
  const ms = lastDay.getTime() - daysBack * DAY_MS + EXPIRY_HOUR_UTC * 3_600_000;
  return BigInt(ms / 1000);
}

/**
 * The months a deploy lists: `count` consecutive months starting at `firstMonth`, or, when it is
 * not given, at the first month whose expiry is at least `minLeadSeconds` after `now` (so a
 * series is never listed with only a few days to run).
 */
export function launchMonths(now: bigint, count: number, minLeadSeconds: number, firstMonth?: Month): Month[] {
  let first = firstMonth ?? monthOfTime(now);
  if (firstMonth === undefined) {
    while (expiryOf(first) < now + BigInt(minLeadSeconds)) first = addMonths(first, 1);
  }
  return Array.from({ length: count }, (_, i) => addMonths(first, i));
}

// ------------------------------------------------------------------------------- series

/** The display name of a product's series, e.g. "H100-2026-12". */
export function seriesName(product: Pick<ProductDefinition, "symbol">, month: Month): string {
  return `${product.symbol}-${formatMonth(month)}`;
}

/** The product's series for `month`, every number a bigint (USD decimals become WAD, exactly). */
export function seriesParams(product: ProductDefinition, month: Month): SeriesParams {
  const expiry = expiryOf(month);
  return {
    feed: feedId(product.feed),
    expiry,
    lastTradingTime: expiry - BigInt(product.lastTradeBeforeExpiry),
    settlementWindow: BigInt(product.settlementWindow),
    multiplier: BigInt(product.multiplier),
    tickSize: parseWad(product.tickSize),
    minSize: BigInt(product.minSize),
    initialMarginBps: BigInt(product.initialMarginBps),
    maintenanceMarginBps: BigInt(product.maintenanceMarginBps),
    liquidationPenaltyBps: BigInt(product.liquidationPenaltyBps),
    liquidatorShareBps: BigInt(product.liquidatorShareBps),
    makerFeeBps: BigInt(product.makerFeeBps),
    takerFeeBps: BigInt(product.takerFeeBps),
    maxBasisBps: BigInt(product.maxBasisBps),
    basisTau: BigInt(product.basisTau),
    basisRefNotional: parseWad(product.basisRefNotional),
    openInterestCap: BigInt(product.openInterestCap),
  };
}

/** The series id as the market computes it: keccak256(abi.encode(params)). */
export function seriesId(params: SeriesParams): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode([SERIES_TUPLE], [params]));
}

/** SeriesParams as a plain object from a decoded struct (ethers' Result, named fields). */
export function seriesParamsFrom(value: Record<keyof SeriesParams, unknown>): SeriesParams {
  const out = {} as Record<keyof SeriesParams, unknown>;
  for (const [name] of SERIES_PARAM_FIELDS) out[name] = name === "feed" ? String(value[name]) : BigInt(value[name] as bigint);
  return out as unknown as SeriesParams;
}

/** The fields where two SeriesParams differ, e.g. `tickSize 10000000000000000 (expected 1000000000000000)`. */
export function seriesParamsDiff(actual: SeriesParams, expected: SeriesParams): string[] {
  return SERIES_PARAM_FIELDS.filter(([name]) => String(actual[name]).toLowerCase() !== String(expected[name]).toLowerCase()).map(
    ([name]) => `${name} ${actual[name]} (expected ${expected[name]})`,
  );
}

const BPS = 10_000n;
const MAX_FEE_BPS = 100n;
const UINT32_MAX = 2n ** 32n - 1n;

/**
 * contracts/market/SeriesRules.sol in TypeScript: the first parameter the market would refuse
 * with `InvalidSeriesParam(name, value)` at block time `now`, or undefined. Lets a deploy fail
 * before its first transaction, naming the product, the month and the field.
 */
export function seriesRuleViolation(p: SeriesParams, now: bigint): { name: keyof SeriesParams; value: bigint } | undefined {
  const bad = (name: keyof SeriesParams) => ({ name, value: p[name] as bigint });
  if (p.expiry <= now || p.expiry > UINT32_MAX) return bad("expiry");
  if (p.lastTradingTime > p.expiry || p.lastTradingTime <= now) return bad("lastTradingTime");
  if (p.settlementWindow === 0n || p.settlementWindow > p.expiry - now) return bad("settlementWindow");
  if (p.multiplier === 0n) return bad("multiplier");
  if (p.tickSize === 0n) return bad("tickSize");
  if (p.minSize === 0n) return bad("minSize");
  if (p.maintenanceMarginBps === 0n || p.maintenanceMarginBps > p.initialMarginBps) return bad("maintenanceMarginBps");
  if (p.initialMarginBps > BPS) return bad("initialMarginBps");
  if (p.liquidationPenaltyBps > p.maintenanceMarginBps) return bad("liquidationPenaltyBps");
  if (p.makerFeeBps > MAX_FEE_BPS) return bad("makerFeeBps");
  if (p.takerFeeBps > MAX_FEE_BPS) return bad("takerFeeBps");
  if (p.liquidatorShareBps > BPS) return bad("liquidatorShareBps");
  if (p.maxBasisBps > BPS) return bad("maxBasisBps");
  if (p.basisTau === 0n) return bad("basisTau");
  if (p.basisRefNotional === 0n) return bad("basisRefNotional");
  if (p.openInterestCap === 0n) return bad("openInterestCap");
  return undefined;
}
