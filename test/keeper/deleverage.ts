/**
 * Accounts in debt beyond the insurance fund: the keeper deleverages them when it holds
 * DELEVERAGER_ROLE (counterparties ranked by profit ratio x leverage), and only reports them
 * otherwise. In a settled series it deleverages them in the hour before accounts settle; a debtor
 * the fund covers settles alone within that hour, everyone else after it.
 *
 * Book: erin (521.25 USD) buys 10 at 2.50, 5 from frank (300 USD: a leveraged short) and 5 from
 * alice (100,000 USD); both shorts entered at 2.50, so their profit ratios are equal and frank,
 * far more leveraged, comes first (carol, short 3 from bob with 100,000 USD, is the least
 * leveraged and is not needed). The insurance fund holds 20 USD. The index falls to
 * 1.897000001: erin's equity is about -83 USD, beyond the fund.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import {
  INITIAL_INDEX,
  USD,
  buyerPays,
  depositFrom,
  expectVaultHoldsWhatItOwes,
  feeOf,
  fundInsurance,
  marketFixture,
  markValueOf,
  notionalOf,
  pushIndexAt,
  sellerReceives,
  settlementCashOf,
  stepIndexTo,
  trade,
} from "../helpers/market.js";
import { sentBy, startKeeper, stopKeeper, type StartedKeeper } from "./harness.js";

const { networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const MULT = 100n;
const P_CRASH = 1_897_000_001_000_000_000n;
const FUND = 20n * USD;
const ERIN_DEPOSIT = 521_250_000n;
const N5 = notionalOf(5n, INITIAL_INDEX, MULT);
/** erin's cash after buying 5 + 5 at 2.50 as taker: 521.25 - 2 x (1,250 + 0.625) = -1,980 USD. */
const ERIN_CASH = ERIN_DEPOSIT - 2n * (buyerPays(N5) + feeOf(N5, 5n));

async function bookFixture(c: NetworkConnection) {
  const fx = await marketFixture(c);
  const [erin, frank] = (await c.ethers.getSigners()).slice(8, 10);
  await depositFrom(fx, erin, ERIN_DEPOSIT);
  await depositFrom(fx, frank, 300n * USD);
  await trade(fx, frank, erin, { size: 5n, price: INITIAL_INDEX });
  await trade(fx, fx.alice, erin, { size: 5n, price: INITIAL_INDEX });
  await trade(fx, fx.carol, fx.bob, { size: 3n, price: INITIAL_INDEX });
  await fundInsurance(fx, FUND);
  return { ...fx, erin, frank };
}

async function crashFixture(c: NetworkConnection) {
  const fx = await bookFixture(c);
  await stepIndexTo(fx, c.networkHelpers.time, P_CRASH);
  return fx;
}

