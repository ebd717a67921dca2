/**
 * Orders: the EIP-712 type and domain of IFuturesMarket, building an order checked against its
 * series, hashing, the `eth_signTypedData_v4` payload a wallet shows, and a JSON form of signed
 * orders (bigints as decimal strings) with a strict parser, for order books and files.
 * Pure functions; the client binds them to its market.
 */
import { TypedDataEncoder, getAddress, isHexString, randomBytes, toBigInt, type TypedDataDomain, type TypedDataField } from "ethers";

import { InvalidInputError } from "./errors.js";
import { formatFixed, formatPrice, formatSize } from "./format.js";
import { formatTime } from "./errorMessages.js";
import type { SeriesInfo } from "./series.js";

/** IFuturesMarket.Order with bigint numbers. */
export interface Order {
  trader: string;
  series: string;
  isBuy: boolean;
  /** Contracts. */
  size: bigint;
  /** WAD USD per index unit; a multiple of the series' tick. */
  limitPrice: bigint;
  /** Unix seconds; the order fills up to and including this second. */
  expiry: bigint;
  /** `cancelAll(n)` voids every order with a nonce below n. */
  nonce: bigint;
  /** Bit 0 post-only, bit 1 reduce-only. */
  flags: bigint;
}

export interface SignedOrder {
  order: Order;
  /** 65-byte ECDSA signature of an EOA, or any bytes an EIP-1271 wallet accepts. */
  signature: string;
  /** The order's EIP-712 digest under the market's domain (its id on-chain). */
  hash: string;
}

export const POST_ONLY = 1n;
export const REDUCE_ONLY = 2n;

/** The Order type of the IFuturesMarket NatSpec, as ethers' signTypedData wants it. */
export const ORDER_TYPES: Record<string, TypedDataField[]> = {
  Order: [
    { name: "trader", type: "address" },
    { name: "series", type: "bytes32" },
    { name: "isBuy", type: "bool" },
    { name: "size", type: "uint64" },
    { name: "limitPrice", type: "uint96" },
    { name: "expiry", type: "uint64" },
    { name: "nonce", type: "uint256" },
    { name: "flags", type: "uint8" },
  ],
};

const EIP712_DOMAIN_TYPE: TypedDataField[] = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
];

const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_UINT96 = 2n ** 96n - 1n;
const MAX_UINT256 = 2n ** 256n - 1n;

/** The market's EIP-712 domain. */
export function marketDomain(chainId: bigint | number, market: string): TypedDataDomain {
  return { name: "FuturesMarket", version: "1", chainId: BigInt(chainId), verifyingContract: getAddress(market) };
}

/** The order's EIP-712 digest: what the market's `orderHash` returns and fills are keyed by. */
export function hashOrder(domain: TypedDataDomain, order: Order): string {
  return TypedDataEncoder.hash(domain, ORDER_TYPES, order);
}

/** The JSON `eth_signTypedData_v4` payload (numbers as decimal strings, JSON has no bigint). */
export interface OrderTypedData {
  types: { EIP712Domain: TypedDataField[]; Order: TypedDataField[] };
  primaryType: "Order";
  domain: { name: string; version: string; chainId: number; verifyingContract: string };
  message: Record<keyof Order, string | boolean>;
}

/** What a wallet receives to sign the order (`JSON.stringify` it for eth_signTypedData_v4). */
export function orderTypedData(domain: TypedDataDomain, order: Order): OrderTypedData {
  return {
    types: { EIP712Domain: EIP712_DOMAIN_TYPE, Order: ORDER_TYPES.Order },
    primaryType: "Order",
    domain: {
      name: String(domain.name),
      version: String(domain.version),
      chainId: Number(domain.chainId),
      verifyingContract: String(domain.verifyingContract),
    },
    message: orderJson(order),
  };
}

// ------------------------------------------------------------------------------- building

export interface OrderInput {
  series: string;
  side: "buy" | "sell";
  /** Contracts, at least the series' minimum size. */
  size: bigint;
  /** Limit price, WAD, a positive multiple of the series' tick. */
  price: bigint;
  /** Unix seconds; default: the series' last trading time. */
  expiry?: bigint;
  /** Default: a fresh time-ordered nonce (see `freshNonce`). */
  nonce?: bigint;
  postOnly?: boolean;
  reduceOnly?: boolean;
  /** Default: the signer. An EIP-1271 smart wallet whose owner signs. */
  trader?: string;
}

