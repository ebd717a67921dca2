/**
 * The keeper against the market fixture on the in-process network: it finds accounts from events,
 * liquidates an account an index move pushed below maintenance margin (the worked example of
 * docs/market.md: erin buys 10 contracts at 2.50 with 1,000 USD, the index falls to 1.70: 6
 * contracts move, the penalty is 51 USD, half of it the keeper's), and leaves alone a healthy
 * account and one whose liquidation does not pay after gas.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import type { LiquidationResult } from "../../src/keeper/index.js";
import {
  BPS,
  INITIAL_INDEX,
  TOKEN_SCALE,
  USD,
  WAD,
  buyerPays,
  ceilDiv,
  depositFrom,
  expectVaultHoldsWhatItOwes,
  feeOf,
  marketFixture,
  markValueOf,
  notionalOf,
  requirementOf,
  stepIndexTo,
  trade,
} from "../helpers/market.js";
import { sentBy, startKeeper, stopKeeper, type StartedKeeper } from "./harness.js";

const { networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const MULT = 100n;
const IM_BPS = 2000n;
const MM_BPS = 1200n;
const PENALTY_BPS = 500n;
const SHARE_BPS = 5000n;
const P170 = 1_700_000_000_000_000_000n;
const P180 = 1_800_000_000_000_000_000n;
const ERIN_DEPOSIT = 1_000n * USD;

/** erin (1,000 USD) buys 10 at 2.50 from bob as taker: cash 1,000 - 2,500 - 1.25 = -1,501.25 USD. */
async function erinLongFixture(connection: NetworkConnection) {
  const fx = await marketFixture(connection);
  const erin = (await connection.ethers.getSigners())[8];
  await depositFrom(fx, erin, ERIN_DEPOSIT);
  await trade(fx, fx.bob, erin, { size: 10n, price: INITIAL_INDEX });
  return { ...fx, erin };
}

const ERIN_CASH = ERIN_DEPOSIT - buyerPays(notionalOf(10n, INITIAL_INDEX, MULT)) - feeOf(notionalOf(10n, INITIAL_INDEX, MULT), 5n);

/** The docs' partial-liquidation rule at `mark` for erin's long 10, recomputed here. */
function expectedLiquidation(mark: bigint) {
  const equity = ERIN_CASH + markValueOf(10n, mark, MULT);
  const initialMargin = requirementOf(10n, mark, MULT, IM_BPS);
  const relief = (MULT * mark * (IM_BPS - PENALTY_BPS)) / (BPS * TOKEN_SCALE);
  const size = ceilDiv(initialMargin - equity, relief - 4n);
  const penalty = ceilDiv(size * MULT * mark * PENALTY_BPS, BPS * TOKEN_SCALE);
  const toLiquidator = (penalty * SHARE_BPS) / BPS;
  return { size, penalty, toLiquidator, toInsurance: penalty - toLiquidator };
}

