/**
 * Shared set-up for the FuturesMarket mocha tests: MockUSD, an IndexOracle with one H100 feed
 * (4 relayer wallets, f = 1) holding a 2.50 USD round, a MarginVault, a FuturesMarket registered
 * in it with an H100-like series listed, and funded traders; plus order building and signing
 * (EIP-712, the Order type of IFuturesMarket) and a reference model of the market's arithmetic.
 *
 * The reference functions below recompute every amount from the documented formulas with plain
 * bigints, so the tests never read an expected value back from the contracts.
 * Fixtures take the NetworkConnection that `networkHelpers.loadFixture` passes them, so each test
 * file keeps its own connection (`network.create()`).
 */
import {
  AbiCoder,
  MaxUint256,
  TypedDataEncoder,
  keccak256,
  toUtf8Bytes,
  type Signer,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { expect } from "chai";
import type { NetworkConnection } from "hardhat/types/network";

import type { FuturesMarket, IndexOracle, MarginVault, MockUSD } from "../../types/ethers-contracts/index.js";
import { feedReport } from "../../src/oracle/observation.js";
import { typedDataV4Json } from "./typedData.js";
import { WAD, deployOracle, feedId, relayerWallets, signObservations, uniformReport } from "./oracle.js";

export { WAD, feedId };

// ------------------------------------------------------------------------------- constants

/** One collateral token unit is 1e-6 USD (6 decimals); one USD is USD units. */
export const USD = 10n ** 6n;
/** WAD per token unit: FuturesMarket.tokenScale for a 6-decimal token. */
export const TOKEN_SCALE = 10n ** 12n;
export const BPS = 10_000n;
export const HOUR = 3600n;
export const DAY = 86_400n;

export const FEED_NAME = "H100-SXM-HOUR";
export const FEED = feedId(FEED_NAME);
/** The oracle feed's heartbeat: a round observed longer ago than this is stale. */
export const HEARTBEAT = 3600n;
/** The index round the fixture stores: 2.50 USD per GPU-hour. */
export const INITIAL_INDEX = 2_500_000_000_000_000_000n;
/** Tick of the H100 series: 0.001 USD. */
export const TICK = 10n ** 15n;

export const POST_ONLY = 1n;
export const REDUCE_ONLY = 2n;
export const MAX_OPEN_SERIES = 8n;

/** Tokens minted to each trader, and what each trader deposits in the fixture. */
export const MINTED = 10_000_000n * USD;
export const DEPOSIT = 100_000n * USD;

export const DEFAULT_ADMIN_ROLE = "0x" + "00".repeat(32);
export const LISTER_ROLE = keccak256(toUtf8Bytes("LISTER_ROLE"));
export const GUARDIAN_ROLE = keccak256(toUtf8Bytes("GUARDIAN_ROLE"));

// ------------------------------------------------------------------------------- series

/** IFuturesMarket.SeriesParams with bigint numbers. */
export interface SeriesParams {
  feed: string;
  expiry: bigint;
  lastTradingTime: bigint;
  settlementWindow: bigint;
  multiplier: bigint;
  tickSize: bigint;
  minSize: bigint;
  initialMarginBps: bigint;
  maintenanceMarginBps: bigint;
  liquidationPenaltyBps: bigint;
  liquidatorShareBps: bigint;
  makerFeeBps: bigint;
  takerFeeBps: bigint;
  maxBasisBps: bigint;
  basisTau: bigint;
  basisRefNotional: bigint;
  openInterestCap: bigint;
}

/** The SeriesParams fields in declaration order, with their Solidity types. */
export const SERIES_PARAM_FIELDS: [keyof SeriesParams, string][] = [
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

const SERIES_PARAMS_TUPLE = `tuple(${SERIES_PARAM_FIELDS.map(([name, type]) => `${type} ${name}`).join(",")})`;

/** The series id as documented: keccak256(abi.encode(params)), computed with ethers' AbiCoder. */
export function seriesIdOf(params: SeriesParams): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode([SERIES_PARAMS_TUPLE], [params]));
}

/** The params in declaration order: how events and return values decode the struct. */
export function seriesParamsTuple(params: SeriesParams): (string | bigint)[] {
  return SERIES_PARAM_FIELDS.map(([name]) => params[name]);
}

