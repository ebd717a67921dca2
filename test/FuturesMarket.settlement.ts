/**
 * FuturesMarket expiry settlement: settleSeries fixes the settlement price at the index TWAP over
 * [expiry - settlementWindow, expiry] (and waits, reverting with the oracle's error, while the
 * oracle cannot cover the window); from ACCOUNT_SETTLEMENT_DELAY after settleSeries (the
 * deleveraging window; AccountSettlementNotOpen before) settleAccount / settleAccounts close
 * positions at that price against the series' settlement pool (longs paid floor(size x multiplier
 * x price / scale), shorts charged the ceiling); a settled position needs neither margin nor an
 * oracle; trading stops at lastTradingTime. When the oracle's ring has overwritten the window, the
 * guardian proposes a price (proposeSettlementPrice, from FALLBACK_DELAY after expiry, only while
 * the oracle's TWAP call fails) that settleSeries uses FALLBACK_TIMELOCK later if the oracle still
 * cannot answer. Every delay is read from the contract.
 *
 * Positions of the fixture (H100 series, multiplier 100):
 *   alice +10 bought from bob at 2.500; carol +4 from dave at 2.510 and +3 from bob at 2.490;
 *   so bob -13, dave -4, open interest 17.
 * Index rounds, stored at known block times around the window [start, expiry) of one hour:
 *   V0 at start - 100, V1 at start + 600, V2 at start + 1500, V3 at start + 2900 (extends to
 *   expiry). The expected settlement price is a brute-force, second-by-second mean of these
 *   rounds computed here (twapOfRounds), rounded down.
 * The fallback scenario (ringWindowFixture / ringLostFixture) has its own feed keeping RING = 3
 * rounds and a series on it: bob sells 10 to alice at 2.500, dave 4 to carol at 2.510; rounds
 * V0, V1, V2 cover the window, then RING + 1 rounds after expiry overwrite it.
 * After every test the vault must hold exactly what it owes: token balance == totalCash +
 * insuranceFund + feeBalance.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { AbiCoder, dataSlice, getAddress, keccak256, type ContractTransactionReceipt, type Signer } from "ethers";

import type { FuturesMarket, MarginVault } from "../types/ethers-contracts/index.js";
import {
  DAY,
  DEPOSIT,
  FEED,
  GUARDIAN_ROLE,
  HEARTBEAT,
  HOUR,
  INITIAL_INDEX,
  TICK,
  USD,
  accountSettlementOpensAt,
  blockTimeOf,
  buyerPays,
  feeOf,
  feedId,
  fundAccount,
  h100Params,
  latestTime,
  listSeries,
  marketFixture,
  notionalOf,
  pushIndexAt,
  sellerReceives,
  seriesIdOf,
  settlementCashOf,
  TOKEN_SCALE,
  signedOrder,
  trade,
  twapOfRounds,
  waitForAccountSettlement,
  type IndexRound,
  type MarketFx,
  solvencyCheckedLoader,
} from "./helpers/market.js";
import { DEFAULT_PARAMS } from "./helpers/oracle.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const MULT = 100n;
const MAKER_BPS = 2n;
const TAKER_BPS = 5n;
const P249 = 2_490n * TICK;
const P250 = INITIAL_INDEX;
const P251 = 2_510n * TICK;

/** Index values with odd wei, so that the TWAP and the settlement roundings show. */
const V0 = 2_612_345_678_901_234_567n; // before the window: its value holds at the window's start
const V1 = 2_700_000_000_000_000_013n;
const V2 = 2_655_555_555_555_555_555n;
const V3 = 2_688_888_888_888_888_889n; // the last round: extends to expiry
/** A round far from the others, stored at or after expiry: it must not count. */
const V_LATE = 3_100_000_000_000_000_000n;

// ------------------------------------------------------------------------------- reference

const N1 = notionalOf(10n, P250, MULT); // bob sells 10 to alice
const N2 = notionalOf(4n, P251, MULT); // dave sells 4 to carol
const N3 = notionalOf(3n, P249, MULT); // bob sells 3 to carol

/** Each account's position and cash after the fixture's three trades (makers sell, takers buy). */
const BOOK = {
  alice: { size: 10n, entry: N1, cash: DEPOSIT - buyerPays(N1) - feeOf(N1, TAKER_BPS) },
  bob: {
    size: -13n,
    entry: -(N1 + N3),
    cash: DEPOSIT + sellerReceives(N1) - feeOf(N1, MAKER_BPS) + sellerReceives(N3) - feeOf(N3, MAKER_BPS),
  },
  carol: {
    size: 7n,
    entry: N2 + N3,
    cash: DEPOSIT - buyerPays(N2) - feeOf(N2, TAKER_BPS) - buyerPays(N3) - feeOf(N3, TAKER_BPS),
  },
  dave: { size: -4n, entry: -N2, cash: DEPOSIT + sellerReceives(N2) - feeOf(N2, MAKER_BPS) },
};
type Name = keyof typeof BOOK;
const NAMES: Name[] = ["alice", "bob", "carol", "dave"];

/** value at the settlement price minus the entry notional, WAD. */
function realisedOf(name: Name, price: bigint): bigint {
  return BOOK[name].size * MULT * price - BOOK[name].entry;
}

/**
 * What a position of a settled series adds to free collateral until its account settles: its
 * value at the settlement price, but never more than its entry (profit is paid out only once
 * settleAccount realises it). Token units, rounded toward minus infinity.
 */
function settledWithdrawalValueOf(name: Name, price: bigint): bigint {
  const value = BOOK[name].size * MULT * price;
  const counted = value < BOOK[name].entry ? value : BOOK[name].entry;
  return counted >= 0n ? counted / TOKEN_SCALE : -((-counted + TOKEN_SCALE - 1n) / TOKEN_SCALE);
}

/** The documented pool address: the low 20 bytes of keccak256(abi.encode(market, series)). */
function poolAddressOf(market: string, series: string): string {
  return getAddress(dataSlice(keccak256(AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [market, series])), 12));
}

// ------------------------------------------------------------------------------- fixtures

/** marketFixture plus the three trades of BOOK, right after listing (the index is fresh). */
async function positionsFixture(connection: NetworkConnection) {
  const fx = await marketFixture(connection);
  await trade(fx, fx.bob, fx.alice, { size: 10n, price: P250 });
  await trade(fx, fx.dave, fx.carol, { size: 4n, price: P251 });
  await trade(fx, fx.bob, fx.carol, { size: 3n, price: P249 });
  return fx;
}

/**
 * positionsFixture 30 days later: V0..V3 stored around the settlement window; the chain stands
 * at start + 2900, before expiry. `price` is the reference settlement price.
 */
async function windowFixture(connection: NetworkConnection) {
  const fx = await positionsFixture(connection);
  const clock = connection.networkHelpers;
  const start = fx.params.expiry - fx.params.settlementWindow;
  const rounds: IndexRound[] = [
    await pushIndexAt(fx, clock, V0, start - 100n),
    await pushIndexAt(fx, clock, V1, start + 600n),
    await pushIndexAt(fx, clock, V2, start + 1500n),
    await pushIndexAt(fx, clock, V3, start + 2900n),
  ];
  const price = twapOfRounds(rounds, start, fx.params.expiry);
  return { ...fx, rounds, start, price, pool: poolAddressOf(fx.marketAddress, fx.series) };
}