/**
 * A fresh nonce: the wall-clock milliseconds in the high bits and 64 random bits below, never
 * below the trader's cancel floor. Nonces so grow with time, which is what lets `cancelAll()`
 * void every order signed before it with one number (`cancelAllFloor`), and two otherwise equal
 * orders never share a hash.
 */
export function freshNonce(nowMs: number, minNonce: bigint): bigint {
  const timeFloor = BigInt(Math.floor(nowMs)) << 64n;
  const base = timeFloor > minNonce ? timeFloor : minNonce;
  return base + toBigInt(randomBytes(8));
}

/** The nonce floor that voids every order `freshNonce` gave out up to `nowMs`. */
export function cancelAllFloor(nowMs: number, minNonce: bigint): bigint {
  const timeFloor = BigInt(Math.floor(nowMs)) << 64n;
  return (timeFloor > minNonce ? timeFloor : minNonce) + (1n << 64n);
}

/**
 * Checks an order against its series at block time `now` and returns it; throws an
 * InvalidInputError naming the first bad field. The same rules the market applies when the order
 * fills, so an order that passes fails later only for state (margin, fills, cancels, time).
 */
export function buildOrderFor(
  input: OrderInput & { trader: string; nonce: bigint },
  series: SeriesInfo,
  now: bigint,
  minNonce: bigint,
): Order {
  const { params } = series;
  if (series.state !== "trading") {
    const why =
      series.state === "closed"
        ? `stopped trading at ${formatTime(series.lastTradingTime)}`
        : series.state === "expired"
          ? `expired at ${formatTime(series.expiry)}`
          : "is settled";
    throw new InvalidInputError("series", `${series.label} ${why}`);
  }
  if (series.paused) throw new InvalidInputError("series", `${series.label} is paused`);
  if (input.side !== "buy" && input.side !== "sell") {
    throw new InvalidInputError("side", `expected "buy" or "sell", got ${JSON.stringify(input.side)}`);
  }
  const { size, price } = input;
  if (typeof size !== "bigint" || size <= 0n) throw new InvalidInputError("size", "must be at least 1 contract");
  if (size > MAX_UINT64) throw new InvalidInputError("size", `${size} contracts is more than an order holds (2^64 - 1)`);
  if (size < params.minSize) {
    throw new InvalidInputError("size", `${formatSize(size)} is below the series' minimum of ${formatSize(params.minSize)} contracts`);
  }
  if (typeof price !== "bigint" || price <= 0n) throw new InvalidInputError("price", "must be positive");
  if (price > MAX_UINT96) throw new InvalidInputError("price", "is beyond what an order holds (2^96 - 1 wei)");
  if (price % params.tickSize !== 0n) {
    const below = price - (price % params.tickSize);
    const tick = formatFixed(params.tickSize, 18);
    throw new InvalidInputError(
      "price",
      `${formatPrice(price)} is not a multiple of the tick ${tick}: use ${formatPrice(below)} or ${formatPrice(below + params.tickSize)}`,
    );
  }
  const expiry = input.expiry ?? params.lastTradingTime;
  if (typeof expiry !== "bigint") throw new InvalidInputError("expiry", "must be unix seconds as a bigint");
  if (expiry <= now) {
    throw new InvalidInputError("expiry", `${formatTime(expiry)} is not in the future (block time ${formatTime(now)})`);
  }
  if (expiry > MAX_UINT64) throw new InvalidInputError("expiry", "is beyond 2^64 - 1 seconds");
  const { nonce } = input;
  if (typeof nonce !== "bigint" || nonce < 0n || nonce > MAX_UINT256) throw new InvalidInputError("nonce", "must be a uint256");
  if (nonce < minNonce) {
    throw new InvalidInputError("nonce", `${nonce} is below the trader's cancel floor ${minNonce}: the order would be void`);
  }
  let trader: string;
  try {
    trader = getAddress(input.trader);
  } catch {
    throw new InvalidInputError("trader", `${JSON.stringify(input.trader)} is not an address`);
  }
  return {
    trader,
    series: series.id,
    isBuy: input.side === "buy",
    size,
    limitPrice: price,
    expiry,
    nonce,
    flags: (input.postOnly === true ? POST_ONLY : 0n) | (input.reduceOnly === true ? REDUCE_ONLY : 0n),
  };
}

// ------------------------------------------------------------------------------- JSON

/** An order as JSON: numbers as decimal strings. */
export type OrderJson = Record<keyof Order, string | boolean>;