/**
 * The H100-like series: 100 GPU-hours per contract, 0.001 USD tick, IM 20% / MM 12%, fees
 * 2 bps maker / 5 bps taker, expiry 30 days after `now`, last trade one hour before expiry.
 */
export function h100Params(now: bigint, overrides: Partial<SeriesParams> = {}): SeriesParams {
  const expiry = now + 30n * DAY;
  return {
    feed: FEED,
    expiry,
    lastTradingTime: expiry - HOUR,
    settlementWindow: 3600n,
    multiplier: 100n,
    tickSize: TICK,
    minSize: 1n,
    initialMarginBps: 2000n,
    maintenanceMarginBps: 1200n,
    liquidationPenaltyBps: 500n,
    liquidatorShareBps: 5000n,
    makerFeeBps: 2n,
    takerFeeBps: 5n,
    maxBasisBps: 2000n,
    basisTau: 3600n,
    basisRefNotional: 100_000n * WAD,
    openInterestCap: 1_000_000n,
    ...overrides,
  };
}

// ------------------------------------------------------------------------------- orders

/** IFuturesMarket.Order with bigint numbers. */
export interface Order {
  trader: string;
  series: string;
  isBuy: boolean;
  size: bigint;
  limitPrice: bigint;
  expiry: bigint;
  nonce: bigint;
  flags: bigint;
}

/** The EIP-712 Order type from the IFuturesMarket NatSpec, as ethers wants it. */
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

/** The market's EIP-712 domain. */
export function marketDomain(chainId: bigint, market: string): TypedDataDomain {
  return { name: "FuturesMarket", version: "1", chainId, verifyingContract: market };
}

/** The order's EIP-712 digest, computed by ethers (what `orderHash` must return). */
export function orderDigest(domain: TypedDataDomain, order: Order): string {
  return TypedDataEncoder.hash(domain, ORDER_TYPES, order);
}

/** Signs an order with any ethers signer (a Wallet, or a Hardhat account). */
export function signOrder(signer: Signer, domain: TypedDataDomain, order: Order): Promise<string> {
  return signer.signTypedData(domain, ORDER_TYPES, order);
}

/** The full `eth_signTypedData_v4` payload of an order. */
export function orderTypedDataJson(domain: TypedDataDomain, order: Order): string {
  return typedDataV4Json(domain, ORDER_TYPES, "Order", { ...order });
}

let nextNonce = 1n;

/** A fresh nonce, so two otherwise equal orders of a test never share a hash. */
export function freshNonce(): bigint {
  return nextNonce++;
}

// ------------------------------------------------------------------------------- fixture

/**
 * The whole market: admin (every role of every contract), four funded traders (alice, bob,
 * carol, dave: MINTED tokens each, DEPOSIT of them in the vault, the vault approved for the
 * rest), an outsider with no role and no tokens, and the H100 series listed.
 */
export async function marketFixture({ ethers }: NetworkConnection) {
  const [admin, alice, bob, carol, dave, outsider, guardian, lister] = await ethers.getSigners();
  const relayers = relayerWallets(4, "market-relayer");

  const usd: MockUSD = await ethers.deployContract("MockUSD");
  const oracle: IndexOracle = await deployOracle(ethers, [
    { name: FEED_NAME, signers: relayers.map((w) => w.address), f: 1, heartbeat: Number(HEARTBEAT) },
  ]);
  const vault: MarginVault = await ethers.deployContract("MarginVault", [await usd.getAddress(), admin.address]);
  const market: FuturesMarket = await ethers.deployContract("FuturesMarket", [
    await vault.getAddress(),
    await oracle.getAddress(),
    admin.address,
  ]);
  await (await vault.registerMarket(market)).wait();

  const vaultAddress = await vault.getAddress();
  const marketAddress = await market.getAddress();
  const { chainId } = await ethers.provider.getNetwork();

  for (const trader of [alice, bob, carol, dave]) {
    await (await usd.mint(trader.address, MINTED)).wait();
    await (await usd.connect(trader).approve(vaultAddress, MaxUint256)).wait();
    await (await vault.connect(trader).deposit(DEPOSIT)).wait();
  }

  const fx = {
    ethers,
    usd,
    oracle,
    vault,
    market,
    vaultAddress,
    marketAddress,
    chainId,
    domain: marketDomain(chainId, marketAddress),
    relayers,
    admin,
    alice,
    bob,
    carol,
    dave,
    outsider,
    guardian,
    lister,
    /** The H100 series' parameters and id, and the block time it was listed at. */
    params: undefined as unknown as SeriesParams,
    series: "",
    listedAt: 0n,
  };
  await pushIndex(fx, INITIAL_INDEX);
  const params = h100Params(await latestTime(fx));
  const { id, listedAt } = await listSeries(fx, params);
  return { ...fx, params, series: id, listedAt };
}

