/**
 * FuturesMarket liquidation: who may be liquidated (equity < maintenance margin, at a fresh
 * index, before expiry), how much moves (the fewest contracts that bring the account back to its
 * initial margin, or what the caller asked for if less), at what price (the mark), what it costs
 * (a penalty of the moved notional, split between the liquidator and the insurance fund), what
 * the liquidator must meet (initial margin afterwards, or the final-state rule when its trade
 * reduces), and bad debt: an account whose negative equity the insurance fund cannot cover is
 * refused (NeedsDeleveraging: it is closed by `deleverage` instead, see
 * FuturesMarket.deleverage.ts); within the fund it is liquidated, and once it holds no position
 * its negative cash is covered by the fund as far as it goes (BadDebt).
 *
 * Scenario: erin deposits 521.25 USD and buys 10 contracts (multiplier 100) at 2.50 from alice,
 * taker fee 5 bps: cash -1,980 USD, equity 520 USD against 500 USD initial margin. The fill is at
 * the index, so its premium is 0 and the basis stays 0: the mark is the index throughout. The
 * index then falls in rounds that each respect the oracle's circuit breaker (maxMoveBps of the
 * last value; the rounds carry 3 of the 4 relayers' signatures, so the breaker applies), one
 * minute apart (more than minUpdateInterval).
 *
 * Every expected amount is recomputed here from the documented formulas (docs/market.md,
 * IFuturesMarket.liquidate): equity = cash + sum(size x multiplier x mark), margins rounded up,
 * liquidated size = min(requested, |position|, ceil((IM - equity) / (relief - 4))) with
 * relief = floor(multiplier x mark x (IM bps - penalty bps) / 10,000 / scale), penalty =
 * ceil(notional x penalty bps / 10,000 / scale), toLiquidator = floor(penalty x share / 10,000).
 * After every test the vault must hold exactly what it owes: token balance == totalCash +
 * insuranceFund + feeBalance.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { id, type Signer } from "ethers";

import type { FuturesMarket, MarginVault } from "../types/ethers-contracts/index.js";
import {
  BPS,
  DEPOSIT,
  FEED,
  HEARTBEAT,
  INITIAL_INDEX,
  TICK,
  TOKEN_SCALE,
  USD,
  abs,
  blockTimeOf,
  buyerPays,
  ceilDiv,
  feeOf,
  floorDiv,
  marketFixture,
  markValueOf,
  notionalOf,
  requirementOf,
  sellerReceives,
  trade,
  type MarketFx,
  solvencyCheckedLoader,
  depositFrom,
  fundInsurance,
  pushQuorum,
  stepIndexTo,
  listOnSecondFeed,
  positionTotals,
} from "./helpers/market.js";

const { networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const MULT = 100n;
const IM_BPS = 2000n;
const MM_BPS = 1200n;
const PENALTY_BPS = 500n;
const SHARE_BPS = 5000n;
const MAKER_BPS = 2n;
const TAKER_BPS = 5n;

const P250 = INITIAL_INDEX;
const P225 = 2_250n * TICK;
const P2249 = 2_249n * TICK;
const P230 = 2_300n * TICK;
const P280 = 2_800n * TICK;
const P190 = 1_900n * TICK;
/** The index erin's long is liquidated at: 2.20 plus a fraction of a tick, so notionals leave dust. */
const M1 = 2_200n * TICK + 123_456_789n;

/** erin's deposit: 521.25 USD. */
const ERIN_DEPOSIT = 521_250_000n;
/** What erin's 10 contracts at 2.50 cost. */
const OPEN_NOTIONAL = notionalOf(10n, P250, MULT);
/** erin's cash after buying 10 at 2.50 as taker: 521.25 - 2,500 - 1.25 = -1,980 USD. */
const LONG_CASH = ERIN_DEPOSIT - buyerPays(OPEN_NOTIONAL) - feeOf(OPEN_NOTIONAL, TAKER_BPS);
/** erin's cash after selling 10 at 2.50 as taker: 521.25 + 2,500 - 1.25 = 3,020 USD. */
const SHORT_CASH = ERIN_DEPOSIT + sellerReceives(OPEN_NOTIONAL) - feeOf(OPEN_NOTIONAL, TAKER_BPS);
const MAX_UINT64 = 2n ** 64n - 1n;

function by(fx: MarketFx, signer: Signer): FuturesMarket {
  return fx.market.connect(signer) as FuturesMarket;
}

function vaultBy(fx: MarketFx, signer: Signer): MarginVault {
  return fx.vault.connect(signer) as MarginVault;
}

function min(...xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b < a ? b : a));
}

function max(...xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b > a ? b : a));
}

// ------------------------------------------------------------------------------- reference model

