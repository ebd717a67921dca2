/**
 * FuturesMarket expiry settlement: settleSeries fixes the settlement price at the index TWAP over
 * [expiry - settlementWindow, expiry] (and waits, reverting with the oracle's error, while the
 * oracle cannot cover the window); settleAccount / settleAccounts close positions at that price
 * against the series' settlement pool (longs paid floor(size x multiplier x price / scale),
 * shorts charged the ceiling); a settled position needs neither margin nor an oracle; trading
 * stops at lastTradingTime.
 *
 * Positions of the fixture (H100 series, multiplier 100):
 *   alice +10 bought from bob at 2.500; carol +4 from dave at 2.510 and +3 from bob at 2.490;
 *   so bob -13, dave -4, open interest 17.
 * Index rounds, stored at known block times around the window [start, expiry) of one hour:
 *   V0 at start - 100, V1 at start + 600, V2 at start + 1500, V3 at start + 2900 (extends to
 *   expiry). The expected settlement price is a brute-force, second-by-second mean of these
 *   rounds computed here (twapOfRounds), rounded down.
 * After every test the vault must hold exactly what it owes: token balance == totalCash +
 * insuranceFund + feeBalance.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { AbiCoder, dataSlice, getAddress, keccak256, type ContractTransactionReceipt, type Signer } from "ethers";

import type { FuturesMarket, MarginVault } from "../types/ethers-contracts/index.js";
import {
  DEPOSIT,
  FEED,
  HEARTBEAT,
  HOUR,
  INITIAL_INDEX,
  TICK,
  USD,
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
  signedOrder,
  trade,
  twapOfRounds,
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

/** windowFixture 10 minutes after expiry, with the series settled by an outsider. */
async function settledFixture(connection: NetworkConnection) {
  const fx = await windowFixture(connection);
  await connection.networkHelpers.time.increaseTo(fx.params.expiry + 600n);
  await (await (fx.market.connect(fx.outsider) as FuturesMarket).settleSeries(fx.series)).wait();
  return fx;
}

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
      const fx = await load(settledFixture);
      const cash = settlementCashOf(10n, fx.price, MULT);
      expect(cash).to.equal((10n * MULT * fx.price) / 10n ** 12n);
      await expect(fx.market.settleAccount(fx.alice.address, fx.series))
        .to.emit(fx.market, "AccountSettled")
        .withArgs(fx.alice.address, fx.series, 10n, fx.price, cash, 10n * MULT * fx.price - N1);
    });

    it("pays a long from the settlement pool", async function () {
      const fx = await load(settledFixture);
      const cash = settlementCashOf(10n, fx.price, MULT);
      await (await fx.market.settleAccount(fx.alice.address, fx.series)).wait();
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(BOOK.alice.cash + cash);
      expect(await fx.vault.cashOf(fx.pool)).to.equal(-cash);
    });

    it("settles a short: AccountSettled(account, id, size, price, -ceil(|value| / scale), value - entry)", async function () {
      const fx = await load(settledFixture);
      const value = 13n * MULT * fx.price;
      const cash = settlementCashOf(-13n, fx.price, MULT);
      expect(cash).to.equal(-((value + 10n ** 12n - 1n) / 10n ** 12n));
      await expect(fx.market.settleAccount(fx.bob.address, fx.series))
        .to.emit(fx.market, "AccountSettled")
        .withArgs(fx.bob.address, fx.series, -13n, fx.price, cash, -value + N1 + N3);
    });

    it("makes a short pay into the settlement pool", async function () {
      const fx = await load(settledFixture);
      const cash = settlementCashOf(-13n, fx.price, MULT);
      await (await fx.market.settleAccount(fx.bob.address, fx.series)).wait();
      expect(await fx.vault.cashOf(fx.bob.address)).to.equal(BOOK.bob.cash + cash);
      expect(await fx.vault.cashOf(fx.pool)).to.equal(-cash);
    });

    it("reports the realised PnL of a position built from two fills at its average entry", async function () {
      const fx = await load(settledFixture);
      await expect(fx.market.settleAccount(fx.carol.address, fx.series))
        .to.emit(fx.market, "AccountSettled")
        .withArgs(...expectedSettlement(fx, "carol", fx.price));
    });

    it("zeroes the position", async function () {
      const fx = await load(settledFixture);
      await (await fx.market.settleAccount(fx.alice.address, fx.series)).wait();
      const p = await fx.market.positionOf(fx.alice.address, fx.series);
      expect([p.size, p.entryNotional]).to.deep.equal([0n, 0n]);
    });

    it("removes the series from openSeriesOf", async function () {
      const fx = await load(settledFixture);
      expect(await fx.market.openSeriesOf(fx.dave.address)).to.deep.equal([fx.series]);
      await (await fx.market.settleAccount(fx.dave.address, fx.series)).wait();
      expect(await fx.market.openSeriesOf(fx.dave.address)).to.deep.equal([]);
    });

    it("lowers the open interest by a settled long's size", async function () {
      const fx = await load(settledFixture);
      expect((await fx.market.seriesState(fx.series)).openInterest).to.equal(17n);
      await (await fx.market.settleAccount(fx.carol.address, fx.series)).wait();
      expect((await fx.market.seriesState(fx.series)).openInterest).to.equal(10n);
    });

    it("leaves the open interest alone when a short settles", async function () {
      const fx = await load(settledFixture);
      await (await fx.market.settleAccount(fx.bob.address, fx.series)).wait();
      expect((await fx.market.seriesState(fx.series)).openInterest).to.equal(17n);
    });

    it("may be called by anyone for any account", async function () {
      const fx = await load(settledFixture);
      await expect(by(fx, fx.outsider).settleAccount(fx.dave.address, fx.series))
        .to.emit(fx.market, "AccountSettled")
        .withArgs(...expectedSettlement(fx, "dave", fx.price));
    });

    it("refuses an account without a position: NothingToSettle(account, id)", async function () {
      const fx = await load(settledFixture);
      await expect(fx.market.settleAccount(fx.outsider.address, fx.series))
        .to.be.revertedWithCustomError(fx.market, "NothingToSettle")
        .withArgs(fx.outsider.address, fx.series);
    });

    it("refuses an account settled already: NothingToSettle(account, id)", async function () {
      const fx = await load(settledFixture);
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
      await (await fx.market.settleSeries(fx.series)).wait();
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
      const fx = await load(settledFixture);
      const receipt = await (await by(fx, fx.outsider).settleAccounts(fx.series, batchOf(fx))).wait();
      expect(accountSettledIn(fx, receipt)).to.deep.equal(NAMES.map((n) => expectedSettlement(fx, n, fx.price)));
    });

    it("skips an account settled already", async function () {
      const fx = await load(settledFixture);
      await (await fx.market.settleAccount(fx.alice.address, fx.series)).wait();
      const receipt = await (await fx.market.settleAccounts(fx.series, [fx.alice.address, fx.bob.address])).wait();
      expect(accountSettledIn(fx, receipt)).to.deep.equal([expectedSettlement(fx, "bob", fx.price)]);
    });

    it("leaves every position closed, no open series and zero open interest", async function () {
      const fx = await load(settledFixture);
      await (await fx.market.settleAccounts(fx.series, batchOf(fx))).wait();
      for (const name of NAMES) {
        const p = await fx.market.positionOf(fx[name].address, fx.series);
        expect([name, p.size, p.entryNotional, await fx.market.openSeriesOf(fx[name].address)]).to.deep.equal([name, 0n, 0n, []]);
      }
      expect((await fx.market.seriesState(fx.series)).openInterest).to.equal(0n);
    });

    it("credits each account its settlement cash", async function () {
      const fx = await load(settledFixture);
      await (await fx.market.settleAccounts(fx.series, batchOf(fx))).wait();
      for (const name of NAMES) {
        expect([name, await fx.vault.cashOf(fx[name].address)]).to.deep.equal([
          name,
          BOOK[name].cash + settlementCashOf(BOOK[name].size, fx.price, MULT),
        ]);
      }
    });

    it("leaves the pool only the rounding dust: sum of settled cash = -pool cash, 0 <= dust < accounts", async function () {
      const fx = await load(settledFixture);
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
      const fx = await load(settledFixture);
      const receipt = await (await fx.market.settleAccounts(fx.series, batchOf(fx))).wait();
      const realised = accountSettledIn(fx, receipt).map((args) => args[5] as bigint);
      expect(realised).to.deep.equal(NAMES.map((n) => realisedOf(n, fx.price)));
      expect(realised.reduce((a, b) => a + b, 0n)).to.equal(0n);
    });

    it("does nothing for a batch of accounts without positions", async function () {
      const fx = await load(settledFixture);
      const receipt = await (await fx.market.settleAccounts(fx.series, [fx.outsider.address, fx.guardian.address])).wait();
      expect(accountSettledIn(fx, receipt)).to.deep.equal([]);
      expect((await fx.market.seriesState(fx.series)).openInterest).to.equal(17n);
    });
  });

  // ----------------------------------------------------------------------------- margin

  describe("margin after settleSeries", function () {
    /** settledFixture with the oracle gone stale (no round for more than the heartbeat). */
    async function staleSettled() {
      const fx = await load(settledFixture);
      await time.increase(HEARTBEAT + 1n);
      expect(await fx.oracle.isStale(FEED), "the index is stale").to.equal(true);
      return fx;
    }

    it("marginOf values a long at the settlement price, with no margin and no stale flag", async function () {
      const fx = await staleSettled();
      const value = settlementCashOf(10n, fx.price, MULT);
      const m = await fx.market.marginOf(fx.alice.address);
      expect([m.openPositions, m.markValue, m.withdrawalValue, m.initialMargin, m.maintenanceMargin, m.indexStale]).to.deep.equal([
        1n,
        value,
        value,
        0n,
        0n,
        false,
      ]);
    });

    it("marginOf values a short at minus the ceiling of its settlement value", async function () {
      const fx = await staleSettled();
      const value = settlementCashOf(-13n, fx.price, MULT);
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

    it("the vault's free collateral is cash + settled value, with a stale index", async function () {
      const fx = await staleSettled();
      const free = BOOK.alice.cash + settlementCashOf(10n, fx.price, MULT);
      const m = await fx.vault.accountMargin(fx.alice.address);
      expect([m.cash, m.equity, m.initialMargin, m.freeCollateral, m.indexStale]).to.deep.equal([
        BOOK.alice.cash,
        free,
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

    it("a long withdraws its whole free collateral before its account is settled", async function () {
      const fx = await staleSettled();
      const free = BOOK.alice.cash + settlementCashOf(10n, fx.price, MULT);
      await expect(vaultBy(fx, fx.alice).withdraw(free, fx.alice.address)).to.changeTokenBalances(
        ethers,
        fx.usd,
        [fx.alice.address, fx.vaultAddress],
        [free, -free],
      );
    });

    it("refuses one unit above it: InsufficientFreeCollateral(account, requested, free)", async function () {
      const fx = await staleSettled();
      const free = BOOK.alice.cash + settlementCashOf(10n, fx.price, MULT);
      await expect(vaultBy(fx, fx.alice).withdraw(free + 1n, fx.alice.address))
        .to.be.revertedWithCustomError(fx.vault, "InsufficientFreeCollateral")
        .withArgs(fx.alice.address, free + 1n, free);
    });

    it("after such a withdrawal, settling the long's account leaves exactly zero cash", async function () {
      const fx = await staleSettled();
      const free = BOOK.alice.cash + settlementCashOf(10n, fx.price, MULT);
      await (await vaultBy(fx, fx.alice).withdraw(free, fx.alice.address)).wait();
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(-settlementCashOf(10n, fx.price, MULT));
      await (await fx.market.settleAccount(fx.alice.address, fx.series)).wait();
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(0n);
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