export type MarketFx = Awaited<ReturnType<typeof marketFixture>>;

/** What the helpers need of a fixture (marketFixture's result before the series is listed). */
type Base = Pick<MarketFx, "ethers" | "oracle" | "relayers" | "market" | "domain" | "usd" | "vault" | "admin">;

export async function latestTime(fx: Pick<MarketFx, "ethers">): Promise<bigint> {
  const block = await fx.ethers.provider.getBlock("latest");
  return BigInt(block!.timestamp);
}

/** The timestamp of the block that mined `tx`. */
export async function blockTimeOf(
  fx: Pick<MarketFx, "ethers">,
  receipt: { blockNumber: number } | null,
): Promise<bigint> {
  return BigInt((await fx.ethers.provider.getBlock(receipt!.blockNumber))!.timestamp);
}

/**
 * Stores a new index round of `value` (signed by all four relayers, observed at the latest
 * block's time) and returns its observedAt: the index is stale HEARTBEAT seconds after it.
 */
export async function pushIndex(fx: Pick<Base, "ethers" | "oracle" | "relayers">, value: bigint): Promise<bigint> {
  const observedAt = await latestTime(fx);
  const report = await uniformReport(fx.oracle, fx.relayers, FEED, value, observedAt);
  await (await fx.oracle.submit([report])).wait();
  return observedAt;
}

/** Lists `params` (as the admin, who holds LISTER_ROLE) and returns the id and listing time. */
export async function listSeries(
  fx: Pick<Base, "ethers" | "market">,
  params: SeriesParams,
): Promise<{ id: string; listedAt: bigint }> {
  const receipt = await (await fx.market.listSeries(params)).wait();
  return { id: seriesIdOf(params), listedAt: await blockTimeOf(fx, receipt) };
}

/** Mints `amount` to the admin and deposits it for `account` (e.g. a Wallet with no ETH). */
export async function fundAccount(fx: Pick<Base, "usd" | "vault" | "admin">, account: string, amount: bigint) {
  await (await fx.usd.mint(fx.admin.address, amount)).wait();
  await (await fx.usd.approve(await fx.vault.getAddress(), amount)).wait();
  await (await fx.vault.depositFor(account, amount)).wait();
}

export interface SignedOrder {
  order: Order;
  signature: string;
  /** The EIP-712 digest computed off-chain. */
  hash: string;
}

/**
 * An order of `signer` (the trader unless `fields.trader` says otherwise, e.g. a smart wallet the
 * signer owns) on the fixture's series, signed with `signer.signTypedData`. Defaults: sell 10 at
 * the initial index, valid until the series' last trading time, a fresh nonce, no flags.
 */
export async function signedOrder(
  fx: Pick<MarketFx, "domain" | "series" | "params">,
  signer: Signer,
  fields: Partial<Order> = {},
): Promise<SignedOrder> {
  const order: Order = {
    trader: await signer.getAddress(),
    series: fx.series,
    isBuy: false,
    size: 10n,
    limitPrice: INITIAL_INDEX,
    expiry: fx.params.lastTradingTime,
    nonce: freshNonce(),
    flags: 0n,
    ...fields,
  };
  return { order, signature: await signOrder(signer, fx.domain, order), hash: orderDigest(fx.domain, order) };
}

/**
 * `maker` signs an order of `size` at `price` (selling unless `makerIsBuy`) and `taker` fills it
 * whole. Returns the receipt. For setting up positions.
 */
export async function trade(
  fx: MarketFx,
  maker: Signer,
  taker: Signer,
  { makerIsBuy = false, size = 10n, price = INITIAL_INDEX, series = fx.series, flags = 0n } = {},
) {
  const { order, signature } = await signedOrder(fx, maker, { isBuy: makerIsBuy, size, limitPrice: price, series, flags });
  return (await (fx.market.connect(taker) as FuturesMarket).fill(order, signature, size)).wait();
}