/**
 * windowFixture 10 minutes after expiry, with the series settled by an outsider. `settledAt` is the
 * settleSeries block's time; accounts may settle from `opensAt` = settledAt +
 * ACCOUNT_SETTLEMENT_DELAY (read from the contract), not yet here.
 */
async function settledFixture(connection: NetworkConnection) {
  const fx = await windowFixture(connection);
  await connection.networkHelpers.time.increaseTo(fx.params.expiry + 600n);
  const receipt = await (await (fx.market.connect(fx.outsider) as FuturesMarket).settleSeries(fx.series)).wait();
  const settledAt = await blockTimeOf(fx, receipt);
  return { ...fx, settledAt, opensAt: await accountSettlementOpensAt(fx, receipt) };
}

/** settledFixture once accounts may settle: the chain stands at opensAt. */
async function openFixture(connection: NetworkConnection) {
  const fx = await settledFixture(connection);
  await connection.networkHelpers.time.increaseTo(fx.opensAt);
  return fx;
}

/** The ring capacity of the fallback scenario's feed: the oracle keeps its last three rounds. */
const RING = 3;
const RING_FEED_NAME = "H100-SMALL-RING";

/**
 * The fallback scenario, before expiry: marketFixture plus a feed whose ring keeps RING rounds,
 * and a series on it (H100 terms, expiry two hours after listing, one-hour window, last trade at
 * the window's start) that becomes the fixture's `series` / `params`. fx.guardian holds the
 * market's GUARDIAN_ROLE. A fresh round lets bob sell 10 to alice at 2.500 and dave 4 to carol at
 * 2.510; then rounds V0 at start - 100, V1 at start + 1200, V2 at start + 2400: the ring holds
 * exactly the window. `twap` is the reference settlement price of those rounds.
 */
async function ringWindowFixture(connection: NetworkConnection) {
  const base = await marketFixture(connection);
  const clock = connection.networkHelpers;
  await (await base.market.grantRole(GUARDIAN_ROLE, base.guardian.address)).wait();
  const feed = feedId(RING_FEED_NAME);
  const signers = base.relayers.map((w) => w.address);
  await (await base.oracle.addFeed(feed, RING_FEED_NAME, signers, 1, DEFAULT_PARAMS, RING)).wait();
  const now = await latestTime(base);
  const params = h100Params(now, { feed, expiry: now + 2n * HOUR, lastTradingTime: now + HOUR });
  const { id } = await listSeries(base, params);
  const fx = { ...base, params, series: id };
  const start = params.expiry - params.settlementWindow;
  const rounds: IndexRound[] = [await pushIndexAt(fx, clock, INITIAL_INDEX, (await latestTime(fx)) + 1n, feed)];
  await trade(fx, fx.bob, fx.alice, { size: 10n, price: P250 });
  await trade(fx, fx.dave, fx.carol, { size: 4n, price: P251 });
  rounds.push(await pushIndexAt(fx, clock, V0, start - 100n, feed));
  rounds.push(await pushIndexAt(fx, clock, V1, start + 1200n, feed));
  rounds.push(await pushIndexAt(fx, clock, V2, start + 2400n, feed));
  const twap = twapOfRounds(rounds, start, params.expiry);
  return { ...fx, feed, start, rounds, twap, pool: poolAddressOf(fx.marketAddress, id) };
}

/**
 * ringWindowFixture after expiry with RING + 1 more rounds (a minute apart from expiry + 60): the
 * ring no longer holds the round at the window's start. `heldFrom` is the block time of the
 * oldest round it still holds, where the oracle's coverage now begins.
 */
async function ringLostFixture(connection: NetworkConnection) {
  const fx = await ringWindowFixture(connection);
  const late: IndexRound[] = [];
  for (let i = 1n; i <= BigInt(RING) + 1n; i++) {
    late.push(await pushIndexAt(fx, connection.networkHelpers, V_LATE + i * TICK, fx.params.expiry + 60n * i, fx.feed));
  }
  const rounds = [...fx.rounds, ...late];
  return { ...fx, rounds, heldFrom: rounds[rounds.length - RING].updatedAt };
}

/** Positions of the ring scenario: [name, size, entry notional]. */
const RING_BOOK: [Name, bigint, bigint][] = [
  ["alice", 10n, N1],
  ["bob", -10n, -N1],
  ["carol", 4n, N2],
  ["dave", -4n, -N2],
];

type WindowFx = Awaited<ReturnType<typeof windowFixture>>;

function by(fx: MarketFx, signer: Signer): FuturesMarket {
  return fx.market.connect(signer) as FuturesMarket;
}

function vaultBy(fx: MarketFx, signer: Signer): MarginVault {
  return fx.vault.connect(signer) as MarginVault;
}

/** The AccountSettled events of a receipt as [account, series, size, price, cash, realised]. */
function accountSettledIn(fx: MarketFx, receipt: ContractTransactionReceipt | null): unknown[][] {
  const out: unknown[][] = [];
  for (const log of receipt!.logs) {
    if (log.address.toLowerCase() !== fx.marketAddress.toLowerCase()) continue;
    const parsed = fx.market.interface.parseLog(log);
    if (parsed?.name === "AccountSettled") out.push([...parsed.args]);
  }
  return out;
}

/** The AccountSettled arguments the reference expects for `name` at `price`. */
function expectedSettlement(fx: MarketFx, name: Name, price: bigint): unknown[] {
  const { size } = BOOK[name];
  return [fx[name].address, fx.series, size, price, settlementCashOf(size, price, MULT), realisedOf(name, price)];
}

