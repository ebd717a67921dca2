/**
 * The keeper settles an expired series (settleSeries on the oracle's TWAP over the last hour),
 * waits out the deleveraging hour, then settles every account in batches of `batchSize`; a
 * keeper restarted on the same state directory resumes the scan where it stopped and sends
 * nothing that is already done.
 *
 * Book: bob buys 10 from alice, dave 4 from carol, erin 3 from alice, all at 2.50: five accounts
 * hold positions. The index is 2.40 from 100 s before the settlement window and 2.60 from 1,200 s
 * into it: the settlement price is their time-weighted mean (twapOfRounds, by brute force).
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { rm } from "node:fs/promises";

import {
  INITIAL_INDEX,
  expectVaultHoldsWhatItOwes,
  marketFixture,
  depositFrom,
  pushIndexAt,
  settlementCashOf,
  trade,
  twapOfRounds,
  DEPOSIT,
  type MarketFx,
} from "../helpers/market.js";
import { sentBy, startKeeper, type StartedKeeper } from "./harness.js";

const connection = await network.create();
const { loadFixture, time } = connection.networkHelpers;

const MULT = 100n;
const P240 = 2_400_000_000_000_000_000n;
const P260 = 2_600_000_000_000_000_000n;
const BATCH = 2;

async function bookFixture(c: NetworkConnection) {
  const fx = await marketFixture(c);
  const erin = (await c.ethers.getSigners())[8];
  await depositFrom(fx, erin, DEPOSIT);
  await trade(fx, fx.alice, fx.bob, { size: 10n, price: INITIAL_INDEX });
  await trade(fx, fx.carol, fx.dave, { size: 4n, price: INITIAL_INDEX });
  await trade(fx, fx.alice, erin, { size: 3n, price: INITIAL_INDEX });
  return { ...fx, erin };
}

/** bookFixture moved past expiry, with the window's rounds stored; `price` is the expected settlement price. */
async function expiredFixture(c: NetworkConnection) {
  const fx = await bookFixture(c);
  const clock = c.networkHelpers;
  const start = fx.params.expiry - fx.params.settlementWindow;
  const rounds = [await pushIndexAt(fx, clock, P240, start - 100n), await pushIndexAt(fx, clock, P260, start + 1200n)];
  await clock.time.increaseTo(fx.params.expiry + 60n);
  return { ...fx, price: twapOfRounds(rounds, start, fx.params.expiry) };
}

type Fx = Awaited<ReturnType<typeof expiredFixture>>;

const holdersOf = (fx: Fx) => [fx.alice, fx.bob, fx.carol, fx.dave, fx.erin].map((s) => s.address);

async function sizes(fx: MarketFx, accounts: string[]): Promise<bigint[]> {
  return Promise.all(accounts.map(async (a) => (await fx.market.positionOf(a, fx.series)).size));
}