describe("keeper: discovery and liquidation", function () {
  this.timeout(120_000);
  let started: StartedKeeper | undefined;

  afterEach(async function () {
    await stopKeeper(started);
    started = undefined;
  });

  it("discovers every depositor, trader and series from events, scanning in chunks", async function () {
    const fx = await loadFixture(erinLongFixture);
    started = await startKeeper(fx, { chunkBlocks: 3 });
    const summary = await started.keeper.tick();
    const head = await fx.ethers.provider.getBlockNumber();
    expect(summary.scannedTo, "scanned to the head").to.equal(head);
    expect(started.keeper.nextBlock).to.equal(head + 1);
    const expected = [fx.alice, fx.bob, fx.carol, fx.dave, fx.erin].map((s) => s.address.toLowerCase());
    expected.push(started.wallet.address.toLowerCase()); // its operator deposited for it
    expect([...started.keeper.accounts].sort()).to.deep.equal(expected.sort());
    expect(started.keeper.series).to.deep.equal([fx.series]);
  });

  it("liquidates an account an index move pushed below maintenance margin, as docs/market.md computes", async function () {
    const fx = await loadFixture(erinLongFixture);
    await stepIndexTo(fx, time, P170);
    started = await startKeeper(fx);
    const keeper = started.wallet.address;
    const want = expectedLiquidation(P170);
    // The worked example's numbers: 6 contracts, a 51 USD penalty, half to the liquidator.
    expect([want.size, want.penalty, want.toLiquidator]).to.deep.equal([6n, 51n * USD, 25_500_000n]);
    const insuranceBefore = await fx.vault.insuranceFund();
    const cashBefore = await fx.vault.cashOf(keeper);

    const summary = await started.keeper.tick();

    const done = summary.liquidations.filter((r): r is Extract<LiquidationResult, { status: "liquidated" }> => r.status === "liquidated");
    expect(done, "one liquidation").to.have.length(1);
    expect(done[0].plan.rewardUnits, "the reward the keeper expected").to.equal(want.toLiquidator);
    const events = await fx.market.queryFilter(fx.market.filters.PositionLiquidated(fx.erin.address));
    expect(events).to.have.length(1);
    const [account, series, liquidator, size, markPrice, toLiquidator, toInsurance] = events[0].args;
    expect([account, series, liquidator, size, markPrice, toLiquidator, toInsurance]).to.deep.equal([
      fx.erin.address,
      fx.series,
      keeper,
      want.size,
      P170,
      want.toLiquidator,
      want.toInsurance,
    ]);
    expect((await fx.market.positionOf(fx.erin.address, fx.series)).size, "erin keeps 4").to.equal(10n - want.size);
    expect((await fx.market.positionOf(keeper, fx.series)).size, "the keeper took over 6").to.equal(want.size);
    expect(await fx.vault.insuranceFund()).to.equal(insuranceBefore + want.toInsurance);
    // The keeper bought 6 at the mark (paying ceil(notional)) and was paid its share.
    expect(await fx.vault.cashOf(keeper)).to.equal(cashBefore - buyerPays(notionalOf(want.size, P170, MULT)) + want.toLiquidator);
    // erin is back above maintenance: a second tick sends nothing.
    const nonce = await sentBy(fx, keeper);
    expect((await started.keeper.tick()).liquidations).to.deep.equal([]);
    expect(await sentBy(fx, keeper)).to.equal(nonce);
    await expectVaultHoldsWhatItOwes(fx);
  });

  it("a keeper restarted on the same state directory does not liquidate again", async function () {
    const fx = await loadFixture(erinLongFixture);
    await stepIndexTo(fx, time, P170);
    const a = await startKeeper(fx);
    await a.keeper.tick();
    expect(await sentBy(fx, a.wallet.address)).to.equal(1);
    const cursor = a.keeper.nextBlock;
    await a.keeper.stop();
    started = await startKeeper(fx, { wallet: a.wallet, stateDir: a.stateDir });
    expect(started.keeper.nextBlock, "resumes the scan where it stopped").to.equal(cursor);
    const summary = await started.keeper.tick();
    // Only the block after the cursor is read: the liquidation's two PositionChanged events.
    expect(summary.events, "only the blocks after the cursor were read").to.equal(2);
    expect(summary.liquidations).to.deep.equal([]);
    expect(await sentBy(fx, a.wallet.address)).to.equal(1);
    expect((await fx.market.queryFilter(fx.market.filters.PositionLiquidated(fx.erin.address))).length).to.equal(1);
  });

  it("leaves a healthy account alone: at 1.80 erin is below initial but above maintenance margin", async function () {
    const fx = await loadFixture(erinLongFixture);
    await stepIndexTo(fx, time, P180);
    const equity = ERIN_CASH + markValueOf(10n, P180, MULT);
    expect(equity >= requirementOf(10n, P180, MULT, MM_BPS) && equity < requirementOf(10n, P180, MULT, IM_BPS)).to.equal(true);
    started = await startKeeper(fx, { minProfitUsd: "0" });
    const summary = await started.keeper.tick();
    expect(summary.liquidations).to.deep.equal([]);
    expect(await sentBy(fx, started.wallet.address), "no transaction").to.equal(0);
    expect((await fx.market.positionOf(fx.erin.address, fx.series)).size).to.equal(10n);
  });

  it("does not liquidate when the reward (25.50 USD) is below the minimum profit", async function () {
    const fx = await loadFixture(erinLongFixture);
    await stepIndexTo(fx, time, P170);
    started = await startKeeper(fx, { minProfitUsd: "25.50" });
    const summary = await started.keeper.tick();
    expect(summary.liquidations).to.have.length(1);
    const [skipped] = summary.liquidations;
    expect(skipped.status === "skipped" && skipped.reason).to.equal("unprofitable");
    const plan = (skipped as Extract<LiquidationResult, { status: "skipped" }>).plan!;
    // 25.50 USD of reward minus a non-zero gas cost falls short of 25.50.
    expect(plan.rewardUnits).to.equal(expectedLiquidation(P170).toLiquidator);
    expect(plan.gasCostWad! > 0n).to.equal(true);
    expect(plan.profitWad).to.equal(plan.rewardUnits! * TOKEN_SCALE - plan.gasCostWad!);
    expect(await sentBy(fx, started.wallet.address), "no transaction").to.equal(0);
    expect((await fx.market.positionOf(fx.erin.address, fx.series)).size).to.equal(10n);
    const metrics = await started.keeper.metrics.registry.getSingleMetricAsString("cfx_keeper_liquidations_skipped_total");
    expect(metrics).to.match(/reason="unprofitable"\} 1/);
  });

  it("does not liquidate when gas, priced at a high ETH price, costs more than the reward", async function () {
    const fx = await loadFixture(erinLongFixture);
    await stepIndexTo(fx, time, P170);
    // At 10,000,000 USD per ETH even 100,000 gas at 1 gwei costs 1,000 USD.
    started = await startKeeper(fx, { minProfitUsd: "0", ethPriceUsd: "10000000" });
    const [skipped] = (await started.keeper.tick()).liquidations;
    expect(skipped.status === "skipped" && skipped.reason).to.equal("unprofitable");
    const plan = (skipped as Extract<LiquidationResult, { status: "skipped" }>).plan!;
    // The cost as documented: gas x fee per gas (wei) x USD per ETH, in WAD USD, rounded up.
    const ethPrice = 10_000_000n * WAD;
    expect(plan.gasCostWad).to.equal(ceilDiv(plan.gas! * plan.weiPerGas! * ethPrice, WAD));
    expect(plan.gasCostWad! > plan.rewardUnits! * TOKEN_SCALE).to.equal(true);
    expect(await sentBy(fx, started.wallet.address), "no transaction").to.equal(0);
  });

  it("does not take over more than its own margin carries: without collateral it sends nothing and says why", async function () {
    const fx = await loadFixture(erinLongFixture);
    await stepIndexTo(fx, time, P170);
    started = await startKeeper(fx, { collateral: 0n, minProfitUsd: "0" });
    const [skipped] = (await started.keeper.tick()).liquidations;
    expect(skipped.status === "skipped" && skipped.reason).to.equal("keeper-margin");
    expect(await sentBy(fx, started.wallet.address), "no transaction").to.equal(0);
  });
});