// ------------------------------------------------------------------------------- reference model

export function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

export function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** a / b rounded toward minus infinity, for b > 0. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

/** size x multiplier x price, WAD USD. */
export function notionalOf(size: bigint, price: bigint, multiplier: bigint): bigint {
  return size * multiplier * price;
}

/** What the buyer pays: the notional in token units, rounded up. */
export function buyerPays(notional: bigint): bigint {
  return ceilDiv(notional, TOKEN_SCALE);
}

/** What the seller receives: the notional in token units, rounded down. */
export function sellerReceives(notional: bigint): bigint {
  return notional / TOKEN_SCALE;
}

/** A fee of `bps` of a WAD notional, in token units, rounded up. */
export function feeOf(notional: bigint, bps: bigint): bigint {
  return ceilDiv(notional * bps, BPS * TOKEN_SCALE);
}

/** A margin requirement: |size| x multiplier x mark x bps / 10,000, in token units, rounded up. */
export function requirementOf(size: bigint, mark: bigint, multiplier: bigint, bps: bigint): bigint {
  return ceilDiv(abs(size) * multiplier * mark * bps, BPS * TOKEN_SCALE);
}

/** size x multiplier x mark in token units, rounded toward minus infinity. */
export function markValueOf(size: bigint, mark: bigint, multiplier: bigint): bigint {
  return floorDiv(size * multiplier * mark, TOKEN_SCALE);
}

/** The basis `elapsed` seconds after a fill left (basis, premium): premium + gap x tau / (tau + elapsed). */
export function basisAfter(basis: bigint, premium: bigint, tau: bigint, elapsed: bigint): bigint {
  // BigInt division truncates toward zero, like Solidity's.
  return premium + ((basis - premium) * tau) / (tau + elapsed);
}

/** The largest |basis| at `now`: maxBasisBps of the index, shrinking linearly to zero at expiry. */
export function basisCap(index: bigint, maxBasisBps: bigint, listedAt: bigint, expiry: bigint, now: bigint): bigint {
  if (now >= expiry) return 0n;
  return (index * maxBasisBps * (expiry - now)) / (BPS * (expiry - listedAt));
}

/** The vault holds exactly what it owes: token balance == totalCash + insuranceFund + feeBalance. */
export async function vaultOwes(fx: Pick<MarketFx, "vault">): Promise<bigint> {
  return (await fx.vault.totalCash()) + (await fx.vault.insuranceFund()) + (await fx.vault.feeBalance());
}

/** Asserts that the vault's token balance is exactly what it owes. */
export async function expectVaultHoldsWhatItOwes(fx: Pick<MarketFx, "vault" | "usd" | "vaultAddress">) {
  expect(await fx.usd.balanceOf(fx.vaultAddress), "vault balance == totalCash + insuranceFund + feeBalance").to.equal(
    await vaultOwes(fx),
  );
}

type LoadFixture = <T>(fixture: (connection: NetworkConnection) => Promise<T>) => Promise<T>;

/**
 * Call inside a `describe`: returns a fixture loader (marketFixture by default) and registers an
 * afterEach that checks the vault of the fixture the test loaded holds exactly what it owes.
 */
export function solvencyCheckedLoader(loadFixture: LoadFixture) {
  let loaded: MarketFx | undefined;
  afterEach(async function () {
    const fx = loaded;
    loaded = undefined;
    if (fx !== undefined) await expectVaultHoldsWhatItOwes(fx);
  });
  return async function load<T extends MarketFx = MarketFx>(
    fixture: (connection: NetworkConnection) => Promise<T> = marketFixture as unknown as (c: NetworkConnection) => Promise<T>,
  ): Promise<T> {
    const fx = await loadFixture(fixture);
    loaded = fx;
    return fx;
  };
}

// ------------------------------------------------------------------------------- settlement

/** An index round as the settlement tests remember it: its value and the block time it was stored at. */
export interface IndexRound {
  value: bigint;
  updatedAt: bigint;
}