describe("keeper: accounts in debt", function () {
  this.timeout(120_000);
  let started: StartedKeeper | undefined;

  afterEach(async function () {
    await stopKeeper(started);
    started = undefined;
  });

  it("deleverages a bankrupt account beyond the fund: the most leveraged profitable short first, then the next", async function () {
    const fx = await loadFixture(crashFixture);
    const equity = ERIN_CASH + markValueOf(10n, P_CRASH, MULT);
    expect(equity < -FUND, "erin's debt exceeds the fund").to.equal(true);
    started = await startKeeper(fx, { deleverager: true });

    const summary = await started.keeper.tick();

    const events = await fx.market.queryFilter(fx.market.filters.PositionDeleveraged(fx.erin.address));
    expect(events.map((e) => [e.args.counterparty, e.args.size, e.args.price])).to.deep.equal([
      [fx.frank.address, 5n, P_CRASH],
      [fx.alice.address, 5n, P_CRASH],
    ]);
    // First call: the fund (20) is drawn, frank pays half of the rest (5 of 10 contracts).
    const deficit = -equity - FUND;
    const firstShare = deficit / 2n;
    expect(events[0].args.deficitShare).to.equal(firstShare);
    // Second call closes erin's last position: alice pays whatever leaves erin at zero.
    const received = sellerReceives(notionalOf(5n, P_CRASH, MULT));
    const cashAfterFirst = ERIN_CASH + FUND + received + firstShare;
    expect(events[1].args.deficitShare).to.equal(-(cashAfterFirst + received));
    expect(await fx.vault.cashOf(fx.erin.address), "erin ends at exactly zero").to.equal(0n);
    for (const who of [fx.erin, fx.frank, fx.alice]) {
      expect((await fx.market.positionOf(who.address, fx.series)).size, who.address).to.equal(0n);
    }
    expect(await fx.vault.insuranceFund()).to.equal(0n);
    expect(summary.deleveraged.map((r) => r.status)).to.deep.equal(["deleveraged", "deleveraged"]);
    expect(summary.liquidations, "nothing left to liquidate").to.deep.equal([]);
    expect(await sentBy(fx, started.wallet.address)).to.equal(2);
    await expectVaultHoldsWhatItOwes(fx);
  });

  it("without DELEVERAGER_ROLE only reports the account, and sends nothing", async function () {
    const fx = await loadFixture(crashFixture);
    started = await startKeeper(fx);
    const summary = await started.keeper.tick();
    expect(summary.deleveraged.map((r) => [r.status, r.account])).to.deep.equal([["reported", fx.erin.address.toLowerCase()]]);
    expect(summary.liquidations, "liquidation would be refused (NeedsDeleveraging): not tried").to.deep.equal([]);
    expect(await sentBy(fx, started.wallet.address)).to.equal(0);
    expect(await started.keeper.metrics.registry.getSingleMetricAsString("cfx_keeper_bankrupt_accounts")).to.match(/cfx_keeper_bankrupt_accounts 1/);
  });

  it("in a settled series, deleverages a bankrupt account within the hour, then settles everyone after it", async function () {
    const fx = await loadFixture(bookFixture);
    // The keeper sleeps through the crash; the series settles at P_CRASH (the whole window).
    const clock = networkHelpers;
    const start = fx.params.expiry - fx.params.settlementWindow;
    await stepIndexTo(fx, time, P_CRASH);
    await pushIndexAt(fx, clock, P_CRASH, start - 100n);
    await time.increaseTo(fx.params.expiry + 60n);
    started = await startKeeper(fx, { deleverager: true });
    const keeper = started.wallet.address;

    const first = await started.keeper.tick();
    expect(first.seriesSettled.map((r) => r.status)).to.deep.equal(["settled"]);
    expect((await fx.market.seriesState(fx.series)).settlementPrice).to.equal(P_CRASH);
    expect(first.deleveraged.map((r) => r.status), "erin deleveraged in the hour").to.deep.equal(["deleveraged", "deleveraged"]);
    expect(first.accountsSettled).to.deep.equal([]);
    expect(await fx.vault.cashOf(fx.erin.address)).to.equal(0n);
    expect(await sentBy(fx, keeper)).to.equal(3);

    const cashBefore = await Promise.all([fx.bob, fx.carol].map((w) => fx.vault.cashOf(w.address)));
    await time.increase(3600);
    const after = await started.keeper.tick();
    // Only bob (long 3) and carol (short 3) still hold positions: one batch settles both.
    expect([...after.accountsSettled.flatMap((r) => r.settled)].sort()).to.deep.equal(
      [fx.bob.address, fx.carol.address].map((a) => a.toLowerCase()).sort(),
    );
    expect(await fx.vault.cashOf(fx.bob.address)).to.equal(cashBefore[0] + settlementCashOf(3n, P_CRASH, MULT));
    expect(await fx.vault.cashOf(fx.carol.address)).to.equal(cashBefore[1] + settlementCashOf(-3n, P_CRASH, MULT));
    for (const who of [fx.erin, fx.frank, fx.alice, fx.bob, fx.carol]) {
      expect((await fx.market.positionOf(who.address, fx.series)).size, who.address).to.equal(0n);
    }
    expect(await sentBy(fx, keeper), "settleSeries, two deleverages, one batch").to.equal(4);
    await expectVaultHoldsWhatItOwes(fx);
  });
  it("within the hour settles a debtor the fund covers, on its own, and everyone else after the hour", async function () {
    const fx = await loadFixture(bookFixture);
    await fundInsurance(fx, 80n * USD); // 100 USD: erin's 83 USD debt is covered
    const start = fx.params.expiry - fx.params.settlementWindow;
    await stepIndexTo(fx, time, P_CRASH);
    await pushIndexAt(fx, networkHelpers, P_CRASH, start - 100n);
    await time.increaseTo(fx.params.expiry + 60n);
    started = await startKeeper(fx);
    const keeper = started.wallet.address;

    const first = await started.keeper.tick();
    expect(first.deleveraged, "not beyond the fund").to.deep.equal([]);
    expect(first.accountsSettled.flatMap((r) => r.settled)).to.deep.equal([fx.erin.address.toLowerCase()]);
    const debt = -(ERIN_CASH + settlementCashOf(10n, P_CRASH, MULT));
    const [badDebt] = await fx.market.queryFilter(fx.market.filters.BadDebt(fx.erin.address));
    expect([badDebt.args.debt, badDebt.args.covered, badDebt.args.uncovered]).to.deep.equal([debt, debt, 0n]);
    expect(await fx.vault.insuranceFund()).to.equal(FUND + 80n * USD - debt);
    expect(await sentBy(fx, keeper), "settleSeries and erin's settleAccount").to.equal(2);
    expect((await fx.market.positionOf(fx.frank.address, fx.series)).size, "the others wait for the hour").to.equal(-5n);

    await time.increase(3600);
    const after = await started.keeper.tick();
    const others = [fx.frank, fx.alice, fx.bob, fx.carol].map((w) => w.address.toLowerCase());
    expect([...after.accountsSettled.flatMap((r) => r.settled)].sort()).to.deep.equal([...others].sort());
    expect(await sentBy(fx, keeper), "one batch").to.equal(3);
    await expectVaultHoldsWhatItOwes(fx);
  });
});
