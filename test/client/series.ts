/**
 * Series and index history through the client: the list from SeriesListed events with params,
 * index, mark, basis, open interest and life stage; the oracle's rounds from RoundUpdated events
 * (scanned in small block ranges to exercise the paging); and the keeper's settlement actions
 * carrying a series from trading to settled accounts, against the reference TWAP.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { connect } from "../../src/client/client.js";
import { InvalidInputError } from "../../src/client/errors.js";
import {
  FEED,
  FEED_NAME,
  INITIAL_INDEX,
  basisAfter,
  feedId,
  TICK,
  h100Params,
  latestTime,
  listSeries,
  pushIndex,
  pushIndexAt,
  seriesIdOf,
  settlementCashOf,
  trade,
  twapOfRounds,
  waitForAccountSettlement,
} from "../helpers/market.js";
import { clientFixture } from "./fixture.js";

const { networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

describe("client series", function () {
  this.timeout(60_000);

  it("lists a series whose feed has no round yet, without an index (the market cannot value it)", async function () {
    const fx = await loadFixture(clientFixture);
    const feed = feedId("NO-ROUND-YET");
    await (await fx.oracle.addFeed(feed, "no round yet", fx.relayers.map((w) => w.address), 1, { heartbeat: 3600, maxObservationAge: 300, maxMoveBps: 1000, minUpdateInterval: 0 }, 64)).wait();
    const { id } = await listSeries(fx, h100Params(await latestTime(fx), { feed }));
    const client = await connect(fx.alice, fx.deployment);
    const list = await client.series();
    const fresh = list.find((s) => s.id === id)!;
    expect([fresh.hasIndex, fresh.index, fresh.mark, fresh.indexStale, fresh.state]).to.deep.equal([false, 0n, 0n, true, "trading"]);
    expect(list.find((s) => s.id === seriesIdOf(fx.params))!.hasIndex, "the other series still has its index").to.equal(true);
  });

  it("lists every series since the deployment with its parameters and market state", async function () {
    const fx = await loadFixture(clientFixture);
    const secondParams = h100Params(await latestTime(fx), { expiry: fx.params.expiry + 86_400n * 30n, lastTradingTime: fx.params.expiry + 86_400n * 29n, minSize: 2n });
    await listSeries(fx, secondParams);
    await trade(fx, fx.bob, fx.alice, { size: 10n });
    const client = await connect(fx.alice, fx.deployment, { logChunkSize: 2 });
    const list = await client.series();
    expect(list.map((s) => s.id)).to.deep.equal([seriesIdOf(fx.params), seriesIdOf(secondParams)]);
    expect(list[0].params).to.deep.equal(fx.params);
    expect(list[1].params).to.deep.equal(secondParams);
    const [first] = list;
    expect(first.feed).to.equal(FEED);
    expect(first.feedName).to.equal(FEED_NAME);
    expect(first.state).to.equal("trading");
    expect(first.paused).to.equal(false);
    expect(first.listedAt).to.equal(fx.listedAt);
    expect(first.openInterest).to.equal(10n);
    expect(list[1].openInterest).to.equal(0n);
    expect(first.index).to.equal(INITIAL_INDEX);
    // The fill was at the index, so the premium and the basis are zero: mark = index.
    expect(first.mark).to.equal(INITIAL_INDEX);
    expect(first.basis).to.equal(0n);
    expect(first.indexStale).to.equal(false);
    expect(first.settlementPrice).to.equal(undefined);
    const block = await fx.ethers.provider.getBlock(first.blockNumber);
    expect(first.timestamp).to.equal(BigInt(block!.timestamp));
    expect(first.timeToExpiry).to.equal(fx.params.expiry - first.timestamp);
  });

  it("shows the basis a fill above the index leaves in the mark", async function () {
    const fx = await loadFixture(clientFixture);
    // A fill of at least the reference notional ($104,000 >= $100,000) at $2.60 sets the premium to
    // $0.10; an hour (tau) later the basis has moved half way to it.
    const receipt = await trade(fx, fx.bob, fx.alice, { size: 400n, price: 2_600n * TICK });
    await time.increase(fx.params.basisTau);
    const client = await connect(fx.alice, fx.deployment);
    const info = await client.seriesInfo(fx.series);
    const elapsed = info.timestamp - BigInt((await fx.ethers.provider.getBlock(receipt!.blockNumber))!.timestamp);
    const basis = basisAfter(0n, 100n * TICK, fx.params.basisTau, elapsed);
    expect(elapsed).to.equal(fx.params.basisTau);
    expect(info.basis).to.equal(basis);
    expect(info.basis).to.equal(50n * TICK);
    expect(info.mark).to.equal(INITIAL_INDEX + basis);
    expect(info.index).to.equal(INITIAL_INDEX);
  });

  it("follows a series from trading to closed, expired and settled; the keeper settles its accounts", async function () {
    const fx = await loadFixture(clientFixture);
    await trade(fx, fx.bob, fx.alice, { size: 10n });
    const keeper = await connect(fx.carol, fx.deployment);
    const start = fx.params.expiry - fx.params.settlementWindow;
    expect((await keeper.seriesInfo(fx.series)).state).to.equal("trading");
    // The settlement window starts at the last trading time: a round before it, one inside.
    expect(start).to.equal(fx.params.lastTradingTime);
    const rounds = [
      await pushIndexAt(fx, networkHelpers, 2_400n * TICK, start - 100n),
      await pushIndexAt(fx, networkHelpers, 2_700n * TICK, start + 1_000n),
    ];
    expect((await keeper.seriesInfo(fx.series)).state).to.equal("closed");
    await time.increaseTo(fx.params.expiry + 60n);
    const expired = await keeper.seriesInfo(fx.series);
    expect(expired.state).to.equal("expired");
    expect(expired.timeToExpiry).to.equal(0n);

    const settled = await keeper.settleSeries(fx.series);
    const price = twapOfRounds(rounds, start, fx.params.expiry);
    const info = await keeper.seriesInfo(fx.series);
    expect(info.state).to.equal("settled");
    expect(info.settlementPrice).to.equal(price);
    const pending = (await keeper.account(fx.alice.address)).positions[0];
    expect(pending).to.deep.include({ settled: true, mark: price, initialMargin: 0n, maintenanceMargin: 0n, liquidationPrice: undefined });

    const aliceCash = await fx.vault.cashOf(fx.alice.address);
    const bobCash = await fx.vault.cashOf(fx.bob.address);
    await waitForAccountSettlement(fx, networkHelpers, settled);
    await keeper.settleAccounts(fx.series, [fx.alice.address, fx.bob.address, fx.dave.address]);
    expect(await fx.vault.cashOf(fx.alice.address)).to.equal(aliceCash + settlementCashOf(10n, price, 100n));
    expect(await fx.vault.cashOf(fx.bob.address)).to.equal(bobCash + settlementCashOf(-10n, price, 100n));
    expect((await keeper.account(fx.alice.address)).positions).to.deep.equal([]);
  });

  it("settles a single account", async function () {
    const fx = await loadFixture(clientFixture);
    await trade(fx, fx.bob, fx.alice, { size: 3n });
    const start = fx.params.expiry - fx.params.settlementWindow;
    await pushIndexAt(fx, networkHelpers, INITIAL_INDEX, start - 10n);
    await time.increaseTo(fx.params.expiry + 1n);
    const keeper = await connect(fx.carol, fx.deployment);
    const settled = await keeper.settleSeries(fx.series);
    await waitForAccountSettlement(fx, networkHelpers, settled);
    const receipt = await keeper.settleAccount(fx.alice.address, fx.series);
    const event = receipt.logs.map((log) => fx.market.interface.parseLog(log)).find((e) => e?.name === "AccountSettled");
    expect(event?.args.account).to.equal(fx.alice.address);
    expect(event?.args.size).to.equal(3n);
    expect(event?.args.settlementPrice).to.equal(INITIAL_INDEX);
  });
});

describe("client index history", function () {
  this.timeout(60_000);

  it("returns every round of a feed, oldest first, by name or id, paging the event scan", async function () {
    const fx = await loadFixture(clientFixture);
    const pushed = [2_600n * TICK, 2_700n * TICK, 2_400n * TICK];
    for (const value of pushed) await pushIndex(fx, value);
    const client = await connect(fx.alice, fx.deployment, { logChunkSize: 2 });
    const history = await client.indexHistory(FEED_NAME);
    expect(history.map((r) => r.value)).to.deep.equal([INITIAL_INDEX, ...pushed]);
    expect(history.map((r) => r.roundId)).to.deep.equal([1n, 2n, 3n, 4n]);
    const relayers = fx.relayers.map((w) => w.address);
    for (const round of history) {
      expect(round.signers).to.deep.equal(relayers);
      expect(round.values).to.deep.equal(relayers.map(() => round.value));
      const stored = await fx.oracle.getRound(FEED, round.roundId);
      expect(round.observedAt).to.equal(stored.observedAt);
      expect(round.updatedAt, "no block times unless asked").to.equal(undefined);
    }
    expect(await client.indexHistory(FEED)).to.deep.equal(history);
  });

  it("returns only the last rounds with a limit, and block times when asked", async function () {
    const fx = await loadFixture(clientFixture);
    for (const value of [2_600n * TICK, 2_700n * TICK, 2_400n * TICK]) await pushIndex(fx, value);
    const client = await connect(fx.alice, fx.deployment, { logChunkSize: 1 });
    const last = await client.indexHistory(FEED_NAME, { limit: 2, blockTimes: true });
    expect(last.map((r) => r.value)).to.deep.equal([2_700n * TICK, 2_400n * TICK]);
    for (const round of last) {
      expect(round.updatedAt).to.equal(BigInt((await fx.oracle.getRound(FEED, round.roundId)).updatedAt));
    }
    const fromLater = await client.indexHistory(FEED_NAME, { fromBlock: last[0].blockNumber });
    expect(fromLater.map((r) => r.roundId)).to.deep.equal([3n, 4n]);
  });

  it("refuses a feed that is neither a deployment name nor an id, and a bad limit", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(fx.alice, fx.deployment);
    for (const [feed, options, field] of [
      ["NOPE", {}, "feed"],
      [FEED_NAME, { limit: 0 }, "limit"],
    ] as const) {
      let error: unknown;
      try {
        await client.indexHistory(feed, options);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).to.equal(field);
    }
  });
});
