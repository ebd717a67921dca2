/**
 * The account summary against the worked example of docs/market.md, recomputed with the
 * reference arithmetic of test/helpers/market.ts (not read back from the contracts), and the
 * liquidation price checked on the chain: with the index at the computed price the account can
 * be liquidated, one wei on the safe side it cannot.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { connect } from "../../src/client/client.js";
import { ContractError } from "../../src/client/errors.js";
import {
  FEED_NAME,
  INITIAL_INDEX,
  TICK,
  TOKEN_SCALE,
  USD,
  WAD,
  buyerPays,
  feeOf,
  floorDiv,
  fundAccount,
  markValueOf,
  notionalOf,
  pushIndex,
  requirementOf,
  sellerReceives,
  trade,
} from "../helpers/market.js";
import { clientFixture, type ClientFx } from "./fixture.js";

const { networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

const MULT = 100n;
const P260 = 2_600n * TICK;
const ONE_THOUSAND = 1_000n * USD;

/** The worked example: the outsider deposits 1,000 and buys 10 at $2.50 as taker from Bob. */
async function longTen(fx: ClientFx) {
  await fundAccount(fx, fx.outsider.address, ONE_THOUSAND);
  await trade(fx, fx.bob, fx.outsider, { makerIsBuy: false, size: 10n, price: INITIAL_INDEX });
}