/** The network helpers' clock, as the settlement helpers use it. */
export interface SettlementClock {
  time: {
    latest(): Promise<number>;
    increaseTo(timestamp: bigint): Promise<void>;
    setNextBlockTimestamp(timestamp: bigint): Promise<void>;
  };
}

/**
 * Stores a round of `feed` in a block mined at exactly `at`: relayer i of `fx.relayers` observes
 * `values[i]` one second before (a block is mined at `at - 1` first when the chain is behind).
 * Returns the block time read back from the receipt; the stored value is the median of `values`.
 */
export async function submitIndexAt(
  fx: Pick<Base, "ethers" | "oracle" | "relayers">,
  clock: SettlementClock,
  values: bigint[],
  at: bigint,
  feed: string = FEED,
): Promise<bigint> {
  const latest = BigInt(await clock.time.latest());
  if (latest >= at) throw new Error(`submitIndexAt: the chain is at ${latest}, not before ${at}`);
  if (latest < at - 1n) await clock.time.increaseTo(at - 1n);
  const observations = await signObservations(fx.oracle, fx.relayers.slice(0, values.length), feed, values, at - 1n);
  await clock.time.setNextBlockTimestamp(at);
  const receipt = await (await fx.oracle.submit([feedReport(feed, observations)])).wait();
  const updatedAt = await blockTimeOf(fx, receipt);
  if (updatedAt !== at) throw new Error(`submitIndexAt: stored at ${updatedAt}, wanted ${at}`);
  return updatedAt;
}

/** `submitIndexAt` with every relayer observing `value`: the stored round is `value` at `at`. */
export async function pushIndexAt(
  fx: Pick<Base, "ethers" | "oracle" | "relayers">,
  clock: SettlementClock,
  value: bigint,
  at: bigint,
  feed: string = FEED,
): Promise<IndexRound> {
  const updatedAt = await submitIndexAt(fx, clock, fx.relayers.map(() => value), at, feed);
  return { value, updatedAt };
}

/**
 * The settlement price by brute force: for every second t of [start, end), the value of the
 * latest round stored (by block time) at or before t; the sum divided by end - start, rounded
 * down. Throws when no round covers `start`.
 */
export function twapOfRounds(rounds: IndexRound[], start: bigint, end: bigint): bigint {
  if (end <= start) throw new Error("empty window");
  const sorted = [...rounds].sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : 0));
  let sum = 0n;
  for (let t = start; t < end; t++) {
    let value: bigint | undefined;
    for (const round of sorted) if (round.updatedAt <= t) value = round.value;
    if (value === undefined) throw new Error(`no round covers ${t}`);
    sum += value;
  }
  return sum / (end - start);
}

/**
 * What settling a position of `size` at `price` moves, in token units, signed from the account's
 * side: a long receives floor(size x multiplier x price / scale), a short pays
 * ceil(|size| x multiplier x price / scale).
 */
export function settlementCashOf(size: bigint, price: bigint, multiplier: bigint): bigint {
  const value = size * multiplier * price;
  return size >= 0n ? value / TOKEN_SCALE : -ceilDiv(-value, TOKEN_SCALE);
}

/**
 * When accounts of a series settled by `settleReceipt` may settle: the block time of the
 * settleSeries transaction plus the market's ACCOUNT_SETTLEMENT_DELAY (read from the contract).
 */
export async function accountSettlementOpensAt(
  fx: Pick<MarketFx, "ethers" | "market">,
  settleReceipt: { blockNumber: number } | null,
): Promise<bigint> {
  return (await blockTimeOf(fx, settleReceipt)) + (await fx.market.ACCOUNT_SETTLEMENT_DELAY());
}

/**
 * Moves the chain to the moment accounts of the series settled by `settleReceipt` may settle
 * (`accountSettlementOpensAt`; nothing moves when the chain is already there) and returns it.
 * The next transaction is mined after it.
 */
export async function waitForAccountSettlement(
  fx: Pick<MarketFx, "ethers" | "market">,
  clock: SettlementClock,
  settleReceipt: { blockNumber: number } | null,
): Promise<bigint> {
  const opensAt = await accountSettlementOpensAt(fx, settleReceipt);
  if (BigInt(await clock.time.latest()) < opensAt) await clock.time.increaseTo(opensAt);
  return opensAt;
}

// ----------------------------------------------------------------------------- index moves and funding