export interface SignedOrderJson {
  order: OrderJson;
  signature: string;
  hash: string;
}

function orderJson(order: Order): OrderJson {
  return {
    trader: order.trader,
    series: order.series,
    isBuy: order.isBuy,
    size: order.size.toString(),
    limitPrice: order.limitPrice.toString(),
    expiry: order.expiry.toString(),
    nonce: order.nonce.toString(),
    flags: order.flags.toString(),
  };
}

/** A signed order as a JSON-safe object. */
export function signedOrderToJson(signed: SignedOrder): SignedOrderJson {
  return { order: orderJson(signed.order), signature: signed.signature, hash: signed.hash };
}

/** A signed order as a JSON string. */
export function serializeSignedOrder(signed: SignedOrder): string {
  return JSON.stringify(signedOrderToJson(signed));
}

const UINT_TEXT = /^(0|[1-9][0-9]*)$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

function exactKeys(value: unknown, keys: readonly string[], field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(field, "expected an object");
  }
  const record = value as Record<string, unknown>;
  for (const key of keys) if (!(key in record)) throw new InvalidInputError(`${field}.${key}`, "is missing");
  for (const key of Object.keys(record)) {
    if (!keys.includes(key)) throw new InvalidInputError(`${field}.${key}`, "is not a field of a signed order");
  }
  return record;
}

function uintField(value: unknown, max: bigint, field: string): bigint {
  if (typeof value !== "string" || !UINT_TEXT.test(value)) {
    throw new InvalidInputError(field, `expected a decimal string without sign or leading zeros, got ${JSON.stringify(value)}`);
  }
  const n = BigInt(value);
  if (n > max) throw new InvalidInputError(field, `${value} is out of range (at most ${max})`);
  return n;
}

function bytes32Field(value: unknown, field: string): string {
  if (typeof value !== "string" || !BYTES32.test(value)) throw new InvalidInputError(field, "expected 0x and 64 hex digits");
  return value.toLowerCase();
}

const ORDER_KEYS = ["trader", "series", "isBuy", "size", "limitPrice", "expiry", "nonce", "flags"] as const;

/**
 * Parses a signed order from JSON text or a parsed object, strictly: exactly the fields of a
 * signed order, decimal strings in range, a checksummed (or all one case) address, and a hash
 * that is the order's digest under `domain` — so an order for another market or chain, or edited
 * after signing, is refused here rather than on-chain.
 */
export function parseSignedOrder(input: unknown, domain: TypedDataDomain): SignedOrder {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch {
      throw new InvalidInputError("signedOrder", "is not valid JSON");
    }
  }
  const top = exactKeys(value, ["order", "signature", "hash"], "signedOrder");
  const o = exactKeys(top.order, ORDER_KEYS, "signedOrder.order");
  let trader: string;
  try {
    if (typeof o.trader !== "string") throw new Error();
    trader = getAddress(o.trader);
  } catch {
    throw new InvalidInputError("signedOrder.order.trader", `${JSON.stringify(o.trader)} is not an address (or its checksum is wrong)`);
  }
  if (typeof o.isBuy !== "boolean") throw new InvalidInputError("signedOrder.order.isBuy", "expected true or false");
  const order: Order = {
    trader,
    series: bytes32Field(o.series, "signedOrder.order.series"),
    isBuy: o.isBuy,
    size: uintField(o.size, MAX_UINT64, "signedOrder.order.size"),
    limitPrice: uintField(o.limitPrice, MAX_UINT96, "signedOrder.order.limitPrice"),
    expiry: uintField(o.expiry, MAX_UINT64, "signedOrder.order.expiry"),
    nonce: uintField(o.nonce, MAX_UINT256, "signedOrder.order.nonce"),
    flags: uintField(o.flags, 255n, "signedOrder.order.flags"),
  };
  const signature = top.signature;
  if (typeof signature !== "string" || !isHexString(signature, true) || signature.length <= 2) {
    throw new InvalidInputError("signedOrder.signature", "expected 0x-prefixed hex bytes");
  }
  const hash = bytes32Field(top.hash, "signedOrder.hash");
  const expected = hashOrder(domain, order);
  if (hash !== expected.toLowerCase()) {
    throw new InvalidInputError(
      "signedOrder.hash",
      `${hash} is not the order's digest on this market (${expected}): another market or chain, or an edited order`,
    );
  }
  return { order, signature: signature.toLowerCase(), hash: expected };
}
