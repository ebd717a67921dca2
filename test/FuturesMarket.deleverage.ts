/**
 * FuturesMarket deleveraging: `deleverage(account, series, counterparty, size)` (DELEVERAGER_ROLE)
 * closes a bankrupt account's position — one whose equity is negative by more than the insurance
 * fund — against a counterparty's opposite position at the bankruptcy price.
 *
 * The documented model (IFuturesMarket.deleverage), recomputed here with bigints:
 *   closed       = min(size, |position|)
 *   drawn        = the whole insurance fund, paid to the account (vault InsuranceDrawn)
 *   deficit      = -equity - drawn
 *   the two trade `closed` contracts at the reference price (the mark of a live series, the
 *   settlement price of a settled one): the buyer pays ceil(notional / scale), the seller gets
 *   floor(notional / scale), the dust goes to the fee account; no fee, no penalty, no basis update
 *   deficitShare = floor(deficit x closed x multiplier x price / sum over the account's open
 *                  series of |size| x multiplier x reference price)
 *                  or, when the account holds no position left, its whole remaining negative
 *                  equity (it ends at exactly zero)
 *   the counterparty pays the account deficitShare and must keep equity >= 0.
 *
 * Scenario: erin deposits 521.25 USD and buys 10 contracts (multiplier 100) at 2.50 from alice
 * (taker fee 5 bps): cash -1,980 USD. bob buys 3 from carol at 2.50. Every fill is at the index,
 * so the basis stays 0 and the mark is the index. The index then falls, in rounds within the
 * oracle's circuit breaker, to P_CRASH = 1.897000001: erin's position is worth 1,897.000001 USD,
 * her equity -82.999999 USD — an odd number of token units, so halves round.
 * After every test the vault must hold exactly what it owes: token balance == totalCash +
 * insuranceFund + feeBalance.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { id, keccak256, toUtf8Bytes, type Signer } from "ethers";

import type { FuturesMarket } from "../types/ethers-contracts/index.js";
import {
  DEPOSIT,
  FEED,
  HEARTBEAT,
  HOUR,
  INITIAL_INDEX,
  USD,
  abs,
  blockTimeOf,
  buyerPays,
  expectVaultHoldsWhatItOwes,
  feeOf,
  floorDiv,
  h100Params,
  latestTime,
  listSeries,
  marketFixture,
  markValueOf,
  notionalOf,
  pushIndexAt,
  sellerReceives,
  settlementCashOf,
  solvencyCheckedLoader,
  trade,
  twapOfRounds,
  type IndexRound,
  type MarketFx,
  depositFrom,
  fundInsurance,
  pushQuorum,
  stepIndexTo,
  listOnSecondFeed,
  positionTotals,
} from "./helpers/market.js";

const { networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const DELEVERAGER_ROLE = keccak256(toUtf8Bytes("DELEVERAGER_ROLE"));

const MULT = 100n;
/** The second series' multiplier (same feed, later expiry). */
const MULT_B = 50n;
const MAKER_BPS = 2n;
const TAKER_BPS = 5n;

const P250 = INITIAL_INDEX;
/** Where the index falls to: the 10 contracts are worth 1,897.000001 USD. */
const P_CRASH = 1_897_000_001_000_000_000n;
/** Where the index rises to for the short: 10 contracts are worth 3,053.0000005 USD. */
const P_SPIKE = 3_053_000_000_500_000_000n;
/** The index stored inside the settlement window. */
const V_WINDOW = 1_850_000_000_000_000_007n;
const MAX_UINT64 = 2n ** 64n - 1n;

/** erin's deposit: 521.25 USD. */
const ERIN_DEPOSIT = 521_250_000n;
const N10 = notionalOf(10n, P250, MULT);
const N3 = notionalOf(3n, P250, MULT);

// ------------------------------------------------------------------------------- reference model

interface Pos {
  size: bigint;
  entry: bigint;
}
/** An account in this market: its cash and its positions by series id. */
interface Account {
  cash: bigint;
  pos: Record<string, Pos>;
}
/** Each series' multiplier and reference price (mark or settlement price). */
type Refs = Record<string, { mult: bigint; price: bigint }>;

function min(...xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b < a ? b : a));
}

/** equity = cash + sum(floor(size x multiplier x price / scale)). */
function equityOf(a: Account, refs: Refs): bigint {
  let equity = a.cash;
  for (const [series, p] of Object.entries(a.pos)) {
    if (p.size !== 0n) equity += markValueOf(p.size, refs[series].price, refs[series].mult);
  }
  return equity;
}

/**
 * A position after a trade of `delta` at `price` (docs/market.md, Accounting): adding keeps
 * entry += delta x multiplier x price; reducing keeps floor(entry x size' / size) and realises
 * cashFlow - (entry - entry'); closing or flipping realises size x multiplier x price - entry.
 */
function afterTrade(size: bigint, entry: bigint, delta: bigint, price: bigint, mult: bigint) {
  const newSize = size + delta;
  const tradeNotional = delta * mult * price;
  if (size === 0n || size > 0n === delta > 0n) return { size: newSize, entry: entry + tradeNotional, realised: 0n };
  if (newSize !== 0n && newSize > 0n === size > 0n) {
    const num = size < 0n ? -(entry * newSize) : entry * newSize;
    const newEntry = floorDiv(num, abs(size));
    return { size: newSize, entry: newEntry, realised: -tradeNotional - (entry - newEntry) };
  }
  return { size: newSize, entry: newSize * mult * price, realised: size * mult * price - entry };
}

/** What `deleverage(bankrupt, series, counterparty, requested)` does, per IFuturesMarket.deleverage. */
function deleverageOf(
  bankrupt: Account,
  counterparty: Account,
  insurance: bigint,
  series: string,
  requested: bigint,
  refs: Refs,
) {
  const { mult, price } = refs[series];
  const position = bankrupt.pos[series];
  const closed = min(requested, abs(position.size));
  const equity = equityOf(bankrupt, refs);
  const drawn = insurance;
  const deficit = -equity - drawn;
  const notional = closed * mult * price;
  let accountNotional = 0n;
  for (const [s, p] of Object.entries(bankrupt.pos)) accountNotional += abs(p.size) * refs[s].mult * refs[s].price;
  let share = (deficit * notional) / accountNotional;

  // The bankrupt account trades toward zero; the counterparty the other way.
  const delta = position.size > 0n ? -closed : closed;
  const b = afterTrade(position.size, position.entry, delta, price, mult);
  const cp = counterparty.pos[series];
  const c = afterTrade(cp.size, cp.entry, -delta, price, mult);
  const paid = buyerPays(notional);
  const received = sellerReceives(notional);
  const after: Account = {
    cash: bankrupt.cash + drawn + (delta < 0n ? received : -paid),
    pos: { ...bankrupt.pos, [series]: { size: b.size, entry: b.entry } },
  };
  const cpAfter: Account = {
    cash: counterparty.cash + (delta < 0n ? -paid : received),
    pos: { ...counterparty.pos, [series]: { size: c.size, entry: c.entry } },
  };
  if (Object.values(after.pos).every((p) => p.size === 0n)) {
    // The account's last position here takes whatever debt is left.
    const left = equityOf(after, refs);
    share = left < 0n ? -left : 0n;
  }
  after.cash += share;
  cpAfter.cash -= share;
  return {
    closed,
    equity,
    drawn,
    deficit,
    share,
    notional,
    dust: paid - received,
    bankrupt: after,
    counterparty: cpAfter,
    bankruptRealised: b.realised,
    counterpartyRealised: c.realised,
    counterpartyEquity: equityOf(cpAfter, refs),
  };
}