describe("keeper: expiry settlement", function () {
  this.timeout(120_000);
  const started: StartedKeeper[] = [];

  afterEach(async function () {
    for (const s of started.splice(0)) {
      await s.keeper.stop();
      await rm(s.stateDir, { recursive: true, force: true });
    }
  });

  it("settles the expired series at the TWAP, waits out the hour, then settles every account in batches", async function () {
    const fx = await loadFixture(expiredFixture);
    const accounts = holdersOf(fx);
    const before = await sizes(fx, accounts);
    expect(before).to.deep.equal([-13n, 10n, -4n, 4n, 3n]);
    const cashBefore = await Promise.all(accounts.map((a) => fx.vault.cashOf(a)));
    const s = await startKeeper(fx, { batchSize: BATCH });
    started.push(s);
    const keeper = s.wallet.address;

    const first = await s.keeper.tick();
    expect(first.seriesSettled.map((r) => r.status)).to.deep.equal(["settled"]);
    expect((await fx.market.seriesState(fx.series)).settlementPrice).to.equal(fx.price);
    expect(first.accountsSettled, "nothing settles in the deleveraging hour: no debtor").to.deep.equal([]);
    expect(await sentBy(fx, keeper)).to.equal(1);

    await time.increase(600);
    await s.keeper.tick();
    expect(await sentBy(fx, keeper), "still within the hour: nothing sent").to.equal(1);

    await time.increase(3600);
    const third = await s.keeper.tick();
    const settled = third.accountsSettled.flatMap((r) => r.settled);
    expect([...settled].sort()).to.deep.equal(accounts.map((a) => a.toLowerCase()).sort());
    const batches = Math.ceil(accounts.length / BATCH);
    expect(await sentBy(fx, keeper), "settleSeries and ceil(5 / 2) batches").to.equal(1 + batches);
    expect(await sizes(fx, accounts)).to.deep.equal([0n, 0n, 0n, 0n, 0n]);
    // Each account was paid (long) or paid (short) its position's value at the settlement price.
    for (let i = 0; i < accounts.length; i++) {
      expect(await fx.vault.cashOf(accounts[i]), `cash of account ${i}`).to.equal(cashBefore[i] + settlementCashOf(before[i], fx.price, MULT));
    }
    const events = await fx.market.queryFilter(fx.market.filters.AccountSettled(undefined, fx.series));
    expect(events).to.have.length(accounts.length);
    expect(await fx.vault.cashOf(await fx.market.settlementPool(fx.series)) >= 0n, "the pool keeps only dust").to.equal(true);
    await expectVaultHoldsWhatItOwes(fx);

    // Done: another tick reads the chain and sends nothing.
    await s.keeper.tick();
    expect(await sentBy(fx, keeper)).to.equal(1 + batches);
  });

  it("a keeper restarted on the same state directory resumes the scan and never resends settleSeries", async function () {
    const fx = await loadFixture(expiredFixture);
    const a = await startKeeper(fx, { batchSize: BATCH });
    await a.keeper.tick();
    const keeper = a.wallet.address;
    expect(await sentBy(fx, keeper)).to.equal(1);
    const cursor = a.keeper.nextBlock;
    await a.keeper.stop();

    const b = await startKeeper(fx, { batchSize: BATCH, wallet: a.wallet, stateDir: a.stateDir });
    started.push(b);
    expect(b.keeper.nextBlock, "the cursor survived the restart").to.equal(cursor);
    expect(b.keeper.accounts.length).to.equal(a.keeper.accounts.length);
    await time.increase(3600);
    const summary = await b.keeper.tick();
    expect(summary.seriesSettled, "settleSeries is not sent again").to.deep.equal([]);
    expect(await sentBy(fx, keeper)).to.equal(1 + Math.ceil(5 / BATCH));
    expect(await sizes(fx, holdersOf(fx))).to.deep.equal([0n, 0n, 0n, 0n, 0n]);
    await b.keeper.stop();
    started.pop();

    const c = await startKeeper(fx, { batchSize: BATCH, wallet: a.wallet, stateDir: a.stateDir });
    started.push(c);
    const idle = await c.keeper.tick();
    expect([idle.seriesSettled, idle.accountsSettled, idle.liquidations, idle.deleveraged]).to.deep.equal([[], [], [], []]);
    expect(await sentBy(fx, keeper), "a third start sends nothing").to.equal(1 + Math.ceil(5 / BATCH));
    await expectVaultHoldsWhatItOwes(fx);
  });

  it("settles the accounts of a series someone else settled, learning when from the SeriesSettled event", async function () {
    const fx = await loadFixture(expiredFixture);
    await (await (fx.market.connect(fx.outsider) as typeof fx.market).settleSeries(fx.series)).wait();
    await time.increase(3600);
    const s = await startKeeper(fx, { batchSize: 10 });
    started.push(s);
    const summary = await s.keeper.tick();
    expect(summary.seriesSettled).to.deep.equal([]);
    expect(summary.accountsSettled.flatMap((r) => r.settled)).to.have.length(5);
    expect(await sentBy(fx, s.wallet.address), "one batch").to.equal(1);
    expect(await sizes(fx, holdersOf(fx))).to.deep.equal([0n, 0n, 0n, 0n, 0n]);
  });
});