/** An account's margin from its cash and one position valued at `mark` (docs/market.md). */
function marginOf(cash: bigint, size: bigint, mark: bigint) {
  return {
    cash,
    equity: cash + markValueOf(size, mark, MULT),
    initialMargin: requirementOf(size, mark, MULT, IM_BPS),
    maintenanceMargin: requirementOf(size, mark, MULT, MM_BPS),
  };
}

/** What `liquidate(account, series, requested)` moves and costs, per IFuturesMarket.liquidate. */
/**
 * A liquidation of up to `requested` contracts (docs/market.md, Liquidation). The liquidator's
 * share of the penalty is capped at what the account's equity and the insurance fund can bear,
 * less 4 units of rounding slack (no cap when the fund is not given: a well-funded fund).
 */
function liquidationOf(
  requested: bigint,
  position: bigint,
  equity: bigint,
  initialMargin: bigint,
  mark: bigint,
  insurance?: bigint,
) {
  const relief = (MULT * mark * (IM_BPS - PENALTY_BPS)) / (BPS * TOKEN_SCALE);
  // Four token units of rounding slack per contract (value, margin, penalty, cash).
  const needed = relief <= 4n ? abs(position) : ceilDiv(initialMargin - equity, relief - 4n);
  const size = min(requested, abs(position), needed);
  const notional = notionalOf(size, mark, MULT);
  const penalty = ceilDiv(notional * PENALTY_BPS, BPS * TOKEN_SCALE);
  const share = (penalty * SHARE_BPS) / BPS;
  const bearable = insurance === undefined ? share : max(0n, equity + insurance - 4n);
  const toLiquidator = min(share, bearable);
  return {
    relief,
    needed,
    size,
    notional,
    penalty,
    toLiquidator,
    toInsurance: penalty - share,
    /** The buyer pays the notional rounded up, the seller receives it rounded down. */
    paid: buyerPays(notional),
    received: sellerReceives(notional),
    dust: buyerPays(notional) - sellerReceives(notional),
  };
}

/**
 * A position {size, entryNotional} after a trade of `delta` at `price` (docs/market.md,
 * Accounting): adding keeps entry += delta x multiplier x price; reducing keeps
 * floor(entry x size' / size) and realises cashFlow - (entry - entry'); closing or flipping
 * realises size x multiplier x price - entry and opens the rest at price.
 */
function afterTrade(size: bigint, entry: bigint, delta: bigint, price: bigint) {
  const newSize = size + delta;
  const tradeNotional = delta * MULT * price;
  if (size === 0n || size > 0n === delta > 0n) return { size: newSize, entry: entry + tradeNotional, realised: 0n };
  if (newSize !== 0n && newSize > 0n === size > 0n) {
    const num = size < 0n ? -(entry * newSize) : entry * newSize;
    const newEntry = floorDiv(num, abs(size));
    return { size: newSize, entry: newEntry, realised: -tradeNotional - (entry - newEntry) };
  }
  return { size: newSize, entry: newSize * MULT * price, realised: size * MULT * price - entry };
}

// ------------------------------------------------------------------------------- set-up

/** The market fixture plus erin (521.25 USD deposited) and frank (nothing deposited yet). */
async function withErin(connection: NetworkConnection) {
  const fx = await marketFixture(connection);
  const signers = await connection.ethers.getSigners();
  const erin = signers[8];
  const frank = signers[9];
  await depositFrom(fx, erin, ERIN_DEPOSIT);
  return { ...fx, erin, frank };
}

/** erin buys 10 at 2.50 (taker) from alice. */
async function longFixture(connection: NetworkConnection) {
  const fx = await withErin(connection);
  await trade(fx, fx.alice, fx.erin, { size: 10n, price: P250 });
  return fx;
}

/** erin's long with the index at M1: equity 220 USD, maintenance 264 USD, initial 440 USD. */
async function underwaterFixture(connection: NetworkConnection) {
  const fx = await longFixture(connection);
  const path = await stepIndexTo(fx, time, M1);
  return { ...fx, path };
}

/** bob sold 3 to carol at 2.50 before the fall to M1: he holds a short when he liquidates erin. */
async function bobShortFixture(connection: NetworkConnection) {
  const fx = await longFixture(connection);
  await trade(fx, fx.bob, fx.carol, { size: 3n, price: P250 });
  await stepIndexTo(fx, time, M1);
  return fx;
}

/** erin sells 10 at 2.50 (taker) to alice, then the index rises to 2.80. */
async function shortFixture(connection: NetworkConnection) {
  const fx = await withErin(connection);
  await trade(fx, fx.alice, fx.erin, { makerIsBuy: true, size: 10n, price: P250 });
  await stepIndexTo(fx, time, P280);
  return fx;
}

/** erin's long after a crash to 1.90: equity -80 USD. */
async function crashFixture(connection: NetworkConnection) {
  const fx = await longFixture(connection);
  await stepIndexTo(fx, time, P190);
  return fx;
}