/** The same, selling 10 at $2.50 to Bob. */
async function shortTen(fx: ClientFx) {
  await fundAccount(fx, fx.outsider.address, ONE_THOUSAND);
  await trade(fx, fx.bob, fx.outsider, { makerIsBuy: true, size: 10n, price: INITIAL_INDEX });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("client account summary", function () {
  this.timeout(60_000);

  it("matches the worked example at a $2.60 mark (reference arithmetic)", async function () {
    const fx = await loadFixture(clientFixture);
    await longTen(fx);
    await pushIndex(fx, P260);
    const client = await connect(fx.outsider, fx.deployment);
    const summary = await client.account();

    const notional = notionalOf(10n, INITIAL_INDEX, MULT);
    const cash = ONE_THOUSAND - buyerPays(notional) - feeOf(notional, 5n);
    const value = markValueOf(10n, P260, MULT);
    const entryValue = floorDiv(notional, TOKEN_SCALE);
    const initialMargin = requirementOf(10n, P260, MULT, 2_000n);
    const maintenanceMargin = requirementOf(10n, P260, MULT, 1_200n);
    const equity = cash + value;

    expect(summary.address).to.equal(fx.outsider.address);
    expect(summary.walletBalance).to.equal(0n);
    expect(summary.cash).to.equal(cash);
    expect(summary.equity).to.equal(equity);
    expect(summary.initialMargin).to.equal(initialMargin);
    expect(summary.maintenanceMargin).to.equal(maintenanceMargin);
    expect(summary.freeCollateral).to.equal(cash + (value < entryValue ? value : entryValue) - initialMargin);
    expect(summary.marginRatio).to.equal(floorDiv(equity * WAD, maintenanceMargin));
    expect(summary.openPositions).to.equal(1n);
    expect(summary.indexStale).to.equal(false);
    expect(summary.liquidatable).to.equal(false);
    // The numbers docs/market.md prints for this example.
    expect([summary.cash, summary.equity, summary.freeCollateral]).to.deep.equal([-1_501_250_000n, 1_098_750_000n, 478_750_000n]);

    expect(summary.positions).to.have.length(1);
    const position = summary.positions[0];
    expect(position.series).to.equal(fx.series);
    expect(position.feedName).to.equal(FEED_NAME);
    expect(position.size).to.equal(10n);
    expect(position.entryNotional).to.equal(notional);
    expect(position.entryPrice).to.equal(INITIAL_INDEX);
    expect(position.mark).to.equal(P260);
    expect(position.settled).to.equal(false);
    expect(position.value).to.equal(value);
    expect(position.unrealisedPnl).to.equal(value - entryValue);
    expect(position.unrealisedPnl).to.equal(100n * USD);
    expect(position.initialMargin).to.equal(initialMargin);
    expect(position.maintenanceMargin).to.equal(maintenanceMargin);
    // docs/market.md: "Alice ... becomes liquidatable below $1.706".
    const liquidation = position.liquidationPrice!;
    expect(liquidation > 1_705n * TICK && liquidation < 1_706n * TICK, `${liquidation}`).to.equal(true);
  });

  it("reports a short's sale proceeds and a loss when the mark rises", async function () {
    const fx = await loadFixture(clientFixture);
    await shortTen(fx);
    await pushIndex(fx, P260);
    const summary = await (await connect(fx.outsider, fx.deployment)).account();
    const notional = notionalOf(10n, INITIAL_INDEX, MULT);
    const cash = ONE_THOUSAND + sellerReceives(notional) - feeOf(notional, 5n);
    expect(summary.cash).to.equal(cash);
    expect(summary.equity).to.equal(cash + markValueOf(-10n, P260, MULT));
    const position = summary.positions[0];
    expect(position.size).to.equal(-10n);
    expect(position.entryPrice).to.equal(INITIAL_INDEX);
    expect(position.unrealisedPnl).to.equal(-100n * USD);
  });

  it("reads any address, without a signer, with no positions", async function () {
    const fx = await loadFixture(clientFixture);
    const readOnly = await connect(fx.ethers.provider, fx.deployment);
    const summary = await readOnly.account(fx.alice.address);
    expect(summary.cash).to.equal(100_000n * USD);
    expect(summary.equity).to.equal(100_000n * USD);
    expect(summary.freeCollateral).to.equal(100_000n * USD);
    expect(summary.marginRatio).to.equal(undefined);
    expect(summary.positions).to.deep.equal([]);
    expect(summary.liquidatable).to.equal(false);
  });
});

describe("client liquidation price on the chain", function () {
  this.timeout(60_000);

  it("long: liquidatable with the index at the computed price, not one wei above", async function () {
    const fx = await loadFixture(clientFixture);
    await longTen(fx);
    const client = await connect(fx.outsider, fx.deployment);
    const liquidation = (await client.account()).positions[0].liquidationPrice!;
    const keeper = await connect(fx.carol, fx.deployment);

    await pushIndex(fx, liquidation + 1n);
    expect((await client.account()).liquidatable).to.equal(false);
    const refused = (await rejection(keeper.liquidate(fx.outsider.address, fx.series, 10n))) as ContractError;
    expect(refused).to.be.instanceOf(ContractError);
    expect(refused.name).to.equal("NotLiquidatable");

    await pushIndex(fx, liquidation);
    const summary = await client.account();
    expect(summary.liquidatable).to.equal(true);
    expect(summary.equity < summary.maintenanceMargin).to.equal(true);
    const receipt = await keeper.liquidate(fx.outsider.address, fx.series, 10n);
    const event = receipt.logs.map((log) => fx.market.interface.parseLog(log)).find((e) => e?.name === "PositionLiquidated");
    expect(event?.args.account).to.equal(fx.outsider.address);
    expect(event?.args.markPrice).to.equal(liquidation);
    expect((await fx.market.positionOf(fx.outsider.address, fx.series)).size < 10n).to.equal(true);
  });

  it("short: liquidatable with the index at the computed price, not one wei below", async function () {
    const fx = await loadFixture(clientFixture);
    await shortTen(fx);
    const client = await connect(fx.outsider, fx.deployment);
    const liquidation = (await client.account()).positions[0].liquidationPrice!;
    // Short 10 from $2.50 with 1,000: 3,498.75 - 1,000 p < 120 p near p = $3.124.
    expect(liquidation > 3_123n * TICK && liquidation < 3_124n * TICK, `${liquidation}`).to.equal(true);
    const keeper = await connect(fx.carol, fx.deployment);

    await pushIndex(fx, liquidation - 1n);
    expect((await client.account()).liquidatable).to.equal(false);
    expect(((await rejection(keeper.liquidate(fx.outsider.address, fx.series, 10n))) as ContractError).name).to.equal("NotLiquidatable");

    await pushIndex(fx, liquidation);
    expect((await client.account()).liquidatable).to.equal(true);
    await keeper.liquidate(fx.outsider.address, fx.series, 10n);
    expect((await fx.market.positionOf(fx.outsider.address, fx.series)).size > -10n).to.equal(true);
  });
});