/** Stores `value` as a round signed by 3 of the 4 relayers (2f + 1): the circuit breaker applies. */
export async function pushQuorum(fx: Pick<MarketFx, "oracle" | "relayers" | "ethers">, value: bigint, feed: string = FEED): Promise<void> {
  const report = await uniformReport(fx.oracle, fx.relayers.slice(0, 3), feed, value, await latestTime(fx));
  await (await fx.oracle.submit([report])).wait();
}

/**
 * Moves the feed's index to `target` in rounds of at most the feed's maxMoveBps each, every
 * round `every` seconds (at least minUpdateInterval) after the last. Returns the values stored.
 */
export async function stepIndexTo(
  fx: Pick<MarketFx, "oracle" | "relayers" | "ethers">,
  time: { increase(seconds: bigint): Promise<unknown> },
  target: bigint,
  every = 60n,
  feed: string = FEED,
): Promise<bigint[]> {
  const { params } = await fx.oracle.feedInfo(feed);
  const maxMove = BigInt(params.maxMoveBps);
  const interval = every > BigInt(params.minUpdateInterval) ? every : BigInt(params.minUpdateInterval) + 1n;
  let current = (await fx.oracle.latestValue(feed)).value;
  const path: bigint[] = [];
  while (current !== target) {
    // |next - current| x 10,000 <= current x maxMoveBps.
    const down = ceilDiv(current * (BPS - maxMove), BPS);
    const up = (current * (BPS + maxMove)) / BPS;
    const next = target < current ? (target > down ? target : down) : target < up ? target : up;
    await time.increase(interval);
    await pushQuorum(fx, next, feed);
    path.push(next);
    current = next;
  }
  return path;
}

/** Mints MINTED to `signer`, approves the vault for it, and deposits `amount`. */
export async function depositFrom(fx: Pick<MarketFx, "usd" | "vault" | "vaultAddress">, signer: Signer, amount: bigint): Promise<void> {
  const address = await signer.getAddress();
  await (await fx.usd.mint(address, MINTED)).wait();
  await (await fx.usd.connect(signer).approve(fx.vaultAddress, MINTED)).wait();
  await (await (fx.vault.connect(signer) as MarginVault).deposit(amount)).wait();
}

/** The admin adds `amount` to the insurance fund. */
export async function fundInsurance(fx: Pick<MarketFx, "usd" | "vault" | "vaultAddress" | "admin">, amount: bigint): Promise<void> {
  await (await fx.usd.mint(fx.admin.address, amount)).wait();
  await (await fx.usd.approve(fx.vaultAddress, amount)).wait();
  await (await fx.vault.fundInsurance(amount)).wait();
}

/**
 * A second feed ("OTHER-FEED", the same relayers, heartbeat HEARTBEAT) with one round at the
 * initial index, and an H100-shaped series on it: for an account whose other position can go
 * stale while the main feed stays fresh.
 */
export async function listOnSecondFeed(fx: Pick<MarketFx, "oracle" | "relayers" | "ethers" | "market">): Promise<{ feed: string; series: string }> {
  const feed = feedId("OTHER-FEED");
  const relayerAddresses = fx.relayers.map((w) => w.address);
  const params = { heartbeat: Number(HEARTBEAT), maxObservationAge: 300, maxMoveBps: 1000, minUpdateInterval: 0 };
  await (await fx.oracle.addFeed(feed, "other", relayerAddresses, 1, params, 64)).wait();
  const report = await uniformReport(fx.oracle, fx.relayers, feed, INITIAL_INDEX, await latestTime(fx));
  await (await fx.oracle.submit([report])).wait();
  const { id } = await listSeries(fx, h100Params(await latestTime(fx), { feed }));
  return { feed, series: id };
}

/** Over `accounts`: the sum of sizes, of long sizes, of short sizes (positive), and the open interest. */
export async function positionTotals(fx: Pick<MarketFx, "market">, accounts: string[], series: string) {
  let sum = 0n;
  let longs = 0n;
  let shorts = 0n;
  for (const account of accounts) {
    const { size } = await fx.market.positionOf(account, series);
    sum += size;
    if (size > 0n) longs += size;
    else shorts -= size;
  }
  return { sum, longs, shorts, openInterest: (await fx.market.seriesState(series)).openInterest };
}
