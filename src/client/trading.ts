/**
 * Trading actions: build an order checked against its series, sign it in the wallet, fill,
 * match (one or a batch), cancel one or all, and an order's fill status.
 */
import type { ContractTransactionReceipt } from "ethers";

import { addressOr, latestBlock, read, requireSigner, sendTransaction, type ClientContext } from "./context.js";
import { ContractError, InvalidInputError } from "./errors.js";
import {
  buildOrderFor,
  cancelAllFloor,
  freshNonce,
  hashOrder,
  ORDER_TYPES,
  type Order,
  type OrderInput,
  type SignedOrder,
} from "./orders.js";
import { readSeries } from "./series.js";

const CANCELLED = 2n ** 256n - 1n;

/** Builds an order of the signer (or `input.trader`) checked against its series at the latest block. */
export async function buildOrder(ctx: ClientContext, input: OrderInput): Promise<Order> {
  const trader = await addressOr(ctx, input.trader, "buildOrder (without a trader)");
  const block = await latestBlock(ctx);
  let series;
  try {
    series = await readSeries(ctx, input.series, block);
  } catch (error) {
    if (error instanceof ContractError && error.name === "UnknownSeries") {
      throw new InvalidInputError("series", `${input.series} is not listed on this market`, { cause: error });
    }
    throw error;
  }
  const minNonce = await read(ctx, "read the cancel floor", () =>
    ctx.contracts.market.minNonceOf(trader, { blockTag: block.blockNumber }),
  );
  const nonce = input.nonce ?? freshNonce(ctx.now(), minNonce);
  return buildOrderFor({ ...input, trader, nonce }, series, block.timestamp, minNonce);
}

/** Signs an order with the signer's signTypedData (EIP-712; a wallet shows every field). */
export async function signOrder(ctx: ClientContext, order: Order): Promise<SignedOrder> {
  const signer = requireSigner(ctx, "signOrder");
  let signature: string;
  try {
    signature = await signer.signTypedData(ctx.domain, ORDER_TYPES, order);
  } catch (error) {
    throw ctx.decoder.toCfxError(error, "sign the order");
  }
  return { order, signature, hash: hashOrder(ctx.domain, order) };
}

export interface OrderStatus {
  hash: string;
  /** Contracts filled so far (0 once cancelled: see `cancelled`). */
  filled: bigint;
  /** Contracts that may still fill (0 when cancelled, expired or void). */
  remaining: bigint;
  cancelled: boolean;
  /** The trader's cancel floor is above the order's nonce. */
  nonceCancelled: boolean;
  expired: boolean;
}

/** How much of an order is filled and whether it can still fill, at the latest block. */
export async function orderStatus(ctx: ClientContext, order: Order): Promise<OrderStatus> {
  const block = await latestBlock(ctx);
  const at = { blockTag: block.blockNumber };
  const hash = hashOrder(ctx.domain, order);
  const [filledOf, minNonce] = await Promise.all([
    read(ctx, "read order fills", () => ctx.contracts.market.filledOf(hash, at)),
    read(ctx, "read the cancel floor", () => ctx.contracts.market.minNonceOf(order.trader, at)),
  ]);
  const cancelled = filledOf === CANCELLED;
  const filled = cancelled ? 0n : filledOf;
  const nonceCancelled = order.nonce < minNonce;
  // A fill lands in a later block, so an order expiring at this block's second is as good as gone.
  const expired = block.timestamp >= order.expiry;
  const live = !cancelled && !nonceCancelled && !expired;
  return { hash, filled, cancelled, nonceCancelled, expired, remaining: live ? order.size - filled : 0n };
}

/** A trade size: whole contracts that fit the market's uint64. */
function checkedSize(size: bigint, field = "size"): bigint {
  if (typeof size !== "bigint" || size <= 0n || size >= 2n ** 64n) {
    throw new InvalidInputError(field, "must be between 1 and 2^64 - 1 contracts");
  }
  return size;
}

/** `size`, or what is left of the order when not given (an order with nothing left is refused). */
async function sizeToFill(ctx: ClientContext, order: Order, size: bigint | undefined): Promise<bigint> {
  if (size !== undefined) return checkedSize(size);
  const { remaining } = await orderStatus(ctx, order);
  if (remaining === 0n) throw new InvalidInputError("size", "the order has nothing left to fill (filled, cancelled or expired)");
  return remaining;
}

/** The signer takes `size` (default: all that is left) of a maker's signed order, at its price. */
export async function fill(ctx: ClientContext, maker: SignedOrder, size?: bigint): Promise<ContractTransactionReceipt> {
  requireSigner(ctx, "fill");
  const amount = await sizeToFill(ctx, maker.order, size);
  return sendTransaction(ctx, "fill", () => ctx.contracts.market.fill(maker.order, maker.signature, amount));
}

/** Crosses two signed orders at the maker's price (anyone may: the order book's matcher). */
export async function match(
  ctx: ClientContext,
  maker: SignedOrder,
  taker: SignedOrder,
  size: bigint,
): Promise<ContractTransactionReceipt> {
  checkedSize(size);
  return sendTransaction(ctx, "match", () =>
    ctx.contracts.market.matchOrders(maker.order, maker.signature, taker.order, taker.signature, size),
  );
}

export interface MatchInput {
  maker: SignedOrder;
  taker: SignedOrder;
  size: bigint;
}

/** Several crosses in one transaction, all or nothing. */
export async function matchBatch(ctx: ClientContext, matches: MatchInput[]): Promise<ContractTransactionReceipt> {
  if (matches.length === 0) throw new InvalidInputError("matches", "is empty");
  matches.forEach((m, i) => checkedSize(m.size, `matches[${i}].size`));
  const calldata = matches.map((m) => ({
    maker: m.maker.order,
    makerSignature: m.maker.signature,
    taker: m.taker.order,
    takerSignature: m.taker.signature,
    size: m.size,
  }));
  return sendTransaction(ctx, "matchBatch", () => ctx.contracts.market.matchOrdersBatch(calldata));
}

/** Voids one of the signer's orders. */
export async function cancel(ctx: ClientContext, order: Order): Promise<ContractTransactionReceipt> {
  return sendTransaction(ctx, "cancel", () => ctx.contracts.market.cancelOrder(order));
}

/**
 * Voids every order of the signer with a nonce below `minNonce`; by default every order built
 * by this client (or another using its nonce scheme) up to now.
 */
export async function cancelAll(ctx: ClientContext, minNonce?: bigint): Promise<ContractTransactionReceipt> {
  const trader = await requireSigner(ctx, "cancelAll").getAddress();
  const floor =
    minNonce ??
    cancelAllFloor(ctx.now(), await read(ctx, "read the cancel floor", () => ctx.contracts.market.minNonceOf(trader)));
  if (floor < 0n || floor >= 2n ** 256n) throw new InvalidInputError("minNonce", "must be a uint256");
  return sendTransaction(ctx, "cancelAll", () => ctx.contracts.market.cancelAllBelow(floor));
}