// ------------------------------------------------------------------------------- books

/** erin's cash after buying 10 at 2.50 as taker: 521.25 - 2,500 - 1.25 = -1,980 USD. */
const LONG_CASH = ERIN_DEPOSIT - buyerPays(N10) - feeOf(N10, TAKER_BPS);
/** erin's cash after selling 10 at 2.50 as taker: 521.25 + 2,500 - 1.25 = 3,020 USD. */
const SHORT_CASH = ERIN_DEPOSIT + sellerReceives(N10) - feeOf(N10, TAKER_BPS);

/** erin long 10 and alice short 10 (maker), bought at 2.50. */
function longBook(series: string) {
  return {
    erin: { cash: LONG_CASH, pos: { [series]: { size: 10n, entry: N10 } } } as Account,
    alice: {
      cash: DEPOSIT + sellerReceives(N10) - feeOf(N10, MAKER_BPS),
      pos: { [series]: { size: -10n, entry: -N10 } },
    } as Account,
    carol: {
      cash: DEPOSIT + sellerReceives(N3) - feeOf(N3, MAKER_BPS),
      pos: { [series]: { size: -3n, entry: -N3 } },
    } as Account,
  };
}

/** erin short 10 and alice long 10 (maker), at 2.50. */
function shortBook(series: string) {
  return {
    erin: { cash: SHORT_CASH, pos: { [series]: { size: -10n, entry: -N10 } } } as Account,
    alice: {
      cash: DEPOSIT - buyerPays(N10) - feeOf(N10, MAKER_BPS),
      pos: { [series]: { size: 10n, entry: N10 } },
    } as Account,
  };
}

function refsOf(series: string, price: bigint): Refs {
  return { [series]: { mult: MULT, price } };
}

// ------------------------------------------------------------------------------- set-up

function by(fx: MarketFx, signer: Signer): FuturesMarket {
  return fx.market.connect(signer) as FuturesMarket;
}

/** The market fixture plus erin and frank (nothing deposited yet). */
async function withTraders(connection: NetworkConnection) {
  const fx = await marketFixture(connection);
  const signers = await connection.ethers.getSigners();
  return { ...fx, erin: signers[8], frank: signers[9] };
}

/** erin (521.25 USD) buys 10 at 2.50 from alice; bob buys 3 at 2.50 from carol. */
async function longFixture(connection: NetworkConnection) {
  const fx = await withTraders(connection);
  await depositFrom(fx, fx.erin, ERIN_DEPOSIT);
  await trade(fx, fx.alice, fx.erin, { size: 10n, price: P250 });
  await trade(fx, fx.carol, fx.bob, { size: 3n, price: P250 });
  return fx;
}

/** longFixture after the index fell to P_CRASH: erin's equity is -82.999999 USD. */
async function crashFixture(connection: NetworkConnection) {
  const fx = await longFixture(connection);
  const path = await stepIndexTo(fx, time, P_CRASH);
  return { ...fx, path };
}

/** erin (521.25 USD) sells 10 at 2.50 to alice; then the index rises to P_SPIKE. */
async function shortFixture(connection: NetworkConnection) {
  const fx = await withTraders(connection);
  await depositFrom(fx, fx.erin, ERIN_DEPOSIT);
  await trade(fx, fx.alice, fx.erin, { makerIsBuy: true, size: 10n, price: P250 });
  await stepIndexTo(fx, time, P_SPIKE);
  return fx;
}

/** A second series on the same feed: multiplier 50, expiry 60 days out. */
async function listSeriesB(fx: MarketFx) {
  const now = await latestTime(fx);
  const expiry = now + 60n * 86_400n;
  const paramsB = h100Params(now, { multiplier: MULT_B, expiry, lastTradingTime: expiry - HOUR });
  const { id: seriesB } = await listSeries(fx, paramsB);
  return { paramsB, seriesB };
}

/** erin (625 USD) buys 10 of the H100 series and 4 of series B from alice at 2.50; then the crash. */
async function twoSeriesFixture(connection: NetworkConnection) {
  const fx = await withTraders(connection);
  const { paramsB, seriesB } = await listSeriesB(fx);
  await depositFrom(fx, fx.erin, 625n * USD);
  await trade(fx, fx.alice, fx.erin, { size: 10n, price: P250 });
  await trade(fx, fx.alice, fx.erin, { size: 4n, price: P250, series: seriesB });
  await stepIndexTo(fx, time, P_CRASH);
  return { ...fx, paramsB, seriesB };
}

/** frank's deposit: just enough for his short of 10 and his long of 206 in series B. */
const FRANK_DEPOSIT = 5_664n * USD;
const FRANK_B_SIZE = 206n;

/**
 * frank (5,664 USD) sells 10 at 2.50 to erin (521.25 USD) and buys 206 of series B from bob at
 * 2.50. The crash makes his short profitable and his long lose more: he is thin, not bankrupt.
 */
async function thinCounterpartyFixture(connection: NetworkConnection) {
  const fx = await withTraders(connection);
  const { seriesB } = await listSeriesB(fx);
  await depositFrom(fx, fx.erin, ERIN_DEPOSIT);
  await depositFrom(fx, fx.frank, FRANK_DEPOSIT);
  await trade(fx, fx.frank, fx.erin, { size: 10n, price: P250 });
  await trade(fx, fx.bob, fx.frank, { size: FRANK_B_SIZE, price: P250, series: seriesB });
  await stepIndexTo(fx, time, P_CRASH);
  return { ...fx, seriesB };
}

/**
 * crashFixture 30 days on: P_CRASH stored again 100 s before the settlement window and V_WINDOW
 * 1,200 s into it; the chain stands there. `price` is the reference settlement price.
 */
