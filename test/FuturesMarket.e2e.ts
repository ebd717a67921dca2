/**
 * FuturesMarket end to end: one H100 series from first deposit to last withdrawal.
 *
 * Cast: trader1 (deposits with an ERC-2612 permit), trader2 (approve + deposit), a market maker
 * (a Hardhat account whose key is also held as an ethers Wallet, so it signs quotes both with
 * `Wallet.signTypedData` and with raw `eth_signTypedData_v4` over the in-process provider), a
 * matcher (crosses signed orders, holds nothing), a keeper (settles accounts, holds nothing) and
 * four relayers signing the index reports.
 *
 * Story: deposits; the market maker quotes around the 2.500 index; trader1 lifts the ask and
 * trader2 hits the bid with `fill`; the index moves to a report's median; the market maker
 * re-quotes and the matcher crosses a buy of trader1 and a sell of trader2 against the quotes with
 * `matchOrders`; the index falls; trading closes; reports inside the settlement window; expiry,
 * settleSeries at the window's TWAP, a keeper's settleAccounts once ACCOUNT_SETTLEMENT_DELAY has
 * passed (refused a second before); everyone withdraws everything.
 *
 * The `it`s are consecutive chapters of that one story over state built in `before` (mocha runs
 * them in order; each asserts its chapter). Every expected amount comes from the reference model
 * below (documented formulas in plain bigints: positions, cash, fees, basis and mark, TWAP),
 * never read back from the contracts. After every chapter the vault must hold exactly what it
 * owes: token balance == totalCash + insuranceFund + feeBalance.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import {
  HDNodeWallet,
  MaxUint256,
  Signature,
  ZeroHash,
  verifyTypedData,
  type ContractTransactionReceipt,
  type Signer,
} from "ethers";

import type { FuturesMarket, IndexOracle, MarginVault, MockUSD } from "../types/ethers-contracts/index.js";
import {
  FEED,
  FEED_NAME,
  HEARTBEAT,
  HOUR,
  INITIAL_INDEX,
  ORDER_TYPES,
  TICK,
  TOKEN_SCALE,
  USD,
  accountSettlementOpensAt,
  basisCap,
  ceilDiv,
  feeOf,
  floorDiv,
  h100Params,
  latestTime,
  listSeries,
  markValueOf,
  marketDomain,
  orderDigest,
  orderTypedDataJson,
  pushIndexAt,
  requirementOf,
  settlementCashOf,
  signOrder,
  submitIndexAt,
  twapOfRounds,
  type IndexRound,
  type Order,
  type SeriesParams,
  expectVaultHoldsWhatItOwes,
} from "./helpers/market.js";
import { median } from "./helpers/fixtures.js";
import { deployOracle, relayerWallets } from "./helpers/oracle.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

/** Hardhat's default accounts derive from this mnemonic (checked against the signer below). */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
const MM_INDEX = 3;
const TOKEN_NAME = "Mock USD (test only)";

const MINTED = 1_000_000n * USD;
const DEPOSIT_1 = 20_000n * USD;
const DEPOSIT_2 = 15_000n * USD;
const DEPOSIT_MM = 250_000n * USD;

const MULT = 100n;
const IM_BPS = 2000n;
const MAKER_BPS = 2n;
const TAKER_BPS = 5n;

const px = (thousandths: bigint) => thousandths * TICK;

// ------------------------------------------------------------------------------- world

