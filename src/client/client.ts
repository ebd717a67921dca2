/**
 * `connect(signerOrProvider, deployment)` and the client it returns: every action of the SDK
 * bound to one deployment and one signer (or a provider, for reads only).
 */
import {
  type ContractRunner,
  type ContractTransactionReceipt,
  type Provider,
  type Signer,
  type TypedDataDomain,
} from "ethers";

import { readAccount, type AccountSummary } from "./account.js";
import { deposit, depositWithPermit, withdraw } from "./collateral.js";
import type { ClientContext, Collateral } from "./context.js";
import { connectContracts, ERROR_ABIS, type CfxContracts } from "./contracts.js";
import { ErrorDecoder } from "./decodeError.js";
import type { Deployment } from "./deployment.js";
import { CfxError, InvalidInputError, NetworkMismatchError, SignerRequiredError } from "./errors.js";
import { readIndexHistory, type IndexHistoryOptions, type IndexRound } from "./history.js";
import { liquidate, settleAccount, settleAccounts, settleSeries } from "./keeper.js";
import {
  hashOrder,
  orderTypedData,
  parseSignedOrder,
  marketDomain,
  serializeSignedOrder,
  type Order,
  type OrderInput,
  type OrderTypedData,
  type SignedOrder,
} from "./orders.js";
import { feedNameOf, listAllSeries, readSeries, type SeriesInfo } from "./series.js";
import {
  buildOrder,
  cancel,
  cancelAll,
  fill,
  match,
  matchBatch,
  orderStatus,
  signOrder,
  type MatchInput,
  type OrderStatus,
} from "./trading.js";

export interface ConnectOptions {
  /** Largest block range of one eth_getLogs (public RPCs refuse large ones). Default 10,000. */
  logChunkSize?: number;
  /** Skip reading the token's symbol and decimals (e.g. a deployment whose token is not yet live). */
  collateral?: Collateral;
  /** Wall clock in milliseconds, for nonces (default Date.now). */
  now?: () => number;
}

const DEFAULT_LOG_CHUNK = 10_000;

function isSigner(runner: Signer | Provider): runner is Signer {
  return typeof (runner as Signer).signTypedData === "function";
}

/**
 * Connects to a deployment: checks that the provider is on the deployment's chain and reads the
 * collateral token's symbol and decimals (used in error messages). With a Signer every action is
 * available; with a Provider, reads only (writes throw SignerRequiredError).
 */