type LiqFx = Awaited<ReturnType<typeof withErin>>;

/** Everyone who may hold a position in the tests. */
function accountsOf(fx: LiqFx): string[] {
  return [fx.admin, fx.alice, fx.bob, fx.carol, fx.dave, fx.outsider, fx.erin, fx.frank].map((s) => s.address);
}

/** Sum of long sizes, sum of short sizes (positive) and the series' open interest. */
async function sidesOf(fx: LiqFx, series: string = fx.series) {
  const { longs, shorts, openInterest } = await positionTotals(fx, accountsOf(fx), series);
  return { longs, shorts, openInterest };
}

// ------------------------------------------------------------------------------- tests

describe("FuturesMarket: liquidation", function () {
  /** Loads a fixture; after each test its vault must hold exactly what it owes. */
  const load = solvencyCheckedLoader(loadFixture);

  // ----------------------------------------------------------------------------- who is liquidatable

  describe("who can be liquidated", function () {
    it("refuses a healthy account: NotLiquidatable(account, equity, maintenanceMargin)", async function () {
      const fx = await load(longFixture);
      const m = marginOf(LONG_CASH, 10n, P250);
      expect([m.equity, m.maintenanceMargin]).to.deep.equal([520n * USD, 300n * USD]);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.be.revertedWithCustomError(fx.market, "NotLiquidatable")
        .withArgs(fx.erin.address, m.equity, m.maintenanceMargin);
    });

    it("refuses an account below initial margin but above maintenance", async function () {
      const fx = await load(longFixture);
      await stepIndexTo(fx, time, P230);
      const m = marginOf(LONG_CASH, 10n, P230);
      expect([m.equity, m.initialMargin, m.maintenanceMargin]).to.deep.equal([320n * USD, 460n * USD, 276n * USD]);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.be.revertedWithCustomError(fx.market, "NotLiquidatable")
        .withArgs(fx.erin.address, m.equity, m.maintenanceMargin);
    });

    it("refuses an account exactly at maintenance (equity == maintenance margin)", async function () {
      const fx = await load(longFixture);
      await stepIndexTo(fx, time, P225); // a 10% fall: exactly the breaker's limit
      const m = marginOf(LONG_CASH, 10n, P225);
      expect(m.equity).to.equal(m.maintenanceMargin);
      expect(m.equity).to.equal(270n * USD);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.be.revertedWithCustomError(fx.market, "NotLiquidatable")
        .withArgs(fx.erin.address, 270n * USD, 270n * USD);
    });

    it("liquidates an account one tick below maintenance", async function () {
      const fx = await load(longFixture);
      await stepIndexTo(fx, time, P225);
      await stepIndexTo(fx, time, P2249);
      const m = marginOf(LONG_CASH, 10n, P2249);
      expect(m.equity < BigInt(m.maintenanceMargin)).to.equal(true);
      const liq = liquidationOf(10n, 10n, m.equity, m.initialMargin, P2249);
      expect(liq.size).to.equal(6n);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.emit(fx.market, "PositionLiquidated")
        .withArgs(fx.erin.address, fx.series, fx.bob.address, liq.size, P2249, liq.toLiquidator, liq.toInsurance);
    });

    it("a fall of the index in rounds within the circuit breaker takes a leveraged long below maintenance", async function () {
      const fx = await load(underwaterFixture);
      expect(fx.path).to.deep.equal([P225, M1]);
      // The fill at 2.50 was at the index: premium 0, so the basis stays 0 and the mark is the index.
      const state = await fx.market.seriesState(fx.series);
      expect([state.index, state.basis, state.markPrice]).to.deep.equal([M1, 0n, M1]);
      const m = marginOf(LONG_CASH, 10n, M1);
      expect([m.equity, m.initialMargin, m.maintenanceMargin]).to.deep.equal([220_000_000n, 440_000_001n, 264_000_001n]);
      const got = await fx.vault.accountMargin(fx.erin.address);
      expect([got.cash, got.equity, got.initialMargin, got.maintenanceMargin]).to.deep.equal([
        m.cash,
        m.equity,
        m.initialMargin,
        m.maintenanceMargin,
      ]);
      expect(got.equity < BigInt(got.maintenanceMargin)).to.equal(true);
    });
  });

  // ----------------------------------------------------------------------------- partial liquidation

  describe("partial liquidation of a long", function () {
    /** The expected liquidation of erin's long at M1 when `requested` contracts are asked for. */
    function expected(requested: bigint) {
      const m = marginOf(LONG_CASH, 10n, M1);
      return liquidationOf(requested, 10n, m.equity, m.initialMargin, M1);
    }

    it("moves ceil((IM - equity) / (relief - 4 units)) contracts however many are asked for, and returns that size", async function () {
      const fx = await load(underwaterFixture);
      const liq = expected(MAX_UINT64);
      // deficit 220.000001 USD, relief 33 USD per contract: 7 contracts.
      expect([liq.relief, liq.needed, liq.size]).to.deep.equal([33n * USD, 7n, 7n]);
      expect(await by(fx, fx.bob).liquidate.staticCall(fx.erin.address, fx.series, 10n)).to.equal(7n);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, MAX_UINT64))
        .to.emit(fx.market, "PositionLiquidated")
        .withArgs(fx.erin.address, fx.series, fx.bob.address, 7n, M1, liq.toLiquidator, liq.toInsurance);
    });

    it("splits the penalty (rounded up) between the liquidator (rounded down) and the insurance fund", async function () {
      const liq = expected(10n);
      // 5% of 1,540.000000086 USD = 77.000001 USD (rounded up); half, rounded down, to bob.
      expect([liq.penalty, liq.toLiquidator, liq.toInsurance]).to.deep.equal([77_000_001n, 38_500_000n, 38_500_001n]);
      const fx = await load(underwaterFixture);
      const insurance = await fx.vault.insuranceFund();
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.emit(fx.vault, "InsurancePaid")
        .withArgs(fx.marketAddress, fx.erin.address, liq.toInsurance);
      expect(await fx.vault.insuranceFund()).to.equal(insurance + liq.toInsurance);
    });

    it("moves cash as a trade at the mark: buyer pays ceil, seller receives floor, dust to fees, penalty from the account", async function () {
      const fx = await load(underwaterFixture);
      const liq = expected(10n);
      expect(liq.dust).to.equal(1n);
      const before = {
        erin: await fx.vault.cashOf(fx.erin.address),
        bob: await fx.vault.cashOf(fx.bob.address),
        fees: await fx.vault.feeBalance(),
        insurance: await fx.vault.insuranceFund(),
        total: await fx.vault.totalCash(),
      };
      expect(before.erin).to.equal(LONG_CASH);
      await (await by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n)).wait();
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(LONG_CASH + liq.received - liq.penalty);
      expect(await fx.vault.cashOf(fx.bob.address)).to.equal(before.bob - liq.paid + liq.toLiquidator);
      expect(await fx.vault.feeBalance()).to.equal(before.fees + liq.dust);
      expect(await fx.vault.insuranceFund()).to.equal(before.insurance + liq.toInsurance);
      expect(await fx.vault.totalCash()).to.equal(before.total - liq.dust - liq.toInsurance);
    });

    it("leaves the account at or above its initial margin", async function () {
      const fx = await load(underwaterFixture);
      const liq = expected(10n);
      await (await by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n)).wait();
      const after = marginOf(LONG_CASH + liq.received - liq.penalty, 10n - liq.size, M1);
      const got = await fx.vault.accountMargin(fx.erin.address);
      expect([got.cash, got.equity, got.initialMargin, got.maintenanceMargin]).to.deep.equal([
        after.cash,
        after.equity,
        after.initialMargin,
        after.maintenanceMargin,
      ]);
      expect(got.equity >= BigInt(got.initialMargin)).to.equal(true);
    });

    it("reports the liquidated position: PositionChanged(account, series, size, entry, realisedPnl)", async function () {
      const fx = await load(underwaterFixture);
      const p = afterTrade(10n, OPEN_NOTIONAL, -7n, M1);
      expect([p.size, p.entry]).to.deep.equal([3n, 750n * 10n ** 18n]);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.erin.address, fx.series, p.size, p.entry, p.realised);
      const position = await fx.market.positionOf(fx.erin.address, fx.series);
      expect([position.size, position.entryNotional]).to.deep.equal([p.size, p.entry]);
    });

    it("gives the liquidator the contracts at the mark: PositionChanged(liquidator, series, 7, 7 x 100 x mark, 0)", async function () {
      const fx = await load(underwaterFixture);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.bob.address, fx.series, 7n, notionalOf(7n, M1, MULT), 0n);
      const position = await fx.market.positionOf(fx.bob.address, fx.series);
      expect([position.size, position.entryNotional]).to.deep.equal([7n, notionalOf(7n, M1, MULT)]);
    });

    it("moves only the requested size when it is smaller than needed", async function () {
      const fx = await load(underwaterFixture);
      const liq = expected(3n);
      expect([liq.needed, liq.size]).to.deep.equal([7n, 3n]);
      expect(await by(fx, fx.bob).liquidate.staticCall(fx.erin.address, fx.series, 3n)).to.equal(3n);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 3n))
        .to.emit(fx.market, "PositionLiquidated")
        .withArgs(fx.erin.address, fx.series, fx.bob.address, 3n, M1, liq.toLiquidator, liq.toInsurance);
      expect((await fx.market.positionOf(fx.erin.address, fx.series)).size).to.equal(7n);
      expect((await fx.market.positionOf(fx.bob.address, fx.series)).size).to.equal(3n);
    });

    it("leaves the account below initial margin after a smaller request", async function () {
      const fx = await load(underwaterFixture);
      const liq = expected(6n);
      await (await by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 6n)).wait();
      const after = marginOf(LONG_CASH + liq.received - liq.penalty, 4n, M1);
      const got = await fx.vault.accountMargin(fx.erin.address);
      expect([got.equity, got.initialMargin]).to.deep.equal([after.equity, after.initialMargin]);
      expect(got.equity < BigInt(got.initialMargin)).to.equal(true);
    });

    it("refuses a second liquidation once the account is back above maintenance: NotLiquidatable", async function () {
      const fx = await load(underwaterFixture);
      const liq = expected(10n);
      await (await by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n)).wait();
      const after = marginOf(LONG_CASH + liq.received - liq.penalty, 3n, M1);
      await expect(by(fx, fx.carol).liquidate(fx.erin.address, fx.series, 3n))
        .to.be.revertedWithCustomError(fx.market, "NotLiquidatable")
        .withArgs(fx.erin.address, after.equity, after.maintenanceMargin);
    });

    it("keeps sum(long sizes) == sum(short sizes) == open interest", async function () {
      const fx = await load(underwaterFixture);
      expect(await sidesOf(fx)).to.deep.equal({ longs: 10n, shorts: 10n, openInterest: 10n });
      await (await by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n)).wait();
      // erin 3 + bob 7 long, alice 10 short.
      expect(await sidesOf(fx)).to.deep.equal({ longs: 10n, shorts: 10n, openInterest: 10n });
    });

    it("refuses a liquidator that would fall below initial margin: InsufficientMargin(liquidator, required, equity)", async function () {
      const fx = await load(underwaterFixture);
      await depositFrom(fx, fx.frank, 100n * USD);
      const liq = expected(10n);
      const frank = marginOf(100n * USD - liq.paid + liq.toLiquidator, 7n, M1);
      expect([frank.initialMargin, frank.equity]).to.deep.equal([308_000_001n, 138_499_999n]);
      await expect(by(fx, fx.frank).liquidate(fx.erin.address, fx.series, 10n))
        .to.be.revertedWithCustomError(fx.market, "InsufficientMargin")
        .withArgs(fx.frank.address, frank.initialMargin, frank.equity);
    });

    it("lets a liquidator on the other side reduce its own position (alice, short 10, buys 7)", async function () {
      const fx = await load(underwaterFixture);
      const p = afterTrade(-10n, -OPEN_NOTIONAL, 7n, M1);
      expect([p.size, p.entry]).to.deep.equal([-3n, -750n * 10n ** 18n]);
      await expect(by(fx, fx.alice).liquidate(fx.erin.address, fx.series, 10n))
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.alice.address, fx.series, p.size, p.entry, p.realised);
      expect(await sidesOf(fx)).to.deep.equal({ longs: 3n, shorts: 3n, openInterest: 3n });
    });

    it("pays a reducing liquidator its share and charges it the notional at the mark", async function () {
      const fx = await load(underwaterFixture);
      const liq = expected(10n);
      const aliceCash = DEPOSIT + sellerReceives(OPEN_NOTIONAL) - feeOf(OPEN_NOTIONAL, MAKER_BPS);
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(aliceCash);
      await (await by(fx, fx.alice).liquidate(fx.erin.address, fx.series, 10n)).wait();
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(aliceCash - liq.paid + liq.toLiquidator);
    });

    it("lets a short liquidator flip to long (bob, short 3, buys 7): sizes still balance", async function () {
      const fx = await load(bobShortFixture);
      expect(await sidesOf(fx)).to.deep.equal({ longs: 13n, shorts: 13n, openInterest: 13n });
      const p = afterTrade(-3n, -notionalOf(3n, P250, MULT), 7n, M1);
      expect([p.size, p.entry]).to.deep.equal([4n, notionalOf(4n, M1, MULT)]);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.bob.address, fx.series, p.size, p.entry, p.realised);
      // erin 3 + carol 3 + bob 4 long, alice 10 short.
      expect(await sidesOf(fx)).to.deep.equal({ longs: 10n, shorts: 10n, openInterest: 10n });
    });

    it("costs a steady-state liquidation (both positions already open) under 250,000 gas", async function () {
      const fx = await load(underwaterFixture);
      await (await by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 1n)).wait(); // bob's first position
      const receipt = await (await by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 1n)).wait();
      expect((await fx.market.positionOf(fx.erin.address, fx.series)).size).to.equal(8n);
      // Measured 207,099 (the first, which opens bob's position and the insurance fund: 281,759).
      expect(receipt!.gasUsed).to.be.lessThan(250_000n);
    });
  });

  // ----------------------------------------------------------------------------- shorts

  describe("rounding", function () {
    it("leaves the account at or above initial margin even when every rounding goes against it", async function () {
      // Regression: without rounding slack in the relief, this liquidation stopped 2 units short.
      const fx = await load(withErin);
      await depositFrom(fx, fx.frank, 703_492_902n);
      await trade(fx, fx.alice, fx.frank, { size: 10n, price: P250 });
      await stepIndexTo(fx, time, 1_954_083_803_623_527_604n);
      await (await by(fx, fx.bob).liquidate(fx.frank.address, fx.series, 10n)).wait();
      const after = await fx.vault.accountMargin(fx.frank.address);
      expect(after.openPositions).to.equal(1n);
      expect(after.equity >= after.initialMargin).to.equal(true);
    });
  });

  describe("liquidation of a short on a rise", function () {
    function expected() {
      const m = marginOf(SHORT_CASH, -10n, P280);
      return { m, liq: liquidationOf(10n, -10n, m.equity, m.initialMargin, P280) };
    }

    it("makes the short liquidatable and moves ceil((IM - equity) / (relief - 4 units)) contracts to the liquidator", async function () {
      const fx = await load(shortFixture);
      const { m, liq } = expected();
      // equity 3,020 - 2,800 = 220 USD < 336 USD maintenance; deficit 340 / relief 42: 9 contracts.
      expect([m.equity, m.maintenanceMargin, liq.size, liq.toLiquidator, liq.toInsurance]).to.deep.equal([
        220n * USD,
        336n * USD,
        9n,
        63n * USD,
        63n * USD,
      ]);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.emit(fx.market, "PositionLiquidated")
        .withArgs(fx.erin.address, fx.series, fx.bob.address, 9n, P280, liq.toLiquidator, liq.toInsurance);
    });

    it("makes the account buy back and the liquidator sell: PositionChanged for both", async function () {
      const fx = await load(shortFixture);
      const erin = afterTrade(-10n, -OPEN_NOTIONAL, 9n, P280);
      const tx = by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n);
      await expect(tx)
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.erin.address, fx.series, -1n, erin.entry, erin.realised);
      await expect(tx)
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.bob.address, fx.series, -9n, -notionalOf(9n, P280, MULT), 0n);
    });

    it("charges the account the notional and the penalty, pays the liquidator the notional and its share", async function () {
      const fx = await load(shortFixture);
      const { liq } = expected();
      const bobCash = await fx.vault.cashOf(fx.bob.address);
      await (await by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n)).wait();
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(SHORT_CASH - liq.paid - liq.penalty);
      expect(await fx.vault.cashOf(fx.bob.address)).to.equal(bobCash + liq.received + liq.toLiquidator);
      const m = await fx.vault.accountMargin(fx.erin.address);
      expect(m.equity >= BigInt(m.initialMargin)).to.equal(true);
    });

    it("keeps sum(long sizes) == sum(short sizes) == open interest", async function () {
      const fx = await load(shortFixture);
      await (await by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n)).wait();
      // alice 10 long; erin 1 + bob 9 short.
      expect(await sidesOf(fx)).to.deep.equal({ longs: 10n, shorts: 10n, openInterest: 10n });
    });
  });

  // ----------------------------------------------------------------------------- refusals

  describe("refusals", function () {
    it("refuses liquidating yourself: SelfTrade(account)", async function () {
      const fx = await load(underwaterFixture);
      await expect(by(fx, fx.erin).liquidate(fx.erin.address, fx.series, 10n))
        .to.be.revertedWithCustomError(fx.market, "SelfTrade")
        .withArgs(fx.erin.address);
    });

    it("refuses a zero size: ZeroSize()", async function () {
      const fx = await load(underwaterFixture);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 0n))
        .to.be.revertedWithCustomError(fx.market, "ZeroSize")
        .withArgs();
    });

    it("refuses an unknown series: UnknownSeries(series)", async function () {
      const fx = await load(underwaterFixture);
      const unknown = id("no such series");
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, unknown, 10n))
        .to.be.revertedWithCustomError(fx.market, "UnknownSeries")
        .withArgs(unknown);
    });

    it("refuses an account without a position in the series: NoPosition(account, series)", async function () {
      const fx = await load(underwaterFixture);
      await expect(by(fx, fx.bob).liquidate(fx.carol.address, fx.series, 10n))
        .to.be.revertedWithCustomError(fx.market, "NoPosition")
        .withArgs(fx.carol.address, fx.series);
    });

    it("refuses while the series' index is stale: StaleIndex(feed)", async function () {
      const fx = await load(underwaterFixture);
      await time.increase(HEARTBEAT + 1n);
      expect((await fx.market.seriesState(fx.series)).indexStale).to.equal(true);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.be.revertedWithCustomError(fx.market, "StaleIndex")
        .withArgs(FEED);
    });

    it("refuses while another position of the account is valued at a stale index: StalePositionIndex(account)", async function () {
      const fx = await load(withErin);
      // A second feed with its own series; erin also buys 1 there.
      const { series: otherSeries } = await listOnSecondFeed(fx);
      await (await vaultBy(fx, fx.erin).deposit(60n * USD)).wait();
      await trade(fx, fx.alice, fx.erin, { series: otherSeries, size: 1n });
      await trade(fx, fx.alice, fx.erin, { size: 10n, price: P250 });
      // The H100 index falls and stays fresh; the other feed goes stale.
      await stepIndexTo(fx, time, M1);
      await time.increase(HEARTBEAT);
      await pushQuorum(fx, M1);
      const m = await fx.vault.accountMargin(fx.erin.address);
      expect([m.indexStale, m.equity < BigInt(m.maintenanceMargin)]).to.deep.equal([true, true]);
      expect((await fx.market.seriesState(fx.series)).indexStale).to.equal(false);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.be.revertedWithCustomError(fx.market, "StalePositionIndex")
        .withArgs(fx.erin.address);
    });

    it("refuses at expiry: LiquidationClosed(series, expiry)", async function () {
      const fx = await load(underwaterFixture);
      await time.setNextBlockTimestamp(fx.params.expiry);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.be.revertedWithCustomError(fx.market, "LiquidationClosed")
        .withArgs(fx.series, fx.params.expiry);
    });

    it("refuses after expiry, even with a fresh index: LiquidationClosed(series, expiry)", async function () {
      const fx = await load(underwaterFixture);
      await time.increaseTo(fx.params.expiry + 600n);
      await pushQuorum(fx, M1);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.be.revertedWithCustomError(fx.market, "LiquidationClosed")
        .withArgs(fx.series, fx.params.expiry);
    });
  });

  // ----------------------------------------------------------------------------- trading stopped

  describe("while trading is stopped", function () {
    function expected() {
      const m = marginOf(LONG_CASH, 10n, M1);
      return liquidationOf(10n, 10n, m.equity, m.initialMargin, M1);
    }

    it("liquidates in a paused series", async function () {
      const fx = await load(underwaterFixture);
      await (await fx.market.pauseSeries(fx.series)).wait();
      expect((await fx.market.seriesState(fx.series)).paused).to.equal(true);
      const liq = expected();
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.emit(fx.market, "PositionLiquidated")
        .withArgs(fx.erin.address, fx.series, fx.bob.address, liq.size, M1, liq.toLiquidator, liq.toInsurance);
    });

    it("liquidates after the last trading time and before expiry", async function () {
      const fx = await load(longFixture);
      await time.increaseTo(fx.params.lastTradingTime);
      await stepIndexTo(fx, time, M1);
      const liq = expected();
      const tx = await by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n);
      await expect(tx)
        .to.emit(fx.market, "PositionLiquidated")
        .withArgs(fx.erin.address, fx.series, fx.bob.address, liq.size, M1, liq.toLiquidator, liq.toInsurance);
      const at = await blockTimeOf(fx, await tx.wait());
      expect(at > fx.params.lastTradingTime && at < fx.params.expiry).to.equal(true);
    });
  });

  // ----------------------------------------------------------------------------- bad debt

  describe("bad debt", function () {
    /**
     * The crash at 1.90 with `insurance` in the fund: erin's whole position goes, and her cash
     * ends at -debt before the fund covers it.
     */
    function expected(insurance?: bigint) {
      const m = marginOf(LONG_CASH, 10n, P190);
      const liq = liquidationOf(MAX_UINT64, 10n, m.equity, m.initialMargin, P190, insurance);
      const debt = -(LONG_CASH + liq.received - liq.toLiquidator - liq.toInsurance);
      return { m, liq, debt };
    }

    it("leaves the account with negative equity after the crash", async function () {
      const fx = await load(crashFixture);
      const { m } = expected();
      expect(m.equity).to.equal(-80n * USD);
      expect((await fx.vault.accountMargin(fx.erin.address)).equity).to.equal(m.equity);
    });

    it("refuses an account whose negative equity exceeds the empty fund: NeedsDeleveraging(account, equity, 0)", async function () {
      const fx = await load(crashFixture);
      const { m } = expected();
      expect(await fx.vault.insuranceFund()).to.equal(0n);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, MAX_UINT64))
        .to.be.revertedWithCustomError(fx.market, "NeedsDeleveraging")
        .withArgs(fx.erin.address, m.equity, 0n);
    });

    it("refuses while the fund is one unit short of the negative equity: NeedsDeleveraging(account, -80 USD, 79.999999 USD)", async function () {
      const fx = await load(crashFixture);
      const { m } = expected();
      await fundInsurance(fx, -m.equity - 1n);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.be.revertedWithCustomError(fx.market, "NeedsDeleveraging")
        .withArgs(fx.erin.address, -80n * USD, 79_999_999n);
    });

    it("liquidates once the fund holds exactly the negative equity, paying the liquidator nothing", async function () {
      const fx = await load(crashFixture);
      const fund = -expected().m.equity;
      const { liq, debt } = expected(fund);
      expect(liq.toLiquidator).to.equal(0n); // equity + fund - 4 units < 0
      await fundInsurance(fx, fund);
      const tx = by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n);
      await expect(tx)
        .to.emit(fx.market, "PositionLiquidated")
        .withArgs(fx.erin.address, fx.series, fx.bob.address, 10n, P190, 0n, liq.toInsurance);
      await expect(tx).to.emit(fx.market, "BadDebt").withArgs(fx.erin.address, debt, debt, 0n);
    });

    it("liquidates the whole position, whatever size is asked for", async function () {
      const fx = await load(crashFixture);
      await fundInsurance(fx, 1_000n * USD);
      const { liq } = expected(1_000n * USD);
      expect([liq.needed > 10n, liq.size]).to.deep.equal([true, 10n]);
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, MAX_UINT64))
        .to.emit(fx.market, "PositionLiquidated")
        .withArgs(fx.erin.address, fx.series, fx.bob.address, 10n, P190, liq.toLiquidator, liq.toInsurance);
      expect((await fx.market.positionOf(fx.erin.address, fx.series)).size).to.equal(0n);
      expect(await fx.market.openSeriesOf(fx.erin.address)).to.deep.equal([]);
    });

    it("covers the debt from the insurance fund: BadDebt(account, debt, debt, 0)", async function () {
      const fx = await load(crashFixture);
      await fundInsurance(fx, 1_000n * USD);
      const { debt } = expected(1_000n * USD);
      expect(debt).to.equal(175n * USD); // 1,980 - 1,900 + 95 of penalty
      await expect(by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n))
        .to.emit(fx.market, "BadDebt")
        .withArgs(fx.erin.address, debt, debt, 0n);
    });

    it("brings the account's cash back to 0 and takes the debt out of the fund", async function () {
      const fx = await load(crashFixture);
      await fundInsurance(fx, 1_000n * USD);
      const { liq, debt } = expected(1_000n * USD);
      await (await by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n)).wait();
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(0n);
      expect(await fx.vault.insuranceFund()).to.equal(1_000n * USD + liq.toInsurance - debt);
    });

    // With 100 USD in the fund and -80 USD of equity, the full liquidator share (47.5 USD) would
    // take the debt beyond the fund: the share is cut to what equity + fund can bear.
    it("caps the liquidator's share at equity + fund - 4 units, so the fund covers the whole debt", async function () {
      const fx = await load(crashFixture);
      await fundInsurance(fx, 100n * USD);
      const { liq, debt } = expected(100n * USD);
      expect([liq.toLiquidator, liq.toInsurance]).to.deep.equal([20n * USD - 4n, 47_500_000n]);
      const tx = by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n);
      await expect(tx)
        .to.emit(fx.market, "PositionLiquidated")
        .withArgs(fx.erin.address, fx.series, fx.bob.address, 10n, P190, liq.toLiquidator, liq.toInsurance);
      await expect(tx).to.emit(fx.market, "BadDebt").withArgs(fx.erin.address, debt, debt, 0n);
    });

    it("leaves the account at zero cash and the fund with the 4 units of slack", async function () {
      const fx = await load(crashFixture);
      await fundInsurance(fx, 100n * USD);
      await (await by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n)).wait();
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(0n);
      const { liq, debt } = expected(100n * USD);
      expect(await fx.vault.insuranceFund()).to.equal(100n * USD + liq.toInsurance - debt);
      expect(100n * USD + liq.toInsurance - debt).to.equal(4n);
    });

    it("reports no bad debt while the account still holds part of its position", async function () {
      const fx = await load(crashFixture);
      await fundInsurance(fx, 1_000n * USD);
      const liq = liquidationOf(4n, 10n, expected().m.equity, expected().m.initialMargin, P190);
      const tx = by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 4n);
      await expect(tx)
        .to.emit(fx.market, "PositionLiquidated")
        .withArgs(fx.erin.address, fx.series, fx.bob.address, 4n, P190, liq.toLiquidator, liq.toInsurance);
      await expect(tx).not.to.emit(fx.market, "BadDebt");
      expect(await fx.vault.insuranceFund()).to.equal(1_000n * USD + liq.toInsurance);
    });

    it("keeps sum(long sizes) == sum(short sizes) == open interest", async function () {
      const fx = await load(crashFixture);
      await fundInsurance(fx, 100n * USD);
      await (await by(fx, fx.bob).liquidate(fx.erin.address, fx.series, 10n)).wait();
      // bob 10 long, alice 10 short.
      expect(await sidesOf(fx)).to.deep.equal({ longs: 10n, shorts: 10n, openInterest: 10n });
    });
  });
});