/** A fresh deployment: MockUSD, an IndexOracle with the H100 feed, the vault, the market, one series. */
async function e2eWorld({ ethers: e }: NetworkConnection) {
  const [admin, trader1, trader2, mm, matcher, keeper] = await e.getSigners();
  const relayers = relayerWallets(4, "e2e-relayer");
  const usd: MockUSD = await e.deployContract("MockUSD");
  const oracle: IndexOracle = await deployOracle(e, [
    { name: FEED_NAME, signers: relayers.map((r) => r.address), f: 1, heartbeat: Number(HEARTBEAT) },
  ]);
  const vault: MarginVault = await e.deployContract("MarginVault", [await usd.getAddress(), admin.address]);
  const market: FuturesMarket = await e.deployContract("FuturesMarket", [
    await vault.getAddress(),
    await oracle.getAddress(),
    admin.address,
  ]);
  await (await vault.registerMarket(market)).wait();
  for (const who of [trader1, trader2, mm]) await (await usd.mint(who.address, MINTED)).wait();

  const base = { ethers: e, oracle, relayers };
  const firstRound = await pushIndexAt(base, networkHelpers, INITIAL_INDEX, (await latestTime(base)) + 1n);
  const now = await latestTime(base);
  const expiry = now + 2n * 86_400n;
  const params: SeriesParams = h100Params(now, { expiry, lastTradingTime: expiry - HOUR });
  const fxLike = { ethers: e, market };
  const { id, listedAt } = await listSeries(fxLike, params);
  const marketAddress = await market.getAddress();
  const { chainId } = await e.provider.getNetwork();
  return {
    ...base,
    usd,
    vault,
    market,
    vaultAddress: await vault.getAddress(),
    marketAddress,
    chainId,
    domain: marketDomain(chainId, marketAddress),
    admin,
    trader1,
    trader2,
    mm,
    matcher,
    keeper,
    series: id,
    params,
    listedAt,
    firstRound,
  };
}

type World = Awaited<ReturnType<typeof e2eWorld>>;

// ------------------------------------------------------------------------------- reference model

interface Account {
  deposit: bigint;
  cash: bigint;
  size: bigint;
  entry: bigint;
  /** Realised PnL, WAD: every closing trade's and the settlement's. */
  realised: bigint;
  /** Trade and settlement cash flows in token units, rounded against the account. */
  flows: bigint;
  /** Fees paid, token units. */
  fees: bigint;
}

/** a / b rounded toward minus infinity, any sign of b. */
function floorDivSigned(a: bigint, b: bigint): bigint {
  return b < 0n ? floorDiv(-a, -b) : floorDiv(a, b);
}

/** docs/market.md: open/add exactly, reduce at the average entry (floored), close/flip at the price. */
function applyTradeRef(size: bigint, entry: bigint, delta: bigint, price: bigint): [bigint, bigint, bigint] {
  const newSize = size + delta;
  const tradeNotional = delta * MULT * price;
  if (size === 0n || size > 0n === delta > 0n) return [newSize, entry + tradeNotional, 0n];
  if (newSize !== 0n && newSize > 0n === size > 0n) {
    const newEntry = floorDivSigned(entry * newSize, size);
    return [newSize, newEntry, -tradeNotional - (entry - newEntry)];
  }
  return [newSize, newSize * MULT * price, size * MULT * price - entry];
}

class Model {
  readonly accounts = new Map<string, Account>();
  feeAccount = 0n;
  /** The latest index round and every round stored, for the TWAP. */
  index = INITIAL_INDEX;
  readonly rounds: IndexRound[] = [];
  /** Basis state as docs/market.md describes it. */
  basis = 0n;
  premium = 0n;
  basisUpdatedAt = 0n;

  constructor(readonly params: SeriesParams, readonly listedAt: bigint) {}

  open(address: string, deposit: bigint) {
    this.accounts.set(address, { deposit, cash: deposit, size: 0n, entry: 0n, realised: 0n, flows: 0n, fees: 0n });
  }

  acct(address: string): Account {
    const a = this.accounts.get(address);
    if (a === undefined) throw new Error(`unknown account ${address}`);
    return a;
  }

  round(round: IndexRound) {
    this.rounds.push(round);
    this.index = round.value;
  }

  basisAt(now: bigint): bigint {
    if (this.basisUpdatedAt === 0n) return 0n;
    const tau = this.params.basisTau;
    // BigInt division truncates toward zero, as Solidity's int division does.
    return this.premium + ((this.basis - this.premium) * tau) / (tau + now - this.basisUpdatedAt);
  }

  mark(now: bigint): bigint {
    const cap = basisCap(this.index, this.params.maxBasisBps, this.listedAt, this.params.expiry, now);
    let b = this.basisAt(now);
    if (b > cap) b = cap;
    if (b < -cap) b = -cap;
    return this.index + b;
  }

