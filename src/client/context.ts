/**
 * What every client action needs: the deployment, its contracts, the signer (if any), the error
 * decoder, and a few caches. Actions are plain functions of this context (one concern per
 * file); `CfxClient` binds them.
 */
import type { ContractTransactionReceipt, ContractTransactionResponse, Provider, Signer, TypedDataDomain } from "ethers";

import type { CfxContracts } from "./contracts.js";
import type { ErrorDecoder } from "./decodeError.js";
import type { Deployment } from "./deployment.js";
import { SignerRequiredError, TransactionError } from "./errors.js";
import type { SeriesParams } from "./series.js";

export interface Collateral {
  symbol: string;
  decimals: number;
}

export interface ClientContext {
  readonly deployment: Deployment;
  readonly provider: Provider;
  readonly signer: Signer | undefined;
  readonly contracts: CfxContracts;
  readonly decoder: ErrorDecoder;
  /** The market's EIP-712 domain (orders are signed under it). */
  readonly domain: TypedDataDomain;
  readonly collateral: Collateral;
  /** Largest block range of one eth_getLogs. */
  readonly logChunkSize: number;
  /** Series parameters never change once listed: cached by lower-case id. */
  readonly seriesParams: Map<string, SeriesParams>;
  /** Labels for messages ("H100-SXM-HOUR 2026-01-31"), by lower-case series id. */
  readonly seriesLabels: Map<string, string>;
  /** Milliseconds since the epoch (wall clock; replaceable in tests). Nonces use it. */
  readonly now: () => number;
}

/** The signer, or a SignerRequiredError naming the action. */
export function requireSigner(ctx: ClientContext, action: string): Signer {
  if (ctx.signer === undefined) throw new SignerRequiredError(action);
  return ctx.signer;
}

/** The signer's address, or `address` when given. */
export async function addressOr(ctx: ClientContext, address: string | undefined, action: string): Promise<string> {
  if (address !== undefined) return address;
  return requireSigner(ctx, action).getAddress();
}

/**
 * Sends a transaction and waits for its receipt; any failure (a revert found by estimateGas, a
 * rejected signature, a mined revert) becomes a CfxError.
 */
export async function sendTransaction(
  ctx: ClientContext,
  action: string,
  send: () => Promise<ContractTransactionResponse>,
): Promise<ContractTransactionReceipt> {
  requireSigner(ctx, action);
  let receipt: ContractTransactionReceipt | null;
  try {
    receipt = await (await send()).wait();
  } catch (error) {
    throw ctx.decoder.toCfxError(error, action);
  }
  if (receipt === null) throw new TransactionError(`${action}: the transaction was dropped or replaced`);
  return receipt;
}

/** A read, with a revert decoded like a transaction's. */
export async function read<T>(ctx: ClientContext, action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw ctx.decoder.toCfxError(error, action);
  }
}

/** The latest block: reads of one summary are pinned to it so they agree with each other. */
export async function latestBlock(ctx: ClientContext): Promise<{ blockNumber: number; timestamp: bigint }> {
  const block = await read(ctx, "read the latest block", () => ctx.provider.getBlock("latest"));
  if (block === null) throw new TransactionError("the provider returned no latest block", { retryable: true });
  return { blockNumber: block.number, timestamp: BigInt(block.timestamp) };
}