async function windowFixture(connection: NetworkConnection) {
  return inSettlementWindow(connection, await crashFixture(connection));
}

/** Stores P_CRASH 100 s before `fx`'s settlement window and V_WINDOW 1,200 s into it. */
async function inSettlementWindow<T extends DelFx>(connection: NetworkConnection, fx: T) {
  const clock = connection.networkHelpers;
  const start = fx.params.expiry - fx.params.settlementWindow;
  const rounds: IndexRound[] = [
    await pushIndexAt(fx, clock, P_CRASH, start - 100n),
    await pushIndexAt(fx, clock, V_WINDOW, start + 1200n),
  ];
  return { ...fx, start, rounds, price: twapOfRounds(rounds, start, fx.params.expiry) };
}

/** windowFixture, settled by an outsider 10 minutes after expiry. */
async function settledFixture(connection: NetworkConnection) {
  return settledBy(connection, await windowFixture(connection));
}

async function settledBy<T extends DelFx>(connection: NetworkConnection, fx: T) {
  await connection.networkHelpers.time.increaseTo(fx.params.expiry + 600n);
  const receipt = await (await by(fx, fx.outsider).settleSeries(fx.series)).wait();
  return { ...fx, settledAt: await blockTimeOf(fx, receipt) };
}

/**
 * Two accounts in debt at settlement: frank bought the same 10 contracts from alice as erin,
 * with the same deposit; then the crash, the window and settleSeries as in settledFixture.
 */
async function twoDebtorsSettledFixture(connection: NetworkConnection) {
  const fx = await withTraders(connection);
  await depositFrom(fx, fx.erin, ERIN_DEPOSIT);
  await depositFrom(fx, fx.frank, ERIN_DEPOSIT);
  await trade(fx, fx.alice, fx.erin, { size: 10n, price: P250 });
  await trade(fx, fx.alice, fx.frank, { size: 10n, price: P250 });
  await trade(fx, fx.carol, fx.bob, { size: 3n, price: P250 });
  await stepIndexTo(fx, time, P_CRASH);
  return settledBy(connection, await inSettlementWindow(connection, fx));
}

/** erin also holds 1 contract of a series on a second feed, which goes stale; the H100 index stays fresh. */
async function stalePositionFixture(connection: NetworkConnection) {
  const fx = await withTraders(connection);
  const { series: otherSeries } = await listOnSecondFeed(fx);
  await depositFrom(fx, fx.erin, ERIN_DEPOSIT + 60n * USD);
  await trade(fx, fx.alice, fx.erin, { series: otherSeries, size: 1n });
  await trade(fx, fx.alice, fx.erin, { size: 10n, price: P250 });
  await stepIndexTo(fx, time, P_CRASH);
  await time.increase(HEARTBEAT);
  await pushQuorum(fx, P_CRASH);
  return fx;
}

type DelFx = Awaited<ReturnType<typeof withTraders>>;

/** Everyone who may hold a position in the tests. */
function accountsOf(fx: DelFx): string[] {
  return [fx.admin, fx.alice, fx.bob, fx.carol, fx.dave, fx.outsider, fx.erin, fx.frank].map((s) => s.address);
}

/** Sum of all sizes, sum of long sizes and the series' open interest. */
async function sidesOf(fx: DelFx, series: string = fx.series) {
  const { sum, longs, openInterest } = await positionTotals(fx, accountsOf(fx), series);
  return { sum, longs, openInterest };
}

async function positionOf(fx: DelFx, account: string, series: string = fx.series): Promise<Pos> {
  const p = await fx.market.positionOf(account, series);
  return { size: p.size, entry: p.entryNotional };
}

// ------------------------------------------------------------------------------- tests