  /** A fill of `size` at the maker's `price` in a block at `now`; returns the two sides' realised PnL. */
  trade(maker: string, taker: string, makerIsBuy: boolean, size: bigint, price: bigint, now: bigint) {
    const notional = size * MULT * price;
    const [buyer, seller] = makerIsBuy ? [maker, taker] : [taker, maker];
    const pays = ceilDiv(notional, TOKEN_SCALE);
    const gets = notional / TOKEN_SCALE;
    this.acct(buyer).cash -= pays;
    this.acct(buyer).flows -= pays;
    this.acct(seller).cash += gets;
    this.acct(seller).flows += gets;
    this.feeAccount += pays - gets;
    const fees: [string, bigint][] = [
      [maker, feeOf(notional, MAKER_BPS)],
      [taker, feeOf(notional, TAKER_BPS)],
    ];
    for (const [who, fee] of fees) {
      this.acct(who).cash -= fee;
      this.acct(who).fees += fee;
      this.feeAccount += fee;
    }
    const realised: bigint[] = [];
    for (const [who, delta] of [
      [buyer, size],
      [seller, -size],
    ] as [string, bigint][]) {
      const a = this.acct(who);
      const [s, e, r] = applyTradeRef(a.size, a.entry, delta, price);
      a.size = s;
      a.entry = e;
      a.realised += r;
      realised.push(r);
    }
    // The basis: brought up to `now`, then the fill's premium blended in with weight notional / ref.
    const premium = price - this.index;
    const basisNow = this.basisAt(now);
    const ref = this.params.basisRefNotional;
    this.premium =
      this.basisUpdatedAt === 0n || notional >= ref ? premium : this.premium + ((premium - this.premium) * notional) / ref;
    this.basis = basisNow;
    this.basisUpdatedAt = now;
    return { makerFee: fees[0][1], takerFee: fees[1][1], buyerRealised: realised[0], sellerRealised: realised[1] };
  }

  equity(address: string, now: bigint): bigint {
    const a = this.acct(address);
    return a.cash + markValueOf(a.size, this.mark(now), MULT);
  }

  freeCollateral(address: string, now: bigint): bigint {
    const a = this.acct(address);
    if (a.size === 0n) return a.cash > 0n ? a.cash : 0n;
    const m = this.mark(now);
    const markValue = a.size * MULT * m;
    const withdrawal = floorDiv(markValue < a.entry ? markValue : a.entry, TOKEN_SCALE);
    const free = a.cash + withdrawal - requirementOf(a.size, m, MULT, IM_BPS);
    return free > 0n ? free : 0n;
  }

  settle(address: string, price: bigint) {
    const a = this.acct(address);
    const cash = settlementCashOf(a.size, price, MULT);
    const realised = a.size * MULT * price - a.entry;
    const size = a.size;
    a.cash += cash;
    a.flows += cash;
    a.realised += realised;
    a.size = 0n;
    a.entry = 0n;
    return { size, cash, realised };
  }
}

// ------------------------------------------------------------------------------- helpers

const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

interface Quote {
  order: Order;
  signature: string;
  hash: string;
}

/** What a receipt's market events say each account realised (PositionChanged + AccountSettled), WAD. */
function realisedIn(w: World, receipt: ContractTransactionReceipt | null, into: Map<string, bigint>) {
  for (const log of receipt!.logs) {
    if (log.address.toLowerCase() !== w.marketAddress.toLowerCase()) continue;
    const parsed = w.market.interface.parseLog(log);
    if (parsed?.name === "PositionChanged") {
      into.set(parsed.args.account, (into.get(parsed.args.account) ?? 0n) + parsed.args.realisedPnl);
    } else if (parsed?.name === "AccountSettled") {
      into.set(parsed.args.account, (into.get(parsed.args.account) ?? 0n) + parsed.args.realisedPnl);
    }
  }
}

function eventArgs(w: World, receipt: ContractTransactionReceipt | null, name: string): unknown[][] {
  const out: unknown[][] = [];
  for (const log of receipt!.logs) {
    if (log.address.toLowerCase() !== w.marketAddress.toLowerCase()) continue;
    const parsed = w.market.interface.parseLog(log);
    if (parsed?.name === name) out.push([...parsed.args]);
  }
  return out;
}