describe("FuturesMarket: settlement", function () {
  /** Loads a fixture; after each test its vault must hold exactly what it owes. */
  const load = solvencyCheckedLoader(loadFixture);

  /** Adds a feed signed by the fixture's relayers (f = 1, default guards) with `ring` rounds kept. */
  async function addFeed(fx: MarketFx, name: string, ring: number): Promise<string> {
    const feed = feedId(name);
    await (await fx.oracle.addFeed(feed, name, fx.relayers.map((w) => w.address), 1, DEFAULT_PARAMS, ring)).wait();
    return feed;
  }

  /** Lists an H100-like series on `feed` expiring in two hours (one-hour window, last trade at one hour). */
  async function listShortSeries(fx: MarketFx, feed: string) {
    const now = await latestTime(fx);
    const params = h100Params(now, { feed, expiry: now + 2n * HOUR, lastTradingTime: now + HOUR });
    const { id } = await listSeries(fx, params);
    return { id, params, start: params.expiry - params.settlementWindow };
  }

  // ----------------------------------------------------------------------------- reference sanity

  describe("reference", function () {
    it("the fixture's settlement price is a true time-weighted mix of the four rounds", async function () {
      const fx = await load(windowFixture);
      // Weights: V0 600 s, V1 900 s, V2 1400 s, V3 700 s of the 3600 s window.
      const sum = V0 * 600n + V1 * 900n + V2 * 1400n + V3 * 700n;
      expect(fx.price).to.equal(sum / 3600n);
      expect(sum % 3600n).to.not.equal(0n); // the rounding down matters
      expect(fx.rounds.map((r) => r.updatedAt - fx.start)).to.deep.equal([-100n, 600n, 1500n, 2900n]);
    });
  });

  // ----------------------------------------------------------------------------- settleSeries

  describe("settleSeries", function () {
    it("refuses a series before its expiry: SeriesNotExpired(id, expiry)", async function () {
      const fx = await load(positionsFixture);
      await expect(fx.market.settleSeries(fx.series))
        .to.be.revertedWithCustomError(fx.market, "SeriesNotExpired")
        .withArgs(fx.series, fx.params.expiry);
    });

    it("refuses in the second before expiry, the window's rounds stored: SeriesNotExpired(id, expiry)", async function () {
      const fx = await load(windowFixture);
      await time.setNextBlockTimestamp(fx.params.expiry - 1n);
      await expect(fx.market.settleSeries(fx.series))
        .to.be.revertedWithCustomError(fx.market, "SeriesNotExpired")
        .withArgs(fx.series, fx.params.expiry);
    });

    it("refuses an unknown series: UnknownSeries(id)", async function () {
      const fx = await load(positionsFixture);
      const unknown = seriesIdOf(h100Params(await latestTime(fx), { multiplier: 7n }));
      await expect(fx.market.settleSeries(unknown)).to.be.revertedWithCustomError(fx.market, "UnknownSeries").withArgs(unknown);
    });

    it("after expiry, anyone fixes the price at the window's TWAP: SeriesSettled(id, price)", async function () {
      const fx = await load(windowFixture);
      await time.increaseTo(fx.params.expiry + 600n);
      await expect(by(fx, fx.outsider).settleSeries(fx.series)).to.emit(fx.market, "SeriesSettled").withArgs(fx.series, fx.price);
    });

    it("returns the settlement price and stores it (seriesState.settlementPrice)", async function () {
      const fx = await load(windowFixture);
      await time.increaseTo(fx.params.expiry + 600n);
      expect(await fx.market.settleSeries.staticCall(fx.series)).to.equal(fx.price);
      await (await fx.market.settleSeries(fx.series)).wait();
      expect((await fx.market.seriesState(fx.series)).settlementPrice).to.equal(fx.price);
    });

    it("settles in the block at exactly expiry", async function () {
      const fx = await load(windowFixture);
      await time.setNextBlockTimestamp(fx.params.expiry);
      await expect(fx.market.settleSeries(fx.series)).to.emit(fx.market, "SeriesSettled").withArgs(fx.series, fx.price);
    });

    it("ignores rounds stored at or after expiry", async function () {
      const fx = await load(windowFixture);
      const late = [
        await pushIndexAt(fx, networkHelpers, V_LATE, fx.params.expiry),
        await pushIndexAt(fx, networkHelpers, V_LATE + 10n ** 17n, fx.params.expiry + 120n),
      ];
      // The reference over all six rounds is still the fixture's price.
      expect(twapOfRounds([...fx.rounds, ...late], fx.start, fx.params.expiry)).to.equal(fx.price);
      await expect(fx.market.settleSeries(fx.series)).to.emit(fx.market, "SeriesSettled").withArgs(fx.series, fx.price);
    });

    it("settles a paused series: pausing stops trading, not settlement", async function () {
      const fx = await load(windowFixture);
      await (await fx.market.pauseSeries(fx.series)).wait();
      await time.increaseTo(fx.params.expiry + 1n);
      await expect(fx.market.settleSeries(fx.series)).to.emit(fx.market, "SeriesSettled").withArgs(fx.series, fx.price);
    });

    it("refuses a second settlement: SeriesAlreadySettled(id, price)", async function () {
      const fx = await load(settledFixture);
      await expect(fx.market.settleSeries(fx.series))
        .to.be.revertedWithCustomError(fx.market, "SeriesAlreadySettled")
        .withArgs(fx.series, fx.price);
    });

    it("waits while the oracle no longer holds a round at the window's start: TwapWindowNotCovered bubbles", async function () {
      const fx = await load(positionsFixture);
      const feed = await addFeed(fx, "SMALL-RING", 3);
      const { id, params, start } = await listShortSeries(fx, feed);
      await pushIndexAt(fx, networkHelpers, V0, start - 100n, feed);
      const inWindow = await pushIndexAt(fx, networkHelpers, V1, start + 1800n, feed);
      // Two rounds after expiry overwrite the round at start - 100 in the three-slot ring.
      await pushIndexAt(fx, networkHelpers, V2, params.expiry + 60n, feed);
      await pushIndexAt(fx, networkHelpers, V3, params.expiry + 120n, feed);
      await expect(fx.market.settleSeries(id))
        .to.be.revertedWithCustomError(fx.oracle, "TwapWindowNotCovered")
        .withArgs(feed, start, inWindow.updatedAt);
    });

    it("waits while a fresh feed's first round came after expiry - window: TwapWindowNotCovered(feed, start, first)", async function () {
      const fx = await load(positionsFixture);
      const feed = await addFeed(fx, "FRESH-FEED", 64);
      const { id, params, start } = await listShortSeries(fx, feed);
      const first = await pushIndexAt(fx, networkHelpers, V1, start + 300n, feed);
      await time.increaseTo(params.expiry + 1n);
      await expect(fx.market.settleSeries(id))
        .to.be.revertedWithCustomError(fx.oracle, "TwapWindowNotCovered")
        .withArgs(feed, start, first.updatedAt);
    });

    it("waits while the feed has no round at all: NoData(feed)", async function () {
      const fx = await load(positionsFixture);
      const feed = await addFeed(fx, "EMPTY-FEED", 8);
      const { id, params } = await listShortSeries(fx, feed);
      await time.increaseTo(params.expiry + 1n);
      await expect(fx.market.settleSeries(id)).to.be.revertedWithCustomError(fx.oracle, "NoData").withArgs(feed);
    });

    it("stores nothing when the oracle refuses: the series stays unsettled (settlementPrice 0)", async function () {
      const fx = await load(positionsFixture);
      const feed = await addFeed(fx, "FRESH-FEED-2", 64);
      const { id, params, start } = await listShortSeries(fx, feed);
      await pushIndexAt(fx, networkHelpers, V1, start + 300n, feed);
      await time.increaseTo(params.expiry + 1n);
      await expect(fx.market.settleSeries(id)).to.be.revertedWithCustomError(fx.oracle, "TwapWindowNotCovered");
      expect((await fx.market.seriesState(id)).settlementPrice).to.equal(0n);
    });
  });

  // ----------------------------------------------------------------------------- settleAccount

  describe("settleAccount", function () {
    it("refuses before settleSeries, even after expiry: SeriesNotSettled(id)", async function () {
      const fx = await load(windowFixture);
      await time.increaseTo(fx.params.expiry + 600n);
      await expect(fx.market.settleAccount(fx.alice.address, fx.series))
        .to.be.revertedWithCustomError(fx.market, "SeriesNotSettled")
        .withArgs(fx.series);
    });

    it("the settlement pool is keccak256(abi.encode(market, id))'s low 20 bytes", async function () {
      const fx = await load(settledFixture);
      expect(await fx.market.settlementPool(fx.series)).to.equal(fx.pool);
    });

    it("settles a long: AccountSettled(account, id, size, price, floor(value / scale), value - entry)", async function () {
      const fx = await load(openFixture);
      const cash = settlementCashOf(10n, fx.price, MULT);
      expect(cash).to.equal((10n * MULT * fx.price) / 10n ** 12n);
      await expect(fx.market.settleAccount(fx.alice.address, fx.series))
        .to.emit(fx.market, "AccountSettled")
        .withArgs(fx.alice.address, fx.series, 10n, fx.price, cash, 10n * MULT * fx.price - N1);
    });

    it("pays a long from the settlement pool", async function () {
      const fx = await load(openFixture);
      const cash = settlementCashOf(10n, fx.price, MULT);
      await (await fx.market.settleAccount(fx.alice.address, fx.series)).wait();
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(BOOK.alice.cash + cash);
      expect(await fx.vault.cashOf(fx.pool)).to.equal(-cash);
    });

    it("settles a short: AccountSettled(account, id, size, price, -ceil(|value| / scale), value - entry)", async function () {
      const fx = await load(openFixture);
      const value = 13n * MULT * fx.price;
      const cash = settlementCashOf(-13n, fx.price, MULT);
      expect(cash).to.equal(-((value + 10n ** 12n - 1n) / 10n ** 12n));
      await expect(fx.market.settleAccount(fx.bob.address, fx.series))
        .to.emit(fx.market, "AccountSettled")
        .withArgs(fx.bob.address, fx.series, -13n, fx.price, cash, -value + N1 + N3);
    });

    it("makes a short pay into the settlement pool", async function () {
      const fx = await load(openFixture);
      const cash = settlementCashOf(-13n, fx.price, MULT);
      await (await fx.market.settleAccount(fx.bob.address, fx.series)).wait();
      expect(await fx.vault.cashOf(fx.bob.address)).to.equal(BOOK.bob.cash + cash);
      expect(await fx.vault.cashOf(fx.pool)).to.equal(-cash);
    });

    it("reports the realised PnL of a position built from two fills at its average entry", async function () {
      const fx = await load(openFixture);
      await expect(fx.market.settleAccount(fx.carol.address, fx.series))
        .to.emit(fx.market, "AccountSettled")
        .withArgs(...expectedSettlement(fx, "carol", fx.price));
    });

    it("zeroes the position", async function () {
      const fx = await load(openFixture);
      await (await fx.market.settleAccount(fx.alice.address, fx.series)).wait();
      const p = await fx.market.positionOf(fx.alice.address, fx.series);
      expect([p.size, p.entryNotional]).to.deep.equal([0n, 0n]);
    });

    it("removes the series from openSeriesOf", async function () {
      const fx = await load(openFixture);
      expect(await fx.market.openSeriesOf(fx.dave.address)).to.deep.equal([fx.series]);
      await (await fx.market.settleAccount(fx.dave.address, fx.series)).wait();
      expect(await fx.market.openSeriesOf(fx.dave.address)).to.deep.equal([]);
    });

    it("lowers the open interest by a settled long's size", async function () {
      const fx = await load(openFixture);
      expect((await fx.market.seriesState(fx.series)).openInterest).to.equal(17n);
      await (await fx.market.settleAccount(fx.carol.address, fx.series)).wait();
      expect((await fx.market.seriesState(fx.series)).openInterest).to.equal(10n);
    });

    it("leaves the open interest alone when a short settles", async function () {
      const fx = await load(openFixture);
      await (await fx.market.settleAccount(fx.bob.address, fx.series)).wait();
      expect((await fx.market.seriesState(fx.series)).openInterest).to.equal(17n);
    });

    it("may be called by anyone for any account", async function () {
      const fx = await load(openFixture);
      await expect(by(fx, fx.outsider).settleAccount(fx.dave.address, fx.series))
        .to.emit(fx.market, "AccountSettled")
        .withArgs(...expectedSettlement(fx, "dave", fx.price));
    });

    it("refuses an account without a position: NothingToSettle(account, id)", async function () {
      const fx = await load(openFixture);
      await expect(fx.market.settleAccount(fx.outsider.address, fx.series))
        .to.be.revertedWithCustomError(fx.market, "NothingToSettle")
        .withArgs(fx.outsider.address, fx.series);
    });

    it("refuses an account settled already: NothingToSettle(account, id)", async function () {
      const fx = await load(openFixture);
      await (await fx.market.settleAccount(fx.alice.address, fx.series)).wait();
      await expect(fx.market.settleAccount(fx.alice.address, fx.series))
        .to.be.revertedWithCustomError(fx.market, "NothingToSettle")
        .withArgs(fx.alice.address, fx.series);
    });
  });

  // ----------------------------------------------------------------------------- settleAccounts

  describe("bad debt at settlement", function () {
    it("covers a short that owes more than it holds from the insurance fund: BadDebt(account, debt, debt, 0)", async function () {
      const fx = await load(marketFixture);
      const erin = (await ethers.getSigners())[8];
      await fundAccount(fx, erin.address, 200n * USD);
      await (await fx.usd.mint(fx.admin.address, 10_000n * USD)).wait();
      await (await fx.usd.approve(fx.vaultAddress, 10_000n * USD)).wait();
      await (await fx.vault.fundInsurance(10_000n * USD)).wait();
      await trade(fx, erin, fx.alice, { size: 3n, price: P250 }); // erin sells 3, alice buys
      const cashAfterTrade = (await fx.vault.cashOf(erin.address));
      // Every relayer signs, so the circuit breaker lets the index double before the window.
      const start = fx.params.expiry - fx.params.settlementWindow;
      const crash = 2n * INITIAL_INDEX;
      await pushIndexAt(fx, networkHelpers, crash, start - 100n);
      await time.increaseTo(fx.params.expiry + 60n);
      const settled = await (await fx.market.settleSeries(fx.series)).wait();
      await waitForAccountSettlement(fx, networkHelpers, settled);
      const owed = -settlementCashOf(-3n, crash, MULT); // what erin's short pays, rounded up
      const debt = owed - cashAfterTrade;
      expect(debt > 0n).to.equal(true);
      await expect(fx.market.settleAccount(erin.address, fx.series))
        .to.emit(fx.market, "BadDebt")
        .withArgs(erin.address, debt, debt, 0n);
      expect(await fx.vault.cashOf(erin.address)).to.equal(0n);
      expect(await fx.vault.insuranceFund()).to.equal(10_000n * USD - debt);
    });
  });

  describe("settleAccounts", function () {
    /** A keeper's batch over every account of the fixture, with accounts holding nothing in between. */
    function batchOf(fx: WindowFx): string[] {
      return [fx.outsider, fx.alice, fx.guardian, fx.bob, fx.carol, fx.lister, fx.dave].map((s) => s.address);
    }

    it("refuses before settleSeries: SeriesNotSettled(id)", async function () {
      const fx = await load(windowFixture);
      await time.increaseTo(fx.params.expiry + 600n);
      await expect(fx.market.settleAccounts(fx.series, batchOf(fx)))
        .to.be.revertedWithCustomError(fx.market, "SeriesNotSettled")
        .withArgs(fx.series);
    });

    it("a keeper settles every account with a position, in order, skipping those without", async function () {
      const fx = await load(openFixture);
      const receipt = await (await by(fx, fx.outsider).settleAccounts(fx.series, batchOf(fx))).wait();
      expect(accountSettledIn(fx, receipt)).to.deep.equal(NAMES.map((n) => expectedSettlement(fx, n, fx.price)));
    });

    it("skips an account settled already", async function () {
      const fx = await load(openFixture);
      await (await fx.market.settleAccount(fx.alice.address, fx.series)).wait();
      const receipt = await (await fx.market.settleAccounts(fx.series, [fx.alice.address, fx.bob.address])).wait();
      expect(accountSettledIn(fx, receipt)).to.deep.equal([expectedSettlement(fx, "bob", fx.price)]);
    });

    it("leaves every position closed, no open series and zero open interest", async function () {
      const fx = await load(openFixture);
      await (await fx.market.settleAccounts(fx.series, batchOf(fx))).wait();
      for (const name of NAMES) {
        const p = await fx.market.positionOf(fx[name].address, fx.series);
        expect([name, p.size, p.entryNotional, await fx.market.openSeriesOf(fx[name].address)]).to.deep.equal([name, 0n, 0n, []]);
      }
      expect((await fx.market.seriesState(fx.series)).openInterest).to.equal(0n);
    });

    it("credits each account its settlement cash", async function () {
      const fx = await load(openFixture);
      await (await fx.market.settleAccounts(fx.series, batchOf(fx))).wait();
      for (const name of NAMES) {
        expect([name, await fx.vault.cashOf(fx[name].address)]).to.deep.equal([
          name,
          BOOK[name].cash + settlementCashOf(BOOK[name].size, fx.price, MULT),
        ]);
      }
    });

    it("leaves the pool only the rounding dust: sum of settled cash = -pool cash, 0 <= dust < accounts", async function () {
      const fx = await load(openFixture);
      const receipt = await (await fx.market.settleAccounts(fx.series, batchOf(fx))).wait();
      const settledCash = accountSettledIn(fx, receipt).map((args) => args[4] as bigint);
      const sum = settledCash.reduce((a, b) => a + b, 0n);
      // Independently: shorts pay the ceiling, longs receive the floor of the same total value.
      const dust = NAMES.reduce((d, n) => d - settlementCashOf(BOOK[n].size, fx.price, MULT), 0n);
      expect(dust > 0n && dust < BigInt(NAMES.length), `dust ${dust} in (0, ${NAMES.length})`).to.equal(true);
      expect(sum).to.equal(-dust);
      expect(await fx.vault.cashOf(fx.pool)).to.equal(dust);
    });

    it("realises a total PnL of exactly zero over all accounts (WAD)", async function () {
      const fx = await load(openFixture);
      const receipt = await (await fx.market.settleAccounts(fx.series, batchOf(fx))).wait();
      const realised = accountSettledIn(fx, receipt).map((args) => args[5] as bigint);
      expect(realised).to.deep.equal(NAMES.map((n) => realisedOf(n, fx.price)));
      expect(realised.reduce((a, b) => a + b, 0n)).to.equal(0n);
    });

    it("does nothing for a batch of accounts without positions", async function () {
      const fx = await load(openFixture);
      const receipt = await (await fx.market.settleAccounts(fx.series, [fx.outsider.address, fx.guardian.address])).wait();
      expect(accountSettledIn(fx, receipt)).to.deep.equal([]);
      expect((await fx.market.seriesState(fx.series)).openInterest).to.equal(17n);
    });
  });

  // ----------------------------------------------------------------------------- account settlement window

  describe("account settlement window (ACCOUNT_SETTLEMENT_DELAY after settleSeries)", function () {
    it("the delays are as documented: accounts 1 hour, fallback 1 day after expiry, time lock 2 days", async function () {
      const fx = await load(positionsFixture);
      expect([
        await fx.market.ACCOUNT_SETTLEMENT_DELAY(),
        await fx.market.FALLBACK_DELAY(),
        await fx.market.FALLBACK_TIMELOCK(),
      ]).to.deep.equal([HOUR, DAY, 2n * DAY]);
    });

    it("settleAccount right after settleSeries: AccountSettlementNotOpen(id, settledAt + delay), nothing moves", async function () {
      const fx = await load(settledFixture);
      const opensAt = fx.settledAt + (await fx.market.ACCOUNT_SETTLEMENT_DELAY());
      // Counted from settleSeries (10 minutes after expiry), not from expiry.
      expect(fx.settledAt >= fx.params.expiry + 600n, "settled 10 minutes or more after expiry").to.equal(true);
      await expect(fx.market.settleAccount(fx.alice.address, fx.series))
        .to.be.revertedWithCustomError(fx.market, "AccountSettlementNotOpen")
        .withArgs(fx.series, opensAt);
      const p = await fx.market.positionOf(fx.alice.address, fx.series);
      expect([p.size, p.entryNotional, await fx.vault.cashOf(fx.alice.address), await fx.vault.cashOf(fx.pool)]).to.deep.equal([
        BOOK.alice.size,
        BOOK.alice.entry,
        BOOK.alice.cash,
        0n,
      ]);
    });

    it("settleAccounts right after settleSeries: AccountSettlementNotOpen(id, settledAt + delay)", async function () {
      const fx = await load(settledFixture);
      const opensAt = fx.settledAt + (await fx.market.ACCOUNT_SETTLEMENT_DELAY());
      await expect(fx.market.settleAccounts(fx.series, [fx.alice.address, fx.bob.address, fx.carol.address, fx.dave.address]))
        .to.be.revertedWithCustomError(fx.market, "AccountSettlementNotOpen")
        .withArgs(fx.series, opensAt);
      expect((await fx.market.seriesState(fx.series)).openInterest).to.equal(17n);
    });

    it("settleAccount is refused one second before opensAt and settles at exactly opensAt", async function () {
      const fx = await load(settledFixture);
      const opensAt = fx.settledAt + (await fx.market.ACCOUNT_SETTLEMENT_DELAY());
      await time.setNextBlockTimestamp(opensAt - 1n);
      await expect(fx.market.settleAccount(fx.bob.address, fx.series))
        .to.be.revertedWithCustomError(fx.market, "AccountSettlementNotOpen")
        .withArgs(fx.series, opensAt);
      await time.setNextBlockTimestamp(opensAt);
      const tx = fx.market.settleAccount(fx.bob.address, fx.series);
      await expect(tx).to.emit(fx.market, "AccountSettled").withArgs(...expectedSettlement(fx, "bob", fx.price));
      expect(await blockTimeOf(fx, await (await tx).wait())).to.equal(opensAt);
    });

    it("settleAccounts is refused one second before opensAt and settles every account at exactly opensAt", async function () {
      const fx = await load(settledFixture);
      const opensAt = fx.settledAt + (await fx.market.ACCOUNT_SETTLEMENT_DELAY());
      const batch = [fx.alice.address, fx.bob.address, fx.carol.address, fx.dave.address];
      await time.setNextBlockTimestamp(opensAt - 1n);
      await expect(by(fx, fx.outsider).settleAccounts(fx.series, batch))
        .to.be.revertedWithCustomError(fx.market, "AccountSettlementNotOpen")
        .withArgs(fx.series, opensAt);
      await time.setNextBlockTimestamp(opensAt);
      const receipt = await (await by(fx, fx.outsider).settleAccounts(fx.series, batch)).wait();
      expect(await blockTimeOf(fx, receipt)).to.equal(opensAt);
      expect(accountSettledIn(fx, receipt)).to.deep.equal(NAMES.map((n) => expectedSettlement(fx, n, fx.price)));
    });
  });

  // ----------------------------------------------------------------------------- margin

  describe("margin after settleSeries", function () {
    /**
     * settledFixture once accounts may settle (openFixture), with the oracle gone stale (no round
     * for more than the heartbeat).
     */
    async function staleSettled() {
      const fx = await load(openFixture);
      await time.increase(HEARTBEAT + 1n);
      expect(await fx.oracle.isStale(FEED), "the index is stale").to.equal(true);
      return fx;
    }

    it("marginOf values a long at the settlement price, its profit not yet withdrawable, with no margin and no stale flag", async function () {
      const fx = await staleSettled();
      const value = settlementCashOf(10n, fx.price, MULT);
      const withdrawable = settledWithdrawalValueOf("alice", fx.price);
      expect(withdrawable < value, "alice is in profit").to.equal(true);
      const m = await fx.market.marginOf(fx.alice.address);
      expect([m.openPositions, m.markValue, m.withdrawalValue, m.initialMargin, m.maintenanceMargin, m.indexStale]).to.deep.equal([
        1n,
        value,
        withdrawable,
        0n,
        0n,
        false,
      ]);
    });

    it("marginOf values a short at minus the ceiling of its settlement value", async function () {
      const fx = await staleSettled();
      const value = settlementCashOf(-13n, fx.price, MULT);
      expect(settledWithdrawalValueOf("bob", fx.price), "bob's loss counts in full").to.equal(value);
      const m = await fx.market.marginOf(fx.bob.address);
      expect([m.openPositions, m.markValue, m.withdrawalValue, m.initialMargin, m.maintenanceMargin, m.indexStale]).to.deep.equal([
        1n,
        value,
        value,
        0n,
        0n,
        false,
      ]);
    });

    it("the vault's free collateral is cash + settled value up to the entry, with a stale index", async function () {
      const fx = await staleSettled();
      const free = BOOK.alice.cash + settledWithdrawalValueOf("alice", fx.price);
      const m = await fx.vault.accountMargin(fx.alice.address);
      expect([m.cash, m.equity, m.initialMargin, m.freeCollateral, m.indexStale]).to.deep.equal([
        BOOK.alice.cash,
        BOOK.alice.cash + settlementCashOf(10n, fx.price, MULT),
        0n,
        free,
        false,
      ]);
    });

    it("before settleSeries the stale index blocks withdrawals: IndexStale(account)", async function () {
      const fx = await load(windowFixture);
      await time.increaseTo(fx.params.expiry + HEARTBEAT);
      expect(await fx.oracle.isStale(FEED)).to.equal(true);
      await expect(vaultBy(fx, fx.alice).withdraw(1n, fx.alice.address))
        .to.be.revertedWithCustomError(fx.vault, "IndexStale")
        .withArgs(fx.alice.address);
    });

    it("a long withdraws its whole free collateral, all but its profit, before its account is settled", async function () {
      const fx = await staleSettled();
      const free = BOOK.alice.cash + settledWithdrawalValueOf("alice", fx.price);
      await expect(vaultBy(fx, fx.alice).withdraw(free, fx.alice.address)).to.changeTokenBalances(
        ethers,
        fx.usd,
        [fx.alice.address, fx.vaultAddress],
        [free, -free],
      );
    });

    it("refuses one unit above it: InsufficientFreeCollateral(account, requested, free)", async function () {
      const fx = await staleSettled();
      const free = BOOK.alice.cash + settledWithdrawalValueOf("alice", fx.price);
      await expect(vaultBy(fx, fx.alice).withdraw(free + 1n, fx.alice.address))
        .to.be.revertedWithCustomError(fx.vault, "InsufficientFreeCollateral")
        .withArgs(fx.alice.address, free + 1n, free);
    });

    it("after such a withdrawal, settling the long's account leaves exactly its profit, then withdrawable", async function () {
      const fx = await staleSettled();
      const withdrawable = settledWithdrawalValueOf("alice", fx.price);
      const free = BOOK.alice.cash + withdrawable;
      await (await vaultBy(fx, fx.alice).withdraw(free, fx.alice.address)).wait();
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(-withdrawable);
      await (await fx.market.settleAccount(fx.alice.address, fx.series)).wait();
      const profit = settlementCashOf(10n, fx.price, MULT) - withdrawable;
      expect(profit > 0n).to.equal(true);
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(profit);
      await expect(vaultBy(fx, fx.alice).withdraw(profit, fx.alice.address)).to.changeTokenBalance(
        ethers,
        fx.usd,
        fx.alice.address,
        profit,
      );
    });

    it("a short withdraws cash minus what settlement will charge, and settles to exactly zero", async function () {
      const fx = await staleSettled();
      const charge = settlementCashOf(-13n, fx.price, MULT);
      const free = BOOK.bob.cash + charge;
      expect((await fx.vault.accountMargin(fx.bob.address)).freeCollateral).to.equal(free);
      await (await vaultBy(fx, fx.bob).withdraw(free, fx.bob.address)).wait();
      await (await fx.market.settleAccount(fx.bob.address, fx.series)).wait();
      expect(await fx.vault.cashOf(fx.bob.address)).to.equal(0n);
    });
  });

  // ----------------------------------------------------------------------------- guardian fallback

  /** The market's fallback constants, read from the contract. */
  async function fallbackTimes(fx: MarketFx) {
    return { delay: await fx.market.FALLBACK_DELAY(), lock: await fx.market.FALLBACK_TIMELOCK() };
  }

  /** The names and arguments of the market's events in a receipt, in log order. */
  function marketEventsIn(fx: MarketFx, receipt: ContractTransactionReceipt | null): [string, unknown[]][] {
    const out: [string, unknown[]][] = [];
    for (const log of receipt!.logs) {
      if (log.address.toLowerCase() !== fx.marketAddress.toLowerCase()) continue;
      const parsed = fx.market.interface.parseLog(log);
      if (parsed !== null) out.push([parsed.name, [...parsed.args]]);
    }
    return out;
  }

  /** The guardian proposes `price` in a block at exactly `at`; returns the receipt. */
  async function proposeAt(fx: MarketFx, at: bigint, price: bigint, signer: Signer = fx.guardian) {
    await time.setNextBlockTimestamp(at);
    return (await by(fx, signer).proposeSettlementPrice(fx.series, price)).wait();
  }

  /**
   * `price` rounded down to the tick. The guardian of the ring scenario proposes the window's
   * TWAP (recomputed from the rounds' public events) on the tick: a price the oracle never returned.
   */
  function tickFloor(price: bigint): bigint {
    return price - (price % TICK);
  }

  describe("proposeSettlementPrice (guardian fallback)", function () {
    it("refuses an account without GUARDIAN_ROLE: AccessControlUnauthorizedAccount(account, GUARDIAN_ROLE)", async function () {
      const fx = await load(ringLostFixture);
      const { delay } = await fallbackTimes(fx);
      await time.setNextBlockTimestamp(fx.params.expiry + delay);
      await expect(by(fx, fx.outsider).proposeSettlementPrice(fx.series, fx.twap))
        .to.be.revertedWithCustomError(fx.market, "AccessControlUnauthorizedAccount")
        .withArgs(fx.outsider.address, GUARDIAN_ROLE);
    });

    it("refuses an unknown series: UnknownSeries(id)", async function () {
      const fx = await load(ringLostFixture);
      const { delay } = await fallbackTimes(fx);
      const unknown = seriesIdOf({ ...fx.params, multiplier: 7n });
      await time.setNextBlockTimestamp(fx.params.expiry + delay);
      await expect(by(fx, fx.guardian).proposeSettlementPrice(unknown, fx.twap))
        .to.be.revertedWithCustomError(fx.market, "UnknownSeries")
        .withArgs(unknown);
    });

    it("refuses a settled series: SeriesAlreadySettled(id, settlementPrice)", async function () {
      const fx = await load(settledFixture);
      const { delay } = await fallbackTimes(fx);
      await time.increaseTo(fx.params.expiry + delay);
      await expect(fx.market.proposeSettlementPrice(fx.series, fx.price + TICK))
        .to.be.revertedWithCustomError(fx.market, "SeriesAlreadySettled")
        .withArgs(fx.series, fx.price);
    });

    it("refuses before expiry: FallbackTooEarly(id, expiry + FALLBACK_DELAY)", async function () {
      const fx = await load(ringWindowFixture);
      const { delay } = await fallbackTimes(fx);
      expect((await latestTime(fx)) < fx.params.expiry).to.equal(true);
      await expect(by(fx, fx.guardian).proposeSettlementPrice(fx.series, fx.twap))
        .to.be.revertedWithCustomError(fx.market, "FallbackTooEarly")
        .withArgs(fx.series, fx.params.expiry + delay);
    });

    it("refuses one second before expiry + FALLBACK_DELAY, the window lost: FallbackTooEarly(id, expiry + FALLBACK_DELAY)", async function () {
      const fx = await load(ringLostFixture);
      const { delay } = await fallbackTimes(fx);
      await time.setNextBlockTimestamp(fx.params.expiry + delay - 1n);
      await expect(by(fx, fx.guardian).proposeSettlementPrice(fx.series, fx.twap))
        .to.be.revertedWithCustomError(fx.market, "FallbackTooEarly")
        .withArgs(fx.series, fx.params.expiry + delay);
    });

    it("accepts at exactly expiry + FALLBACK_DELAY: SettlementPriceProposed(id, price, now + FALLBACK_TIMELOCK, guardian)", async function () {
      const fx = await load(ringLostFixture);
      const { delay, lock } = await fallbackTimes(fx);
      const at = fx.params.expiry + delay;
      await time.setNextBlockTimestamp(at);
      const tx = by(fx, fx.guardian).proposeSettlementPrice(fx.series, tickFloor(fx.twap));
      await expect(tx)
        .to.emit(fx.market, "SettlementPriceProposed")
        .withArgs(fx.series, tickFloor(fx.twap), at + lock, fx.guardian.address);
      expect(await blockTimeOf(fx, await (await tx).wait())).to.equal(at);
    });

    it("refuses a zero price: InvalidSettlementPrice(0)", async function () {
      const fx = await load(ringLostFixture);
      const { delay } = await fallbackTimes(fx);
      await time.setNextBlockTimestamp(fx.params.expiry + delay);
      await expect(by(fx, fx.guardian).proposeSettlementPrice(fx.series, 0n))
        .to.be.revertedWithCustomError(fx.market, "InvalidSettlementPrice")
        .withArgs(0n);
    });

    it("refuses a price above 2^80 - 1 (the largest index value): InvalidSettlementPrice(2^80), and accepts 2^80 - 1", async function () {
      const fx = await load(ringLostFixture);
      const { delay, lock } = await fallbackTimes(fx);
      const at = fx.params.expiry + delay;
      await time.setNextBlockTimestamp(at);
      await expect(by(fx, fx.guardian).proposeSettlementPrice(fx.series, 2n ** 80n))
        .to.be.revertedWithCustomError(fx.market, "InvalidSettlementPrice")
        .withArgs(2n ** 80n);
      await time.setNextBlockTimestamp(at);
      await expect(by(fx, fx.guardian).proposeSettlementPrice(fx.series, 2n ** 80n - 1n))
        .to.emit(fx.market, "SettlementPriceProposed")
        .withArgs(fx.series, 2n ** 80n - 1n, at + lock, fx.guardian.address);
    });

    it("refuses while the oracle can settle the series: OracleCanSettle(id, twap)", async function () {
      const fx = await load(windowFixture);
      const { delay } = await fallbackTimes(fx);
      await time.setNextBlockTimestamp(fx.params.expiry + delay);
      await expect(fx.market.proposeSettlementPrice(fx.series, fx.price + TICK))
        .to.be.revertedWithCustomError(fx.market, "OracleCanSettle")
        .withArgs(fx.series, fx.price);
    });

    it("refuses on the small-ring feed while its ring still holds the window: OracleCanSettle(id, twap)", async function () {
      const fx = await load(ringWindowFixture);
      const { delay } = await fallbackTimes(fx);
      await time.setNextBlockTimestamp(fx.params.expiry + delay);
      await expect(by(fx, fx.guardian).proposeSettlementPrice(fx.series, tickFloor(fx.twap)))
        .to.be.revertedWithCustomError(fx.market, "OracleCanSettle")
        .withArgs(fx.series, fx.twap);
    });

    it("accepts for a feed that never had a round (NoData), which settleSeries then uses after the lock", async function () {
      const fx0 = await load(positionsFixture);
      const { delay, lock } = await fallbackTimes(fx0);
      const feed = await addFeed(fx0, "EMPTY-FEED-FALLBACK", 8);
      const { id, params } = await listShortSeries(fx0, feed);
      const fx = { ...fx0, series: id, params };
      const price = P251;
      const at = params.expiry + delay;
      await time.setNextBlockTimestamp(at);
      await expect(fx.market.proposeSettlementPrice(id, price))
        .to.emit(fx.market, "SettlementPriceProposed")
        .withArgs(id, price, at + lock, fx.admin.address);
      await time.setNextBlockTimestamp(at + lock - 1n);
      await expect(fx.market.settleSeries(id)).to.be.revertedWithCustomError(fx.oracle, "NoData").withArgs(feed);
      await time.setNextBlockTimestamp(at + lock);
      const receipt = await (await fx.market.settleSeries(id)).wait();
      expect(marketEventsIn(fx, receipt)).to.deep.equal([
        ["FallbackPriceUsed", [id, price]],
        ["SeriesSettled", [id, price]],
      ]);
    });

    it("a new proposal replaces the last and restarts the lock, even once the first lock has passed", async function () {
      const fx = await load(ringLostFixture);
      const { delay, lock } = await fallbackTimes(fx);
      const first = tickFloor(fx.twap) + 50n * TICK;
      const second = tickFloor(fx.twap);
      const t1 = fx.params.expiry + delay;
      await expect(proposeAt(fx, t1, first)).to.emit(fx.market, "SettlementPriceProposed");
      // The first proposal would be due at t1 + lock; the guardian replaces it one second later.
      const t2 = t1 + lock + 1n;
      await time.setNextBlockTimestamp(t2);
      await expect(by(fx, fx.guardian).proposeSettlementPrice(fx.series, second))
        .to.emit(fx.market, "SettlementPriceProposed")
        .withArgs(fx.series, second, t2 + lock, fx.guardian.address);
      // Neither the first proposal nor the second is usable before t2 + lock.
      await expect(fx.market.settleSeries(fx.series))
        .to.be.revertedWithCustomError(fx.oracle, "TwapWindowNotCovered")
        .withArgs(fx.feed, fx.start, fx.heldFrom);
      await time.setNextBlockTimestamp(t2 + lock - 1n);
      await expect(fx.market.settleSeries(fx.series))
        .to.be.revertedWithCustomError(fx.oracle, "TwapWindowNotCovered")
        .withArgs(fx.feed, fx.start, fx.heldFrom);
      // At t2 + lock the series settles at the second price.
      await time.setNextBlockTimestamp(t2 + lock);
      const receipt = await (await fx.market.settleSeries(fx.series)).wait();
      expect(marketEventsIn(fx, receipt)).to.deep.equal([
        ["FallbackPriceUsed", [fx.series, second]],
        ["SeriesSettled", [fx.series, second]],
      ]);
    });

    it("a new proposal within the lock pushes executableAt back to its own time + FALLBACK_TIMELOCK", async function () {
      const fx = await load(ringLostFixture);
      const { delay, lock } = await fallbackTimes(fx);
      const t1 = fx.params.expiry + delay;
      await expect(proposeAt(fx, t1, tickFloor(fx.twap))).to.emit(fx.market, "SettlementPriceProposed");
      const t2 = t1 + DAY;
      const second = tickFloor(fx.twap) + TICK;
      await time.setNextBlockTimestamp(t2);
      await expect(by(fx, fx.guardian).proposeSettlementPrice(fx.series, second))
        .to.emit(fx.market, "SettlementPriceProposed")
        .withArgs(fx.series, second, t2 + lock, fx.guardian.address);
      // At the first proposal's executableAt nothing is due.
      await time.setNextBlockTimestamp(t1 + lock);
      await expect(fx.market.settleSeries(fx.series))
        .to.be.revertedWithCustomError(fx.oracle, "TwapWindowNotCovered")
        .withArgs(fx.feed, fx.start, fx.heldFrom);
      await time.setNextBlockTimestamp(t2 + lock);
      await expect(fx.market.settleSeries(fx.series)).to.emit(fx.market, "FallbackPriceUsed").withArgs(fx.series, second);
    });
  });

  describe("settlement when the oracle's ring lost the window", function () {
    it("until the ring is overwritten, settleSeries would settle at the window's TWAP", async function () {
      const fx = await load(ringWindowFixture);
      await time.increaseTo(fx.params.expiry);
      expect(await fx.oracle.twap(fx.feed, fx.start, fx.params.expiry)).to.equal(fx.twap);
      expect(await fx.market.settleSeries.staticCall(fx.series)).to.equal(fx.twap);
    });

    it("end to end: settleSeries waits with the oracle's error, the guardian proposes, the time lock passes, the series and then its accounts settle at the proposal", async function () {
      const fx = await load(ringLostFixture);
      const { delay, lock } = await fallbackTimes(fx);
      const accountDelay = await fx.market.ACCOUNT_SETTLEMENT_DELAY();

      // The rounds after expiry do not change the reference price, but the ring lost the window.
      expect(twapOfRounds(fx.rounds, fx.start, fx.params.expiry)).to.equal(fx.twap);
      expect(fx.heldFrom > fx.start).to.equal(true);
      await expect(by(fx, fx.outsider).settleSeries(fx.series))
        .to.be.revertedWithCustomError(fx.oracle, "TwapWindowNotCovered")
        .withArgs(fx.feed, fx.start, fx.heldFrom);

      // The guardian recomputes the TWAP from the window's rounds and proposes it, on the tick.
      const proposed = tickFloor(fx.twap);
      expect(proposed).to.not.equal(fx.twap);
      const proposedAt = fx.params.expiry + delay;
      const executableAt = proposedAt + lock;
      await time.setNextBlockTimestamp(proposedAt);
      await expect(by(fx, fx.guardian).proposeSettlementPrice(fx.series, proposed))
        .to.emit(fx.market, "SettlementPriceProposed")
        .withArgs(fx.series, proposed, executableAt, fx.guardian.address);

      // During the lock settleSeries still refuses with the oracle's error.
      await expect(by(fx, fx.outsider).settleSeries(fx.series))
        .to.be.revertedWithCustomError(fx.oracle, "TwapWindowNotCovered")
        .withArgs(fx.feed, fx.start, fx.heldFrom);
      await time.setNextBlockTimestamp(executableAt - 1n);
      await expect(by(fx, fx.outsider).settleSeries(fx.series))
        .to.be.revertedWithCustomError(fx.oracle, "TwapWindowNotCovered")
        .withArgs(fx.feed, fx.start, fx.heldFrom);
      expect((await fx.market.seriesState(fx.series)).settlementPrice).to.equal(0n);

      // From executableAt anyone settles the series at the proposal: FallbackPriceUsed, then SeriesSettled.
      await time.setNextBlockTimestamp(executableAt);
      const settle = by(fx, fx.outsider).settleSeries(fx.series);
      await expect(settle).to.emit(fx.market, "FallbackPriceUsed").withArgs(fx.series, proposed);
      await expect(settle).to.emit(fx.market, "SeriesSettled").withArgs(fx.series, proposed);
      const settleReceipt = await (await settle).wait();
      expect(await blockTimeOf(fx, settleReceipt)).to.equal(executableAt);
      expect(marketEventsIn(fx, settleReceipt)).to.deep.equal([
        ["FallbackPriceUsed", [fx.series, proposed]],
        ["SeriesSettled", [fx.series, proposed]],
      ]);
      expect((await fx.market.seriesState(fx.series)).settlementPrice).to.equal(proposed);
      await expect(by(fx, fx.guardian).proposeSettlementPrice(fx.series, fx.twap))
        .to.be.revertedWithCustomError(fx.market, "SeriesAlreadySettled")
        .withArgs(fx.series, proposed);

      // Accounts settle from ACCOUNT_SETTLEMENT_DELAY after that settleSeries, at the proposal.
      const opensAt = executableAt + accountDelay;
      const batch = RING_BOOK.map(([name]) => fx[name].address);
      await time.setNextBlockTimestamp(opensAt - 1n);
      await expect(by(fx, fx.outsider).settleAccounts(fx.series, batch))
        .to.be.revertedWithCustomError(fx.market, "AccountSettlementNotOpen")
        .withArgs(fx.series, opensAt);
      const cashBefore = await Promise.all(batch.map((a) => fx.vault.cashOf(a)));
      await time.setNextBlockTimestamp(opensAt);
      const receipt = await (await by(fx, fx.outsider).settleAccounts(fx.series, batch)).wait();
      const expected = RING_BOOK.map(([name, size, entry]) => [
        fx[name].address,
        fx.series,
        size,
        proposed,
        settlementCashOf(size, proposed, MULT),
        size * MULT * proposed - entry,
      ]);
      expect(accountSettledIn(fx, receipt)).to.deep.equal(expected);
      for (const [i, [name, size]] of RING_BOOK.entries()) {
        expect([name, await fx.vault.cashOf(batch[i])]).to.deep.equal([name, cashBefore[i] + settlementCashOf(size, proposed, MULT)]);
      }
      const dust = -RING_BOOK.reduce((sum, [, size]) => sum + settlementCashOf(size, proposed, MULT), 0n);
      expect(await fx.vault.cashOf(fx.pool)).to.equal(dust);
      expect((await fx.market.seriesState(fx.series)).openInterest).to.equal(0n);
    });
  });

  // ----------------------------------------------------------------------------- trading closed

  describe("trading after lastTradingTime", function () {
    it("refuses a fill on a settled series: TradingClosed(id, lastTradingTime)", async function () {
      const fx = await load(settledFixture);
      const far = fx.params.expiry + 30n * 86_400n;
      const signed = await signedOrder(fx, fx.alice, { isBuy: false, size: 1n, expiry: far });
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "TradingClosed")
        .withArgs(fx.series, fx.params.lastTradingTime);
    });

    it("refuses a matched cross between lastTradingTime and expiry: TradingClosed(id, lastTradingTime)", async function () {
      const fx = await load(windowFixture);
      // The chain stands at start + 2900, after lastTradingTime (= start) and before expiry.
      expect((await latestTime(fx)) >= fx.params.lastTradingTime).to.equal(true);
      const maker = await signedOrder(fx, fx.alice, { isBuy: false, size: 1n, limitPrice: P250, expiry: fx.params.expiry });
      const taker = await signedOrder(fx, fx.bob, { isBuy: true, size: 1n, limitPrice: P250, expiry: fx.params.expiry });
      await expect(by(fx, fx.outsider).matchOrders(maker.order, maker.signature, taker.order, taker.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "TradingClosed")
        .withArgs(fx.series, fx.params.lastTradingTime);
    });
  });
});