export async function connect(
  signerOrProvider: Signer | Provider,
  deployment: Deployment,
  options: ConnectOptions = {},
): Promise<CfxClient> {
  const signer = isSigner(signerOrProvider) ? signerOrProvider : undefined;
  const provider = signer === undefined ? (signerOrProvider as Provider) : signer.provider;
  if (provider === null || provider === undefined) {
    throw new InvalidInputError("signerOrProvider", "the signer has no provider: connect it to one first");
  }
  let chainId: bigint;
  try {
    chainId = (await provider.getNetwork()).chainId;
  } catch (error) {
    throw new CfxError(`cannot reach the network: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      retryable: true,
    });
  }
  if (chainId !== BigInt(deployment.chainId)) throw new NetworkMismatchError(BigInt(deployment.chainId), chainId);
  let collateral = options.collateral;
  if (collateral === undefined) {
    const token = connectContracts(provider, deployment).token;
    const [symbol, decimals] = await Promise.all([token.symbol(), token.decimals()]);
    collateral = { symbol, decimals: Number(decimals) };
  }
  return new CfxClient(signer ?? provider, provider, deployment, collateral, options);
}

export class CfxClient {
  readonly deployment: Deployment;
  readonly provider: Provider;
  readonly signer: Signer | undefined;
  readonly contracts: CfxContracts;
  /** The market's EIP-712 domain, under which orders are signed. */
  readonly domain: TypedDataDomain;
  readonly collateral: Collateral;
  readonly decoder: ErrorDecoder;
  private readonly ctx: ClientContext;

  /** Prefer `connect`, which also checks the chain and reads the collateral token. */
  constructor(
    runner: Signer | Provider,
    provider: Provider,
    deployment: Deployment,
    collateral: Collateral,
    options: Omit<ConnectOptions, "collateral"> = {},
  ) {
    this.deployment = deployment;
    this.provider = provider;
    this.signer = isSigner(runner) ? runner : undefined;
    this.contracts = connectContracts(runner as ContractRunner, deployment);
    this.domain = marketDomain(deployment.chainId, deployment.market);
    this.collateral = collateral;
    const seriesLabels = new Map<string, string>();
    this.decoder = new ErrorDecoder([...ERROR_ABIS], {
      collateralSymbol: collateral.symbol,
      collateralDecimals: collateral.decimals,
      seriesLabel: (id) => seriesLabels.get(id),
      feedName: (id) => deployment.feeds.find((f) => f.id.toLowerCase() === id)?.name,
    });
    this.ctx = {
      deployment,
      provider,
      signer: this.signer,
      contracts: this.contracts,
      decoder: this.decoder,
      domain: this.domain,
      collateral,
      logChunkSize: options.logChunkSize ?? DEFAULT_LOG_CHUNK,
      seriesParams: new Map(),
      seriesLabels,
      now: options.now ?? Date.now,
    };
  }

  /** The signer's address (SignerRequiredError without one). */
  async address(): Promise<string> {
    if (this.signer === undefined) throw new SignerRequiredError("address()");
    return this.signer.getAddress();
  }

  // ----------------------------------------------------------------------- collateral

  /** Deposits `amount` token units, approving exactly that first when the allowance is short. */
  deposit(amount: bigint): Promise<ContractTransactionReceipt> {
    return deposit(this.ctx, amount);
  }

  /** Deposits with an ERC-2612 permit signed in the wallet; `deadline` defaults to an hour of chain time. */
  depositWithPermit(amount: bigint, deadline?: bigint): Promise<ContractTransactionReceipt> {
    return depositWithPermit(this.ctx, amount, deadline);
  }

  /** Withdraws free collateral to `to` (the signer by default). */
  withdraw(amount: bigint, to?: string): Promise<ContractTransactionReceipt> {
    return withdraw(this.ctx, amount, to);
  }

  // ----------------------------------------------------------------------- orders

  /** An order checked against its series (tick, minimum size, listed and trading, expiry, nonce). */
  buildOrder(input: OrderInput): Promise<Order> {
    return buildOrder(this.ctx, input);
  }

  /** Signs with the signer's signTypedData. */
  signOrder(order: Order): Promise<SignedOrder> {
    return signOrder(this.ctx, order);
  }

  /** The order's EIP-712 digest on this market. */
  orderHash(order: Order): string {
    return hashOrder(this.domain, order);
  }

  /** The eth_signTypedData_v4 payload of the order, for wallets that take the JSON. */
  orderTypedData(order: Order): OrderTypedData {
    return orderTypedData(this.domain, order);
  }

  /** A signed order as JSON text (numbers as decimal strings). */
  serializeSignedOrder(signed: SignedOrder): string {
    return serializeSignedOrder(signed);
  }

  /** Parses JSON text (or a parsed object) strictly; the hash must be the order's digest on this market. */
  parseSignedOrder(json: unknown): SignedOrder {
    return parseSignedOrder(json, this.domain);
  }

  orderStatus(order: Order): Promise<OrderStatus> {
    return orderStatus(this.ctx, order);
  }

  /** Takes `size` (default: all that is left) of a maker's order. */
  fill(maker: SignedOrder, size?: bigint): Promise<ContractTransactionReceipt> {
    return fill(this.ctx, maker, size);
  }

  match(maker: SignedOrder, taker: SignedOrder, size: bigint): Promise<ContractTransactionReceipt> {
    return match(this.ctx, maker, taker, size);
  }

  matchBatch(matches: MatchInput[]): Promise<ContractTransactionReceipt> {
    return matchBatch(this.ctx, matches);
  }

  cancel(order: Order): Promise<ContractTransactionReceipt> {
    return cancel(this.ctx, order);
  }

  /** Voids every order with a nonce below `minNonce` (default: every order built so far). */
  cancelAll(minNonce?: bigint): Promise<ContractTransactionReceipt> {
    return cancelAll(this.ctx, minNonce);
  }

  // ----------------------------------------------------------------------- reads

  /** The margin summary of `address` (the signer by default). */
  account(address?: string): Promise<AccountSummary> {
    return readAccount(this.ctx, address);
  }

  /** Every series listed since the deployment. */
  series(): Promise<SeriesInfo[]> {
    return listAllSeries(this.ctx);
  }

  /** One series. */
  seriesInfo(id: string): Promise<SeriesInfo> {
    return readSeries(this.ctx, id);
  }

  /** A feed's rounds (by name or id), oldest first. */
  indexHistory(feed: string, options?: IndexHistoryOptions): Promise<IndexRound[]> {
    return readIndexHistory(this.ctx, feed, options);
  }

  /** The deployment's name of a feed id. */
  feedName(feed: string): string | undefined {
    return feedNameOf(this.ctx, feed);
  }

  // ----------------------------------------------------------------------- keeper and settlement

  liquidate(account: string, series: string, size: bigint): Promise<ContractTransactionReceipt> {
    return liquidate(this.ctx, account, series, size);
  }

  settleSeries(series: string): Promise<ContractTransactionReceipt> {
    return settleSeries(this.ctx, series);
  }

  settleAccount(account: string, series: string): Promise<ContractTransactionReceipt> {
    return settleAccount(this.ctx, account, series);
  }

  settleAccounts(series: string, accounts: string[]): Promise<ContractTransactionReceipt> {
    return settleAccounts(this.ctx, series, accounts);
  }

  // ----------------------------------------------------------------------- errors

  /** Any thrown value as a CfxError, with contract reverts decoded (for calls made outside the client). */
  decodeError(error: unknown, action = "call"): CfxError {
    return this.decoder.toCfxError(error, action);
  }
}