async function blockTime(receipt: ContractTransactionReceipt | null): Promise<bigint> {
  return BigInt((await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp);
}

// ------------------------------------------------------------------------------- the story

describe("FuturesMarket: end to end, from deposit to settlement and withdrawal", function () {
  let w: World;
  let model: Model;
  let mmWallet: HDNodeWallet;
  /** Realised PnL per account as the market's events report it, summed over the story. */
  const eventRealised = new Map<string, bigint>();
  let trader1: string;
  let trader2: string;
  let mm: string;
  let nonce = 1n;

  function by(signer: Signer): FuturesMarket {
    return w.market.connect(signer) as FuturesMarket;
  }

  function vaultBy(signer: Signer): MarginVault {
    return w.vault.connect(signer) as MarginVault;
  }

  function orderOf(trader: string, isBuy: boolean, size: bigint, limitPrice: bigint): Order {
    return { trader, series: w.series, isBuy, size, limitPrice, expiry: w.params.expiry, nonce: nonce++, flags: 0n };
  }

  /** The market maker's quote signed with its ethers Wallet. */
  async function walletQuote(isBuy: boolean, size: bigint, price: bigint): Promise<Quote> {
    const order = orderOf(mm, isBuy, size, price);
    return { order, signature: await signOrder(mmWallet, w.domain, order), hash: orderDigest(w.domain, order) };
  }

  /** The market maker's quote signed by its Hardhat account through raw eth_signTypedData_v4. */
  async function rpcQuote(isBuy: boolean, size: bigint, price: bigint): Promise<Quote> {
    const order = orderOf(mm, isBuy, size, price);
    const signature: string = await ethers.provider.send("eth_signTypedData_v4", [mm, orderTypedDataJson(w.domain, order)]);
    return { order, signature, hash: orderDigest(w.domain, order) };
  }

  /** Stores a report of four different observations and records its median in the model. */
  async function report(values: bigint[], at: bigint): Promise<IndexRound> {
    const updatedAt = await submitIndexAt(w, networkHelpers, values, at);
    const round = { value: median(values), updatedAt };
    model.round(round);
    return round;
  }

  async function expectBookMatchesModel(now: bigint) {
    for (const [name, who] of [
      ["trader1", trader1],
      ["trader2", trader2],
      ["mm", mm],
    ] as const) {
      const a = model.acct(who);
      const p = await w.market.positionOf(who, w.series);
      const m = await w.vault.accountMargin(who);
      expect([name, p.size, p.entryNotional, m.cash, m.equity, m.freeCollateral]).to.deep.equal([
        name,
        a.size,
        a.entry,
        a.cash,
        model.equity(who, now),
        model.freeCollateral(who, now),
      ]);
    }
  }

  before(async function () {
    w = await loadFixture(e2eWorld);
    trader1 = w.trader1.address;
    trader2 = w.trader2.address;
    mm = w.mm.address;
    mmWallet = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${MM_INDEX}`);
    model = new Model(w.params, w.listedAt);
    model.round(w.firstRound);
  });

  afterEach(async function () {
    await expectVaultHoldsWhatItOwes(w);
  });

  it("1. trader1 deposits with an ERC-2612 permit, trader2 and the market maker with approve + deposit", async function () {
    const token = await w.usd.getAddress();
    const deadline = (await latestTime(w)) + HOUR;
    expect(await w.usd.allowance(trader1, w.vaultAddress)).to.equal(0n);
    const raw = await w.trader1.signTypedData(
      { name: TOKEN_NAME, version: "1", chainId: w.chainId, verifyingContract: token },
      PERMIT_TYPES,
      { owner: trader1, spender: w.vaultAddress, value: DEPOSIT_1, nonce: 0n, deadline },
    );
    const { v, r, s } = Signature.from(raw);
    await expect(vaultBy(w.trader1).depositWithPermit(DEPOSIT_1, deadline, v, r, s))
      .to.emit(w.vault, "Deposited")
      .withArgs(trader1, trader1, DEPOSIT_1);
    expect([await w.usd.nonces(trader1), await w.usd.allowance(trader1, w.vaultAddress)]).to.deep.equal([1n, 0n]);

    for (const [signer, amount] of [
      [w.trader2, DEPOSIT_2],
      [w.mm, DEPOSIT_MM],
    ] as const) {
      await (await (w.usd.connect(signer) as MockUSD).approve(w.vaultAddress, MaxUint256)).wait();
      await (await vaultBy(signer).deposit(amount)).wait();
    }
    model.open(trader1, DEPOSIT_1);
    model.open(trader2, DEPOSIT_2);
    model.open(mm, DEPOSIT_MM);
    for (const who of [trader1, trader2, mm]) {
      expect(await w.vault.cashOf(who)).to.equal(model.acct(who).deposit);
      expect(await w.usd.balanceOf(who)).to.equal(MINTED - model.acct(who).deposit);
    }
    expect(await w.usd.balanceOf(w.vaultAddress)).to.equal(DEPOSIT_1 + DEPOSIT_2 + DEPOSIT_MM);
  });

  let bid1: Quote;
  let ask1: Quote;

  it("2. the market maker quotes 2.490 / 2.510 around the 2.500 index, signing with its Wallet and with eth_signTypedData_v4", async function () {
    expect(mmWallet.address, "the Wallet holds the market maker's Hardhat key").to.equal(mm);
    bid1 = await walletQuote(true, 50n, px(2_490n));
    ask1 = await rpcQuote(false, 50n, px(2_510n));
    for (const q of [bid1, ask1]) {
      expect(verifyTypedData(w.domain, ORDER_TYPES, q.order, q.signature)).to.equal(mm);
      expect(await w.market.orderHash(q.order)).to.equal(q.hash);
    }
    expect((await w.market.seriesState(w.series)).index).to.equal(INITIAL_INDEX);
  });

  it("3. trader1 lifts the ask (buys 30) and trader2 hits the bid (sells 20) with fill", async function () {
    const lift = by(w.trader1).fill(ask1.order, ask1.signature, 30n);
    const r1 = await (await lift).wait();
    const e1 = model.trade(mm, trader1, false, 30n, px(2_510n), await blockTime(r1));
    expect(eventArgs(w, r1, "OrderFilled")).to.deep.equal([
      [w.series, ask1.hash, mm, trader1, ZeroHash, false, 30n, px(2_510n), e1.makerFee, e1.takerFee],
    ]);
    realisedIn(w, r1, eventRealised);

    const r2 = await (await by(w.trader2).fill(bid1.order, bid1.signature, 20n)).wait();
    const e2 = model.trade(mm, trader2, true, 20n, px(2_490n), await blockTime(r2));
    expect(eventArgs(w, r2, "OrderFilled")).to.deep.equal([
      [w.series, bid1.hash, mm, trader2, ZeroHash, true, 20n, px(2_490n), e2.makerFee, e2.takerFee],
    ]);
    // The market maker bought back 20 of its 30 short at 2.490 against an average 2.510: +40 USD.
    expect(e2.buyerRealised).to.equal(40n * 10n ** 18n);
    realisedIn(w, r2, eventRealised);

    expect([model.acct(trader1).size, model.acct(trader2).size, model.acct(mm).size]).to.deep.equal([30n, -20n, -10n]);
    expect([await w.market.filledOf(ask1.hash), await w.market.filledOf(bid1.hash)]).to.deep.equal([30n, 20n]);
    await expectBookMatchesModel(await latestTime(w));
  });

  it("4. the index moves to the median of a four-relayer report (2.605)", async function () {
    const values = [px(2_580n), px(2_610n), px(2_650n), px(2_600n)];
    const round = await report(values, (await latestTime(w)) + 60n);
    expect(round.value).to.equal(px(2_605n)); // floor of the mean of the middle two
    const latest = await w.oracle.latestRound(FEED);
    expect([latest.value, latest.updatedAt]).to.deep.equal([round.value, round.updatedAt]);
    await expectBookMatchesModel(await latestTime(w));
  });

  let bid2: Quote;
  let ask2: Quote;

  it("5. the market maker re-quotes 2.595 / 2.615 and a matcher crosses trader orders against it with matchOrders", async function () {
    bid2 = await walletQuote(true, 40n, px(2_595n));
    ask2 = await rpcQuote(false, 40n, px(2_615n));
    const buy1 = orderOf(trader1, true, 10n, px(2_620n));
    const buy1Sig = await signOrder(w.trader1, w.domain, buy1);
    const sell2 = orderOf(trader2, false, 5n, px(2_590n));
    const sell2Sig = await signOrder(w.trader2, w.domain, sell2);

    const r1 = await (await by(w.matcher).matchOrders(ask2.order, ask2.signature, buy1, buy1Sig, 10n)).wait();
    const e1 = model.trade(mm, trader1, false, 10n, px(2_615n), await blockTime(r1));
    expect(eventArgs(w, r1, "OrderFilled")).to.deep.equal([
      [w.series, ask2.hash, mm, trader1, orderDigest(w.domain, buy1), false, 10n, px(2_615n), e1.makerFee, e1.takerFee],
    ]);
    realisedIn(w, r1, eventRealised);

    const r2 = await (await by(w.matcher).matchOrders(bid2.order, bid2.signature, sell2, sell2Sig, 5n)).wait();
    const e2 = model.trade(mm, trader2, true, 5n, px(2_595n), await blockTime(r2));
    expect(eventArgs(w, r2, "PositionChanged")).to.deep.equal([
      [mm, w.series, model.acct(mm).size, model.acct(mm).entry, e2.buyerRealised],
      [trader2, w.series, model.acct(trader2).size, model.acct(trader2).entry, 0n],
    ]);
    realisedIn(w, r2, eventRealised);

    expect([model.acct(trader1).size, model.acct(trader2).size, model.acct(mm).size]).to.deep.equal([40n, -25n, -15n]);
    // The matcher only pays gas: no cash, no position.
    expect([await w.vault.cashOf(w.matcher.address), await w.market.openSeriesOf(w.matcher.address)]).to.deep.equal([0n, []]);
    expect((await w.market.seriesState(w.series)).openInterest).to.equal(40n);
    await expectBookMatchesModel(await latestTime(w));
  });

  it("6. ten minutes later positions, mark and equity match the reference", async function () {
    await time.increase(600);
    const now = await latestTime(w);
    const state = await w.market.seriesState(w.series);
    expect([state.index, state.markPrice]).to.deep.equal([model.index, model.mark(now)]);
    expect(model.mark(now)).to.not.equal(model.index); // the fills left a basis
    await expectBookMatchesModel(now);
  });

  it("7. the index falls to 2.430; trader1 (long) loses, trader2 and the market maker (short) gain", async function () {
    const then = await latestTime(w);
    const before = [trader1, trader2, mm].map((a) => model.equity(a, then));
    const round = await report([px(2_400n), px(2_420n), px(2_440n), px(2_470n)], (await latestTime(w)) + 60n);
    expect(round.value).to.equal(px(2_430n));
    const now = await latestTime(w);
    const after = [trader1, trader2, mm].map((a) => model.equity(a, now));
    expect([after[0] < before[0], after[1] > before[1], after[2] > before[2]]).to.deep.equal([true, true, true]);
    await expectBookMatchesModel(now);
  });

  it("8. trading closes at lastTradingTime: a still-open quote is refused with TradingClosed", async function () {
    await time.increaseTo(w.params.lastTradingTime);
    await expect(by(w.trader1).fill(ask2.order, ask2.signature, 1n))
      .to.be.revertedWithCustomError(w.market, "TradingClosed")
      .withArgs(w.series, w.params.lastTradingTime);
  });

  let settlementPrice: bigint;
  let settleReceipt: ContractTransactionReceipt | null;

  it("9. after reports inside the window and expiry, anyone settles the series at the window's TWAP", async function () {
    const start = w.params.expiry - w.params.settlementWindow;
    await report([px(2_440n), px(2_450n) + 7n, px(2_460n), px(2_470n)], start + 300n);
    await report([px(2_480n) + 1n, px(2_490n), px(2_500n), px(2_530n)], start + 1200n);
    await report([px(2_470n), px(2_475n), px(2_476n) + 3n, px(2_490n)], start + 2400n);
    await report([px(2_450n), px(2_460n), px(2_465n), px(2_480n) + 11n], start + 3300n);
    settlementPrice = twapOfRounds(model.rounds, start, w.params.expiry);
    await time.increaseTo(w.params.expiry + 300n);
    const settle = by(w.trader2).settleSeries(w.series);
    await expect(settle).to.emit(w.market, "SeriesSettled").withArgs(w.series, settlementPrice);
    settleReceipt = await (await settle).wait();
    expect((await w.market.seriesState(w.series)).settlementPrice).to.equal(settlementPrice);
  });

  let poolDust: bigint;

  it("10. ACCOUNT_SETTLEMENT_DELAY after settleSeries a keeper settles every account in one batch; the pool keeps only rounding dust", async function () {
    const batch = [w.matcher.address, trader1, trader2, mm];
    // The hour after settleSeries is the deleveraging window: no account settles yet.
    const opensAt = await accountSettlementOpensAt(w, settleReceipt);
    await time.setNextBlockTimestamp(opensAt - 1n);
    await expect(by(w.keeper).settleAccounts(w.series, batch))
      .to.be.revertedWithCustomError(w.market, "AccountSettlementNotOpen")
      .withArgs(w.series, opensAt);
    await time.setNextBlockTimestamp(opensAt);
    const receipt = await (await by(w.keeper).settleAccounts(w.series, batch)).wait();
    expect(await blockTime(receipt)).to.equal(opensAt);
    realisedIn(w, receipt, eventRealised);
    const expected = [trader1, trader2, mm].map((who) => {
      const { size, cash, realised } = model.settle(who, settlementPrice);
      return [who, w.series, size, settlementPrice, cash, realised];
    });
    const settled = eventArgs(w, receipt, "AccountSettled");
    expect(settled).to.deep.equal(expected);

    const settledCash = settled.reduce((sum, args) => sum + (args[4] as bigint), 0n);
    poolDust = -settledCash;
    expect(poolDust >= 0n && poolDust < 3n, `dust ${poolDust}`).to.equal(true);
    expect(await w.vault.cashOf(await w.market.settlementPool(w.series))).to.equal(poolDust);
    expect((await w.market.seriesState(w.series)).openInterest).to.equal(0n);
    for (const who of batch) expect(await w.market.openSeriesOf(who)).to.deep.equal([]);
  });

  it("11. everyone withdraws everything, with the index long stale", async function () {
    await time.increase(HEARTBEAT * 10n);
    expect(await w.oracle.isStale(FEED)).to.equal(true);
    for (const [signer, who] of [
      [w.trader1, trader1],
      [w.trader2, trader2],
      [w.mm, mm],
    ] as const) {
      const a = model.acct(who);
      expect((await w.vault.accountMargin(who)).freeCollateral).to.equal(a.cash);
      await expect(vaultBy(signer).withdraw(a.cash, who)).to.changeTokenBalances(
        ethers,
        w.usd,
        [who, w.vaultAddress],
        [a.cash, -a.cash],
      );
      expect(await w.vault.cashOf(who)).to.equal(0n);
      a.cash = 0n;
    }
  });

  it("12. final accounting: balances = deposit + realised PnL - fees, PnL sums to zero up to the pool's dust", async function () {
    const who3 = [trader1, trader2, mm];
    for (const who of who3) {
      const a = model.acct(who);
      // What each trader ends up with, from the reference's realised PnL (in token units, rounded
      // against the account at each cash flow) and its fees.
      expect(await w.usd.balanceOf(who)).to.equal(MINTED + a.flows - a.fees);
      // The market's events report the same realised PnL as the reference (WAD) ...
      expect(eventRealised.get(who)).to.equal(a.realised);
      // ... and the token amounts differ from it by less than one unit per rounded cash flow (5).
      const gap = a.realised - a.flows * TOKEN_SCALE;
      expect(gap >= 0n && gap < 5n * TOKEN_SCALE, `rounding gap ${gap}`).to.equal(true);
    }
    const totalRealised = who3.reduce((s, who) => s + model.acct(who).realised, 0n);
    const totalFlows = who3.reduce((s, who) => s + model.acct(who).flows, 0n);
    const totalFees = who3.reduce((s, who) => s + model.acct(who).fees, 0n);
    expect(totalRealised, "realised PnL sums to exactly zero (WAD)").to.equal(0n);
    expect(totalFlows, "token PnL sums to minus the pool's dust").to.equal(-poolDust);
    // The dust and the fees stay in the protocol: the vault holds exactly them.
    expect(await w.vault.feeBalance()).to.equal(model.feeAccount);
    expect(model.feeAccount).to.equal(totalFees); // every trade notional was a whole number of units
    expect([await w.vault.totalCash(), await w.vault.insuranceFund()]).to.deep.equal([poolDust, 0n]);
    expect(await w.usd.balanceOf(w.vaultAddress)).to.equal(poolDust + totalFees);
    expect(await w.usd.balanceOf(w.matcher.address)).to.equal(0n);
    expect(await w.usd.balanceOf(w.keeper.address)).to.equal(0n);
  });
});