describe("FuturesMarket: deleveraging", function () {
  /** Loads a fixture; after each test its vault must hold exactly what it owes. */
  const load = solvencyCheckedLoader(loadFixture);

  describe("the set-up", function () {
    it("takes erin's long to equity -82.999999 USD at a mark equal to the index, with an empty fund", async function () {
      const fx = await load(crashFixture);
      const book = longBook(fx.series);
      const equity = equityOf(book.erin, refsOf(fx.series, P_CRASH));
      expect(equity).to.equal(-82_999_999n);
      const state = await fx.market.seriesState(fx.series);
      expect([state.index, state.basis, state.markPrice]).to.deep.equal([P_CRASH, 0n, P_CRASH]);
      const m = await fx.vault.accountMargin(fx.erin.address);
      expect([m.cash, m.equity]).to.deep.equal([book.erin.cash, equity]);
      expect(await fx.vault.insuranceFund()).to.equal(0n);
    });

    it("gives the deleverager role (keccak256('DELEVERAGER_ROLE')) to the admin", async function () {
      const fx = await load(marketFixture);
      expect(await fx.market.DELEVERAGER_ROLE()).to.equal(DELEVERAGER_ROLE);
      expect(await fx.market.hasRole(DELEVERAGER_ROLE, fx.admin.address)).to.equal(true);
      expect(await fx.market.hasRole(DELEVERAGER_ROLE, fx.outsider.address)).to.equal(false);
    });
  });

  // ----------------------------------------------------------------------------- refusals

  describe("refusals", function () {
    it("refuses a caller without the role: AccessControlUnauthorizedAccount(caller, DELEVERAGER_ROLE)", async function () {
      const fx = await load(crashFixture);
      for (const caller of [fx.outsider, fx.alice, fx.erin]) {
        await expect(by(fx, caller).deleverage(fx.erin.address, fx.series, fx.alice.address, 5n))
          .to.be.revertedWithCustomError(fx.market, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, DELEVERAGER_ROLE);
      }
    });

    it("lets an account the admin granted the role deleverage", async function () {
      const fx = await load(crashFixture);
      await (await fx.market.grantRole(DELEVERAGER_ROLE, fx.outsider.address)).wait();
      await expect(by(fx, fx.outsider).deleverage(fx.erin.address, fx.series, fx.alice.address, 5n)).to.emit(
        fx.market,
        "PositionDeleveraged",
      );
    });

    it("refuses the account as its own counterparty: SelfTrade(account), before any other check", async function () {
      const fx = await load(crashFixture);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.erin.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "SelfTrade")
        .withArgs(fx.erin.address);
      await expect(fx.market.deleverage(fx.erin.address, id("no such series"), fx.erin.address, 0n))
        .to.be.revertedWithCustomError(fx.market, "SelfTrade")
        .withArgs(fx.erin.address);
    });

    it("refuses a zero size: ZeroSize(), before the series is looked up", async function () {
      const fx = await load(crashFixture);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 0n))
        .to.be.revertedWithCustomError(fx.market, "ZeroSize")
        .withArgs();
      await expect(fx.market.deleverage(fx.erin.address, id("no such series"), fx.alice.address, 0n))
        .to.be.revertedWithCustomError(fx.market, "ZeroSize")
        .withArgs();
    });

    it("refuses an unknown series: UnknownSeries(series)", async function () {
      const fx = await load(crashFixture);
      const unknown = id("no such series");
      await expect(fx.market.deleverage(fx.erin.address, unknown, fx.alice.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "UnknownSeries")
        .withArgs(unknown);
    });

    it("refuses an expired series before settleSeries: SeriesNotSettled(series)", async function () {
      const fx = await load(windowFixture);
      await time.setNextBlockTimestamp(fx.params.expiry);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "SeriesNotSettled")
        .withArgs(fx.series);
    });

    it("refuses a live series whose index is stale: StaleIndex(feed), before the positions are looked at", async function () {
      const fx = await load(crashFixture);
      await time.increase(HEARTBEAT + 1n);
      expect((await fx.market.seriesState(fx.series)).indexStale).to.equal(true);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "StaleIndex")
        .withArgs(FEED);
      // dave holds nothing: still StaleIndex, not NoPosition.
      await expect(fx.market.deleverage(fx.dave.address, fx.series, fx.alice.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "StaleIndex")
        .withArgs(FEED);
    });

    it("refuses an account without a position in the series: NoPosition(account, series)", async function () {
      const fx = await load(crashFixture);
      await expect(fx.market.deleverage(fx.dave.address, fx.series, fx.alice.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "NoPosition")
        .withArgs(fx.dave.address, fx.series);
    });

    it("refuses a counterparty on the same side: NoOppositePosition(counterparty, series, its size, closed)", async function () {
      const fx = await load(crashFixture);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.bob.address, 3n))
        .to.be.revertedWithCustomError(fx.market, "NoOppositePosition")
        .withArgs(fx.bob.address, fx.series, 3n, 3n);
    });

    it("refuses a counterparty without a position: NoOppositePosition(counterparty, series, 0, closed)", async function () {
      const fx = await load(crashFixture);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.dave.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "NoOppositePosition")
        .withArgs(fx.dave.address, fx.series, 0n, 5n);
    });

    it("refuses a counterparty holding fewer contracts than are closed: NoOppositePosition(counterparty, series, -3, 5)", async function () {
      const fx = await load(crashFixture);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.carol.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "NoOppositePosition")
        .withArgs(fx.carol.address, fx.series, -3n, 5n);
    });

    it("compares the counterparty with the clamped size: NoOppositePosition(carol, series, -3, 10) for a request of 2^64 - 1", async function () {
      const fx = await load(crashFixture);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.carol.address, MAX_UINT64))
        .to.be.revertedWithCustomError(fx.market, "NoOppositePosition")
        .withArgs(fx.carol.address, fx.series, -3n, 10n);
    });

    it("checks the counterparty before solvency: NoOppositePosition for a healthy account", async function () {
      const fx = await load(longFixture);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.bob.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "NoOppositePosition")
        .withArgs(fx.bob.address, fx.series, 3n, 5n);
    });

    it("refuses while another position of the account is valued at a stale index: StalePositionIndex(account)", async function () {
      const fx = await load(stalePositionFixture);
      const m = await fx.vault.accountMargin(fx.erin.address);
      expect(m.indexStale).to.equal(true);
      expect((await fx.market.seriesState(fx.series)).indexStale).to.equal(false);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "StalePositionIndex")
        .withArgs(fx.erin.address);
    });

    it("refuses a healthy account: NotBankrupt(account, equity, insuranceFund)", async function () {
      const fx = await load(longFixture);
      const equity = equityOf(longBook(fx.series).erin, refsOf(fx.series, P250));
      expect(equity).to.equal(520n * USD);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "NotBankrupt")
        .withArgs(fx.erin.address, equity, 0n);
    });

    it("refuses an account whose debt the insurance fund covers exactly: NotBankrupt(account, equity, fund)", async function () {
      const fx = await load(crashFixture);
      const equity = equityOf(longBook(fx.series).erin, refsOf(fx.series, P_CRASH));
      await fundInsurance(fx, -equity);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "NotBankrupt")
        .withArgs(fx.erin.address, equity, -equity);
    });

    it("deleverages once the fund is one unit short of the debt: it pays all it holds, the counterparty the last unit", async function () {
      const fx = await load(crashFixture);
      const book = longBook(fx.series);
      const refs = refsOf(fx.series, P_CRASH);
      const fund = -equityOf(book.erin, refs) - 1n;
      await fundInsurance(fx, fund);
      const d = deleverageOf(book.erin, book.alice, fund, fx.series, 10n, refs);
      expect([d.drawn, d.deficit]).to.deep.equal([fund, 1n]);
      const tx = fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 10n);
      await expect(tx).to.emit(fx.vault, "InsuranceDrawn").withArgs(fx.marketAddress, fx.erin.address, fund);
      await expect(tx)
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.erin.address, fx.series, fx.alice.address, 10n, P_CRASH, d.share);
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(0n);
      expect(await fx.vault.insuranceFund()).to.equal(0n);
    });

    it("refuses a counterparty that would be left with negative equity: CounterpartyWouldBeBankrupt(counterparty, equityAfter)", async function () {
      const fx = await load(thinCounterpartyFixture);
      const nB = notionalOf(FRANK_B_SIZE, P250, MULT_B);
      const erin: Account = { cash: LONG_CASH, pos: { [fx.series]: { size: 10n, entry: N10 } } };
      const frank: Account = {
        cash: FRANK_DEPOSIT + sellerReceives(N10) - feeOf(N10, MAKER_BPS) - buyerPays(nB) - feeOf(nB, TAKER_BPS),
        pos: { [fx.series]: { size: -10n, entry: -N10 }, [fx.seriesB]: { size: FRANK_B_SIZE, entry: nB } },
      };
      const refs: Refs = { ...refsOf(fx.series, P_CRASH), [fx.seriesB]: { mult: MULT_B, price: P_CRASH } };
      const frankEquity = equityOf(frank, refs);
      expect((await fx.vault.accountMargin(fx.frank.address)).equity).to.equal(frankEquity);
      const d = deleverageOf(erin, frank, 0n, fx.series, 10n, refs);
      // frank holds 42.725009 USD of equity; erin's whole debt is 82.999999 USD.
      expect([frankEquity, d.share]).to.deep.equal([42_725_009n, 82_999_999n]);
      expect(d.counterpartyEquity < 0n).to.equal(true);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.frank.address, 10n))
        .to.be.revertedWithCustomError(fx.market, "CounterpartyWouldBeBankrupt")
        .withArgs(fx.frank.address, d.counterpartyEquity);
    });

    it("lets the thin counterparty take half (its equity stays >= 0), and refuses it the other half", async function () {
      const fx = await load(thinCounterpartyFixture);
      const nB = notionalOf(FRANK_B_SIZE, P250, MULT_B);
      const erin: Account = { cash: LONG_CASH, pos: { [fx.series]: { size: 10n, entry: N10 } } };
      const frank: Account = {
        cash: FRANK_DEPOSIT + sellerReceives(N10) - feeOf(N10, MAKER_BPS) - buyerPays(nB) - feeOf(nB, TAKER_BPS),
        pos: { [fx.series]: { size: -10n, entry: -N10 }, [fx.seriesB]: { size: FRANK_B_SIZE, entry: nB } },
      };
      const refs: Refs = { ...refsOf(fx.series, P_CRASH), [fx.seriesB]: { mult: MULT_B, price: P_CRASH } };
      const first = deleverageOf(erin, frank, 0n, fx.series, 5n, refs);
      expect(first.counterpartyEquity >= 0n).to.equal(true);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.frank.address, 5n))
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.erin.address, fx.series, fx.frank.address, 5n, P_CRASH, first.share);
      expect((await fx.vault.accountMargin(fx.frank.address)).equity).to.equal(first.counterpartyEquity);
      const second = deleverageOf(first.bankrupt, first.counterparty, 0n, fx.series, 5n, refs);
      expect(second.counterpartyEquity < 0n).to.equal(true);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.frank.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "CounterpartyWouldBeBankrupt")
        .withArgs(fx.frank.address, second.counterpartyEquity);
    });
  });

  // ----------------------------------------------------------------------------- a bankrupt long

  describe("a bankrupt long against a profitable short, in two halves", function () {
    function expected(series: string) {
      const book = longBook(series);
      const refs = refsOf(series, P_CRASH);
      const first = deleverageOf(book.erin, book.alice, 0n, series, 5n, refs);
      const second = deleverageOf(first.bankrupt, first.counterparty, 0n, series, 5n, refs);
      return { book, refs, first, second };
    }

    it("first half: the counterparty pays floor(deficit x closed notional / account notional)", async function () {
      const fx = await load(crashFixture);
      const { first } = expected(fx.series);
      // deficit 82.999999 USD, half of the notional: floor(82,999,999 / 2) units.
      expect([first.deficit, first.share]).to.deep.equal([82_999_999n, 41_499_999n]);
      expect(await fx.market.deleverage.staticCall(fx.erin.address, fx.series, fx.alice.address, 5n)).to.equal(5n);
      const tx = fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n);
      await expect(tx)
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.erin.address, fx.series, fx.alice.address, 5n, P_CRASH, first.share);
      await expect(tx).not.to.emit(fx.vault, "InsuranceDrawn");
      await expect(tx).not.to.emit(fx.market, "BadDebt");
      await expect(tx).not.to.emit(fx.market, "OrderFilled");
    });

    it("first half: PositionChanged for both, at the mark, with their realised PnL", async function () {
      const fx = await load(crashFixture);
      const { book, first } = expected(fx.series);
      const erin = first.bankrupt.pos[fx.series];
      const alice = first.counterparty.pos[fx.series];
      expect([erin.size, erin.entry, alice.size, alice.entry]).to.deep.equal([5n, N10 / 2n, -5n, -N10 / 2n]);
      // erin sold 5 at 1.897000001 bought at 2.50; alice bought back 5 sold at 2.50.
      expect(first.bankruptRealised).to.equal(5n * MULT * P_CRASH - N10 / 2n);
      expect(first.counterpartyRealised).to.equal(N10 / 2n - 5n * MULT * P_CRASH);
      const tx = fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n);
      await expect(tx)
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.erin.address, fx.series, erin.size, erin.entry, first.bankruptRealised);
      await expect(tx)
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.alice.address, fx.series, alice.size, alice.entry, first.counterpartyRealised);
      await (await tx).wait();
      expect(await positionOf(fx, fx.erin.address)).to.deep.equal(erin);
      expect(await positionOf(fx, fx.alice.address)).to.deep.equal(alice);
      expect(book.erin.pos[fx.series].size).to.equal(10n); // the model did not mutate the book
    });

    it("first half: moves the notional (buyer rounds up, dust to fees), then the share; no fee, no penalty, no basis change", async function () {
      const fx = await load(crashFixture);
      const { book, refs, first } = expected(fx.series);
      // 5 x 100 x 1.897000001 = 948.5000005 USD: the seller gets 948.500000, the buyer pays 948.500001.
      expect(first.dust).to.equal(1n);
      const feesBefore = await fx.vault.feeBalance();
      const basisBefore = (await fx.market.seriesState(fx.series)).basis;
      await (await fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n)).wait();
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(
        book.erin.cash + sellerReceives(notionalOf(5n, P_CRASH, MULT)) + first.share,
      );
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(
        book.alice.cash - buyerPays(notionalOf(5n, P_CRASH, MULT)) - first.share,
      );
      expect(await fx.vault.feeBalance()).to.equal(feesBefore + first.dust);
      expect(await fx.vault.insuranceFund()).to.equal(0n);
      expect((await fx.market.seriesState(fx.series)).basis).to.equal(basisBefore);
      // erin is still bankrupt, by about the other half of the debt (plus the unit the split lost).
      const erinEquity = equityOf(first.bankrupt, refs);
      expect(erinEquity).to.equal(-(first.deficit - first.share) - 1n);
      expect((await fx.vault.accountMargin(fx.erin.address)).equity).to.equal(erinEquity);
      await expectVaultHoldsWhatItOwes(fx);
    });

    it("last half: takes the whole remaining debt and leaves the account at exactly zero cash and no position", async function () {
      const fx = await load(crashFixture);
      const { second } = expected(fx.series);
      await (await fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n)).wait();
      expect(second.bankrupt.cash).to.equal(0n);
      const tx = fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n);
      await expect(tx)
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.erin.address, fx.series, fx.alice.address, 5n, P_CRASH, second.share);
      await expect(tx)
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.erin.address, fx.series, 0n, 0n, second.bankruptRealised);
      await expect(tx)
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.alice.address, fx.series, 0n, 0n, second.counterpartyRealised);
      await expect(tx).not.to.emit(fx.market, "BadDebt");
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(0n);
      expect(await positionOf(fx, fx.erin.address)).to.deep.equal({ size: 0n, entry: 0n });
      expect(await fx.market.openSeriesOf(fx.erin.address)).to.deep.equal([]);
      const m = await fx.vault.accountMargin(fx.erin.address);
      expect([m.equity, m.openPositions]).to.deep.equal([0n, 0n]);
    });

    it("charges the counterparty the notional of both halves and the whole deficit; its position is gone", async function () {
      const fx = await load(crashFixture);
      const { book, first, second } = expected(fx.series);
      await (await fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n)).wait();
      await (await fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n)).wait();
      const half = buyerPays(notionalOf(5n, P_CRASH, MULT));
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(book.alice.cash - 2n * half - first.share - second.share);
      expect(second.counterparty.cash).to.equal(book.alice.cash - 2n * half - first.share - second.share);
      expect(await positionOf(fx, fx.alice.address)).to.deep.equal({ size: 0n, entry: 0n });
      // Together erin's debt (82.999999 USD, plus the unit lost to the split of her position's value).
      expect(first.share + second.share).to.equal(82_999_999n + 1n);
      // alice's realised PnL over both halves: sold 10 at 2.50, bought back at 1.897000001.
      expect(first.counterpartyRealised + second.counterpartyRealised).to.equal(N10 - 10n * MULT * P_CRASH);
      // alice keeps her equity from before less what she took over.
      const aliceEquityBefore = equityOf(book.alice, refsOf(fx.series, P_CRASH));
      expect((await fx.vault.accountMargin(fx.alice.address)).equity).to.equal(
        // As buyer she paid 948.5000005 USD rounded up twice: one unit more than her position's value.
        aliceEquityBefore - first.share - second.share - 1n,
      );
    });

    it("keeps the sizes zero-sum and the open interest equal to the longs; the vault holds what it owes", async function () {
      const fx = await load(crashFixture);
      expect(await sidesOf(fx)).to.deep.equal({ sum: 0n, longs: 13n, openInterest: 13n });
      await (await fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n)).wait();
      expect(await sidesOf(fx)).to.deep.equal({ sum: 0n, longs: 8n, openInterest: 8n });
      await expectVaultHoldsWhatItOwes(fx);
      await (await fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n)).wait();
      // bob 3 long, carol 3 short.
      expect(await sidesOf(fx)).to.deep.equal({ sum: 0n, longs: 3n, openInterest: 3n });
      await expectVaultHoldsWhatItOwes(fx);
    });

    it("refuses a third call: NoPosition(account, series)", async function () {
      const fx = await load(crashFixture);
      await (await fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n)).wait();
      await (await fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n)).wait();
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n))
        .to.be.revertedWithCustomError(fx.market, "NoPosition")
        .withArgs(fx.erin.address, fx.series);
    });
  });

  describe("clamping, counterparties and the insurance fund", function () {
    it("clamps a size larger than the position and returns the closed size", async function () {
      const fx = await load(crashFixture);
      const book = longBook(fx.series);
      const d = deleverageOf(book.erin, book.alice, 0n, fx.series, MAX_UINT64, refsOf(fx.series, P_CRASH));
      expect([d.closed, d.share]).to.deep.equal([10n, 82_999_999n]);
      expect(
        await fx.market.deleverage.staticCall(fx.erin.address, fx.series, fx.alice.address, MAX_UINT64),
      ).to.equal(10n);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, MAX_UINT64))
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.erin.address, fx.series, fx.alice.address, 10n, P_CRASH, d.share);
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(0n);
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(d.counterparty.cash);
      expect(await positionOf(fx, fx.alice.address)).to.deep.equal({ size: 0n, entry: 0n });
      expect(await sidesOf(fx)).to.deep.equal({ sum: 0n, longs: 3n, openInterest: 3n });
    });

    it("closes against a counterparty holding exactly the closed size (carol, short 3)", async function () {
      const fx = await load(crashFixture);
      const book = longBook(fx.series);
      const d = deleverageOf(book.erin, book.carol, 0n, fx.series, 3n, refsOf(fx.series, P_CRASH));
      // floor(82,999,999 x 3 / 10)
      expect(d.share).to.equal(24_899_999n);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.carol.address, 3n))
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.erin.address, fx.series, fx.carol.address, 3n, P_CRASH, d.share);
      expect(await positionOf(fx, fx.carol.address)).to.deep.equal({ size: 0n, entry: 0n });
      expect(await fx.market.openSeriesOf(fx.carol.address)).to.deep.equal([]);
      expect(await fx.vault.cashOf(fx.carol.address)).to.equal(d.counterparty.cash);
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(d.bankrupt.cash);
      expect(await sidesOf(fx)).to.deep.equal({ sum: 0n, longs: 10n, openInterest: 10n });
    });

    it("draws the whole insurance fund first (InsuranceDrawn) and shares only the rest", async function () {
      const fx = await load(crashFixture);
      const fund = 30n * USD;
      await fundInsurance(fx, fund);
      const book = longBook(fx.series);
      const refs = refsOf(fx.series, P_CRASH);
      const first = deleverageOf(book.erin, book.alice, fund, fx.series, 5n, refs);
      // deficit 82.999999 - 30 = 52.999999 USD; half of it rounded down.
      expect([first.drawn, first.deficit, first.share]).to.deep.equal([fund, 52_999_999n, 26_499_999n]);
      const tx = fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n);
      await expect(tx).to.emit(fx.vault, "InsuranceDrawn").withArgs(fx.marketAddress, fx.erin.address, fund);
      await expect(tx)
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.erin.address, fx.series, fx.alice.address, 5n, P_CRASH, first.share);
      expect(await fx.vault.insuranceFund()).to.equal(0n);
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(first.bankrupt.cash);
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(first.counterparty.cash);

      // The second half: the fund is empty, nothing more is drawn; erin ends at zero.
      const second = deleverageOf(first.bankrupt, first.counterparty, 0n, fx.series, 5n, refs);
      const tx2 = fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 5n);
      await expect(tx2).not.to.emit(fx.vault, "InsuranceDrawn");
      await expect(tx2)
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.erin.address, fx.series, fx.alice.address, 5n, P_CRASH, second.share);
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(0n);
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(second.counterparty.cash);
      // The fund and alice together covered the debt.
      expect(fund + first.share + second.share).to.equal(82_999_999n + 1n);
      await expectVaultHoldsWhatItOwes(fx);
    });

    it("shares pro rata to the notional over all the account's series, the last series taking the rest", async function () {
      const fx = await load(twoSeriesFixture);
      const nB = notionalOf(4n, P250, MULT_B);
      const erin: Account = {
        cash: 625n * USD - buyerPays(N10) - feeOf(N10, TAKER_BPS) - buyerPays(nB) - feeOf(nB, TAKER_BPS),
        pos: { [fx.series]: { size: 10n, entry: N10 }, [fx.seriesB]: { size: 4n, entry: nB } },
      };
      const alice: Account = {
        cash: DEPOSIT + sellerReceives(N10) - feeOf(N10, MAKER_BPS) + sellerReceives(nB) - feeOf(nB, MAKER_BPS),
        pos: { [fx.series]: { size: -10n, entry: -N10 }, [fx.seriesB]: { size: -4n, entry: -nB } },
      };
      const refs: Refs = { ...refsOf(fx.series, P_CRASH), [fx.seriesB]: { mult: MULT_B, price: P_CRASH } };
      expect((await fx.vault.accountMargin(fx.erin.address)).equity).to.equal(equityOf(erin, refs));
      const first = deleverageOf(erin, alice, 0n, fx.series, 10n, refs);
      // 1,000 of the 1,200 index units erin holds: floor(deficit x 5 / 6).
      expect(first.deficit).to.equal(100_099_999n);
      expect(first.share).to.equal((100_099_999n * 5n) / 6n);
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 10n))
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.erin.address, fx.series, fx.alice.address, 10n, P_CRASH, first.share);
      expect(await fx.market.openSeriesOf(fx.erin.address)).to.deep.equal([fx.seriesB]);
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(first.bankrupt.cash);

      const second = deleverageOf(first.bankrupt, first.counterparty, 0n, fx.seriesB, 10n, refs);
      expect(second.closed).to.equal(4n);
      await expect(fx.market.deleverage(fx.erin.address, fx.seriesB, fx.alice.address, 10n))
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.erin.address, fx.seriesB, fx.alice.address, 4n, P_CRASH, second.share);
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(0n);
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(second.counterparty.cash);
      expect(await fx.market.openSeriesOf(fx.erin.address)).to.deep.equal([]);
      expect(await sidesOf(fx, fx.series)).to.deep.equal({ sum: 0n, longs: 0n, openInterest: 0n });
      expect(await sidesOf(fx, fx.seriesB)).to.deep.equal({ sum: 0n, longs: 0n, openInterest: 0n });
      await expectVaultHoldsWhatItOwes(fx);
    });
  });

  // ----------------------------------------------------------------------------- a bankrupt short

  describe("a bankrupt short against a profitable long", function () {
    it("the index rises to 3.0530000005: erin's short has equity -33.000001 USD", async function () {
      const fx = await load(shortFixture);
      const book = shortBook(fx.series);
      const equity = equityOf(book.erin, refsOf(fx.series, P_SPIKE));
      expect(equity).to.equal(-33_000_001n);
      expect((await fx.vault.accountMargin(fx.erin.address)).equity).to.equal(equity);
      expect((await fx.market.seriesState(fx.series)).markPrice).to.equal(P_SPIKE);
    });

    it("buys back 4 then 6: the account pays the notional rounded up, the long gets it rounded down and pays the shares", async function () {
      const fx = await load(shortFixture);
      const book = shortBook(fx.series);
      const refs = refsOf(fx.series, P_SPIKE);
      const first = deleverageOf(book.erin, book.alice, 0n, fx.series, 4n, refs);
      // floor(33,000,001 x 4 / 10)
      expect(first.share).to.equal(13_200_000n);
      const tx = fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 4n);
      await expect(tx)
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.erin.address, fx.series, fx.alice.address, 4n, P_SPIKE, first.share);
      await expect(tx)
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.erin.address, fx.series, -6n, first.bankrupt.pos[fx.series].entry, first.bankruptRealised);
      await expect(tx)
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.alice.address, fx.series, 6n, first.counterparty.pos[fx.series].entry, first.counterpartyRealised);
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(
        book.erin.cash - buyerPays(notionalOf(4n, P_SPIKE, MULT)) + first.share,
      );
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(
        book.alice.cash + sellerReceives(notionalOf(4n, P_SPIKE, MULT)) - first.share,
      );

      const second = deleverageOf(first.bankrupt, first.counterparty, 0n, fx.series, 6n, refs);
      const feesBefore = await fx.vault.feeBalance();
      await expect(fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 6n))
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.erin.address, fx.series, fx.alice.address, 6n, P_SPIKE, second.share);
      // 6 x 100 x 3.0530000005 = 1,831.8000003 USD: erin pays the rounding unit.
      expect(await fx.vault.feeBalance()).to.equal(feesBefore + second.dust);
      expect(second.dust).to.equal(1n);
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(0n);
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(second.counterparty.cash);
      expect(await positionOf(fx, fx.erin.address)).to.deep.equal({ size: 0n, entry: 0n });
      expect(await positionOf(fx, fx.alice.address)).to.deep.equal({ size: 0n, entry: 0n });
      // alice bought 10 at 2.50 and sold them at 3.0530000005.
      expect(first.counterpartyRealised + second.counterpartyRealised).to.equal(10n * MULT * P_SPIKE - N10);
      expect(await sidesOf(fx)).to.deep.equal({ sum: 0n, longs: 0n, openInterest: 0n });
      await expectVaultHoldsWhatItOwes(fx);
    });
  });

  // ----------------------------------------------------------------------------- settled series

  describe("in a settled series, before accounts can settle", function () {
    it("closes at the settlement price, even with the index stale, and ends the account at zero", async function () {
      const fx = await load(settledFixture);
      const settlementDelay = await fx.market.ACCOUNT_SETTLEMENT_DELAY();
      expect(settlementDelay).to.equal(HOUR);
      // The settlement price is the TWAP of P_CRASH (1,200 s) and V_WINDOW (2,400 s).
      expect(fx.price).to.equal((P_CRASH * 1200n + V_WINDOW * 2400n) / 3600n);
      expect((await fx.market.seriesState(fx.series)).settlementPrice).to.equal(fx.price);
      // Past the index's heartbeat, still before the accounts' settlement opens.
      await time.increaseTo(fx.params.expiry + 1800n);
      const state = await fx.market.seriesState(fx.series);
      expect([state.indexStale, state.index]).to.deep.equal([true, V_WINDOW]);
      expect(fx.price).not.to.equal(V_WINDOW);

      const book = longBook(fx.series);
      const refs = refsOf(fx.series, fx.price);
      const d = deleverageOf(book.erin, book.alice, 0n, fx.series, 10n, refs);
      expect(d.equity < 0n).to.equal(true);
      expect((await fx.vault.accountMargin(fx.erin.address)).equity).to.equal(d.equity);
      const tx = fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 10n);
      await expect(tx)
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.erin.address, fx.series, fx.alice.address, 10n, fx.price, d.share);
      await expect(tx)
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.alice.address, fx.series, 0n, 0n, d.counterpartyRealised);
      const at = await blockTimeOf(fx, await (await tx).wait());
      expect(at < fx.settledAt + settlementDelay).to.equal(true);
      expect(await fx.vault.cashOf(fx.erin.address)).to.equal(0n);
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(d.counterparty.cash);
      expect(await fx.market.openSeriesOf(fx.erin.address)).to.deep.equal([]);
      expect(await sidesOf(fx)).to.deep.equal({ sum: 0n, longs: 3n, openInterest: 3n });
      await expectVaultHoldsWhatItOwes(fx);
    });

    it("leaves the others to settle once the delay has passed: the pool keeps only the rounding dust", async function () {
      const fx = await load(settledFixture);
      await (await fx.market.deleverage(fx.erin.address, fx.series, fx.alice.address, 10n)).wait();
      const opensAt = fx.settledAt + (await fx.market.ACCOUNT_SETTLEMENT_DELAY());
      await expect(fx.market.settleAccount(fx.bob.address, fx.series))
        .to.be.revertedWithCustomError(fx.market, "AccountSettlementNotOpen")
        .withArgs(fx.series, opensAt);
      await time.increaseTo(opensAt);
      for (const done of [fx.erin, fx.alice]) {
        await expect(fx.market.settleAccount(done.address, fx.series))
          .to.be.revertedWithCustomError(fx.market, "NothingToSettle")
          .withArgs(done.address, fx.series);
      }
      await (await fx.market.settleAccount(fx.bob.address, fx.series)).wait();
      await (await fx.market.settleAccount(fx.carol.address, fx.series)).wait();
      const pool = await fx.market.settlementPool(fx.series);
      // carol (short 3) paid the ceiling, bob (long 3) got the floor.
      expect(await fx.vault.cashOf(pool)).to.equal(
        -settlementCashOf(-3n, fx.price, MULT) - settlementCashOf(3n, fx.price, MULT),
      );
      expect(await sidesOf(fx)).to.deep.equal({ sum: 0n, longs: 0n, openInterest: 0n });
      await expectVaultHoldsWhatItOwes(fx);
    });
  });

  describe("in a settled series, the fund is used up in order before the others settle", function () {
    /** erin's (and frank's) equity at the settlement price: the same position and cash. */
    function equityAtSettlement(price: bigint, series: string): bigint {
      return deleverageOf(longBook(series).erin, longBook(series).alice, 0n, series, 10n, refsOf(series, price)).equity;
    }

    it("lets an account whose debt the fund covers settle within the delay: BadDebt(account, debt, debt, 0)", async function () {
      const fx = await load(settledFixture);
      const debt = -equityAtSettlement(fx.price, fx.series);
      expect(debt > 0n).to.equal(true);
      await fundInsurance(fx, debt);
      const tx = fx.market.settleAccount(fx.erin.address, fx.series);
      await expect(tx).to.emit(fx.market, "BadDebt").withArgs(fx.erin.address, debt, debt, 0n);
      const at = await blockTimeOf(fx, await (await tx).wait());
      expect(at < fx.settledAt + (await fx.market.ACCOUNT_SETTLEMENT_DELAY())).to.equal(true);
      expect([await fx.vault.cashOf(fx.erin.address), await fx.vault.insuranceFund()]).to.deep.equal([0n, 0n]);
    });

    it("still refuses, within the delay, an account in debt beyond the fund and one in profit", async function () {
      const fx = await load(settledFixture);
      const debt = -equityAtSettlement(fx.price, fx.series);
      await fundInsurance(fx, debt - 1n);
      const opensAt = fx.settledAt + (await fx.market.ACCOUNT_SETTLEMENT_DELAY());
      for (const account of [fx.erin, fx.alice]) {
        await expect(fx.market.settleAccount(account.address, fx.series))
          .to.be.revertedWithCustomError(fx.market, "AccountSettlementNotOpen")
          .withArgs(fx.series, opensAt);
      }
    });

    it("answers NothingToSettle within the delay for an account without a position", async function () {
      const fx = await load(settledFixture);
      await expect(fx.market.settleAccount(fx.dave.address, fx.series))
        .to.be.revertedWithCustomError(fx.market, "NothingToSettle")
        .withArgs(fx.dave.address, fx.series);
    });

    it("two debtors and a fund for one: the first settles on the fund, the second is deleveraged, nothing is left uncovered", async function () {
      const fx = await load(twoDebtorsSettledFixture);
      const equity = equityAtSettlement(fx.price, fx.series);
      const fund = -equity + 1n * USD; // covers either account, not both
      await fundInsurance(fx, fund);
      // Each alone is covered: not bankrupt yet.
      await expect(fx.market.deleverage(fx.frank.address, fx.series, fx.alice.address, 10n))
        .to.be.revertedWithCustomError(fx.market, "NotBankrupt")
        .withArgs(fx.frank.address, equity, fund);
      await (await fx.market.settleAccount(fx.erin.address, fx.series)).wait();
      expect(await fx.vault.insuranceFund()).to.equal(1n * USD);
      // Now frank's debt is beyond what is left: he is deleveraged against alice, fund first.
      await expect(fx.market.settleAccount(fx.frank.address, fx.series))
        .to.be.revertedWithCustomError(fx.market, "AccountSettlementNotOpen")
        .withArgs(fx.series, fx.settledAt + (await fx.market.ACCOUNT_SETTLEMENT_DELAY()));
      const tx = fx.market.deleverage(fx.frank.address, fx.series, fx.alice.address, 10n);
      await expect(tx).to.emit(fx.vault, "InsuranceDrawn").withArgs(fx.marketAddress, fx.frank.address, 1n * USD);
      await expect(tx)
        .to.emit(fx.market, "PositionDeleveraged")
        .withArgs(fx.frank.address, fx.series, fx.alice.address, 10n, fx.price, -equity - 1n * USD);
      await expect(tx).not.to.emit(fx.market, "BadDebt");
      expect([await fx.vault.cashOf(fx.frank.address), await fx.vault.insuranceFund()]).to.deep.equal([0n, 0n]);
      // The rest settle once the delay has passed; no account is left with negative cash.
      await time.increaseTo(fx.settledAt + (await fx.market.ACCOUNT_SETTLEMENT_DELAY()));
      const rest = [fx.alice, fx.bob, fx.carol].map((s) => s.address);
      await expect(fx.market.settleAccounts(fx.series, rest)).not.to.emit(fx.market, "BadDebt");
      for (const account of accountsOf(fx)) expect(await fx.vault.cashOf(account) >= 0n).to.equal(true);
      expect(await sidesOf(fx)).to.deep.equal({ sum: 0n, longs: 0n, openInterest: 0n });
    });
  });
});
