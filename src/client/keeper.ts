/**
 * Keeper and settlement actions anyone may call: liquidate an account below maintenance margin,
 * fix a series' settlement price after expiry, settle accounts at it.
 */
import type { ContractTransactionReceipt } from "ethers";

import { sendTransaction, type ClientContext } from "./context.js";
import { InvalidInputError } from "./errors.js";

/** Takes over up to `size` contracts of `account`'s position in `series` at the mark. */
export async function liquidate(
  ctx: ClientContext,
  account: string,
  series: string,
  size: bigint,
): Promise<ContractTransactionReceipt> {
  if (typeof size !== "bigint" || size <= 0n || size >= 2n ** 64n) {
    throw new InvalidInputError("size", "must be between 1 and 2^64 - 1 contracts");
  }
  return sendTransaction(ctx, "liquidate", () => ctx.contracts.market.liquidate(account, series, size));
}

/** Fixes an expired series' settlement price (the index TWAP over its window). */
export async function settleSeries(ctx: ClientContext, series: string): Promise<ContractTransactionReceipt> {
  return sendTransaction(ctx, "settleSeries", () => ctx.contracts.market.settleSeries(series));
}

/** Settles one account's position in a settled series. */
export async function settleAccount(ctx: ClientContext, account: string, series: string): Promise<ContractTransactionReceipt> {
  return sendTransaction(ctx, "settleAccount", () => ctx.contracts.market.settleAccount(account, series));
}

/** Settles many accounts in one transaction (accounts without a position are skipped). */
export async function settleAccounts(
  ctx: ClientContext,
  series: string,
  accounts: string[],
): Promise<ContractTransactionReceipt> {
  if (accounts.length === 0) throw new InvalidInputError("accounts", "is empty");
  return sendTransaction(ctx, "settleAccounts", () => ctx.contracts.market.settleAccounts(series, accounts));
}
