/**
 * FuturesMarket margin: the initial-margin check of risk-increasing trades, the stale-index
 * rule, the final-state rule for risk-reducing trades (MarginRatioWorse), what the market reports
 * to the MarginVault (marginOf) and what the vault makes of it (accountMargin, withdrawals), and
 * the mark price = index + time-weighted basis, clamped.
 *
 * Cash model (dYdX): the buyer pays size x multiplier x price in cash at once, so
 * equity = cash + sum(size x multiplier x mark). Every expected amount is recomputed here from
 * the documented formulas (test/helpers/market.ts). After every test the vault must hold exactly
 * what it owes: token balance == totalCash + insuranceFund + feeBalance.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { Signer } from "ethers";

import type { FuturesMarket, MarginVault } from "../types/ethers-contracts/index.js";
import {
  DEPOSIT,
  FEED,
  HEARTBEAT,
  INITIAL_INDEX,
  MINTED,
  TICK,
  USD,
  basisAfter,
  basisCap,
  blockTimeOf,
  buyerPays,
  feeOf,
  h100Params,
  latestTime,
  listSeries,
  marketFixture,
  markValueOf,
  notionalOf,
  pushIndex,
  requirementOf,
  sellerReceives,
  signedOrder,
  trade,
  type MarketFx,
  solvencyCheckedLoader,
  listOnSecondFeed,
} from "./helpers/market.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const P150 = 1_500n * TICK;
const P200 = 2_000n * TICK;
const P240 = 2_400n * TICK;
const P245 = 2_450n * TICK;
const P250 = INITIAL_INDEX;
const P260 = 2_600n * TICK;
const MULT = 100n;
const IM_BPS = 2000n;
const MM_BPS = 1200n;
const MAKER_BPS = 2n;
const TAKER_BPS = 5n;

function by(fx: MarketFx, signer: Signer): FuturesMarket {
  return fx.market.connect(signer) as FuturesMarket;
}

function vaultBy(fx: MarketFx, signer: Signer): MarginVault {
  return fx.vault.connect(signer) as MarginVault;
}

describe("FuturesMarket: margin", function () {
  /** Loads a fixture; after each test its vault must hold exactly what it owes. */
  const load = solvencyCheckedLoader(loadFixture);

  /** erin: a Hardhat account with MINTED tokens, of which only `deposit` is in the vault. */
  async function withErin(deposit: bigint) {
    const fx = await load();
    const erin = (await ethers.getSigners())[9];
    await (await fx.usd.mint(erin.address, MINTED)).wait();
    await (await fx.usd.connect(erin).approve(fx.vaultAddress, MINTED)).wait();
    await (await vaultBy(fx, erin).deposit(deposit)).wait();
    return { fx, erin };
  }

  // ----------------------------------------------------------------------------- initial margin

  describe("initial margin", function () {
    it("refuses a risk-increasing trade without enough equity: InsufficientMargin(account, required, equity)", async function () {
      const { fx, erin } = await withErin(100n * USD);
      const signed = await signedOrder(fx, fx.alice, { isBuy: false, size: 3n, limitPrice: P250 });
      const notional = notionalOf(3n, P250, MULT);
      // After the trade: cash = 100 - 750 - fee, the position is worth 750 at the 2.50 mark.
      const equity = 100n * USD - buyerPays(notional) - feeOf(notional, TAKER_BPS) + markValueOf(3n, P250, MULT);
      const required = requirementOf(3n, P250, MULT, IM_BPS);
      expect([required, equity]).to.deep.equal([150n * USD, 99_625_000n]);
      await expect(by(fx, erin).fill(signed.order, signed.signature, 3n))
        .to.be.revertedWithCustomError(fx.market, "InsufficientMargin")
        .withArgs(erin.address, required, equity);
    });

    it("accepts a risk-increasing trade that leaves equity exactly at the initial margin", async function () {
      const notional = notionalOf(3n, P250, MULT);
      const { fx, erin } = await withErin(requirementOf(3n, P250, MULT, IM_BPS) + feeOf(notional, TAKER_BPS));
      await trade(fx, fx.alice, erin, { size: 3n, price: P250 });
      const m = await fx.vault.accountMargin(erin.address);
      expect(m.equity).to.equal(m.initialMargin);
      expect(m.initialMargin).to.equal(150n * USD);
    });

    it("values the new position at the mark, not the trade price: a premium paid counts against equity", async function () {
      const { fx, erin } = await withErin(170n * USD);
      const signed = await signedOrder(fx, fx.alice, { isBuy: false, size: 3n, limitPrice: P260 });
      const notional = notionalOf(3n, P260, MULT);
      // The first fill leaves the basis at 0 in its own block: the mark is the 2.50 index.
      const equity = 170n * USD - buyerPays(notional) - feeOf(notional, TAKER_BPS) + markValueOf(3n, P250, MULT);
      await expect(by(fx, erin).fill(signed.order, signed.signature, 3n))
        .to.be.revertedWithCustomError(fx.market, "InsufficientMargin")
        .withArgs(erin.address, requirementOf(3n, P250, MULT, IM_BPS), equity);
    });

    it("checks the maker too: an under-margined maker's order cannot be filled", async function () {
      const { fx, erin } = await withErin(100n * USD);
      const signed = await signedOrder(fx, erin, { isBuy: true, size: 3n, limitPrice: P250 });
      const notional = notionalOf(3n, P250, MULT);
      const equity = 100n * USD - buyerPays(notional) - feeOf(notional, MAKER_BPS) + markValueOf(3n, P250, MULT);
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 3n))
        .to.be.revertedWithCustomError(fx.market, "InsufficientMargin")
        .withArgs(erin.address, requirementOf(3n, P250, MULT, IM_BPS), equity);
    });
  });

  // ----------------------------------------------------------------------------- stale index

  describe("stale index", function () {
    /** bob long 10, alice short 10 at 2.50; then the index goes stale. */
    async function staleWithPositions() {
      const fx = await load();
      await trade(fx, fx.alice, fx.bob, { size: 10n, price: P250 });
      await time.increase(HEARTBEAT + 1n);
      return fx;
    }

    it("reports the series' index as stale once the round is older than the heartbeat", async function () {
      const fx = await staleWithPositions();
      expect((await fx.market.seriesState(fx.series)).indexStale).to.equal(true);
    });

    it("refuses a risk-increasing trade with StaleIndex(feed)", async function () {
      const fx = await staleWithPositions();
      const signed = await signedOrder(fx, fx.carol, { isBuy: false, size: 1n });
      await expect(by(fx, fx.dave).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "StaleIndex")
        .withArgs(FEED);
    });

    it("still allows a trade that reduces both sides", async function () {
      const fx = await staleWithPositions();
      await trade(fx, fx.bob, fx.alice, { size: 4n, price: P250 }); // bob sells 4, alice buys 4
      expect((await fx.market.positionOf(fx.bob.address, fx.series)).size).to.equal(6n);
      expect((await fx.market.positionOf(fx.alice.address, fx.series)).size).to.equal(-6n);
    });

    it("refuses a trade that reduces one side but adds to the other", async function () {
      const fx = await staleWithPositions();
      const signed = await signedOrder(fx, fx.bob, { isBuy: false, size: 4n }); // bob reduces
      await expect(by(fx, fx.carol).fill(signed.order, signed.signature, 4n)) // carol opens
        .to.be.revertedWithCustomError(fx.market, "StaleIndex")
        .withArgs(FEED);
    });

    it("refuses a flip (close and reopen the other way) as risk-increasing", async function () {
      const fx = await staleWithPositions();
      const signed = await signedOrder(fx, fx.bob, { isBuy: false, size: 15n }); // bob long 10 sells 15
      await expect(by(fx, fx.alice).fill(signed.order, signed.signature, 15n))
        .to.be.revertedWithCustomError(fx.market, "StaleIndex")
        .withArgs(FEED);
    });

    it("refuses a risk-increasing trade with StalePositionIndex when another position's index is stale", async function () {
      const fx = await load();
      // A second feed with its own series; bob goes long there.
      const { series: otherSeries } = await listOnSecondFeed(fx);
      await trade(fx, fx.alice, fx.bob, { series: otherSeries, size: 3n }); // alice sells, bob buys
      // Only the traded feed stays fresh.
      await time.increase(HEARTBEAT + 10n);
      await pushIndex(fx, INITIAL_INDEX);
      expect((await fx.vault.accountMargin(fx.bob.address)).indexStale).to.equal(true);
      const signed = await signedOrder(fx, fx.carol, { isBuy: false, size: 1n });
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "StalePositionIndex")
        .withArgs(fx.bob.address);
    });

    it("allows risk-increasing trades again once a fresh round arrives", async function () {
      const fx = await staleWithPositions();
      await pushIndex(fx, INITIAL_INDEX);
      await trade(fx, fx.carol, fx.dave, { size: 1n });
      expect((await fx.market.positionOf(fx.dave.address, fx.series)).size).to.equal(1n);
    });
  });

  // ----------------------------------------------------------------------------- final-state rule

  describe("final-state rule", function () {
    /**
     * erin (520 USD) buys 10 at 2.50 from alice (IM 500), then the index falls to 2.45:
     * equity 468.75 USD, below the 490 USD initial margin, above the 294 USD maintenance margin.
     */
    async function belowInitialMargin() {
      const { fx, erin } = await withErin(520n * USD);
      await trade(fx, fx.alice, erin, { size: 10n, price: P250 });
      await pushIndex(fx, P245);
      const cash = 520n * USD - buyerPays(notionalOf(10n, P250, MULT)) - feeOf(notionalOf(10n, P250, MULT), TAKER_BPS);
      return {
        fx,
        erin,
        cash,
        equity: cash + markValueOf(10n, P245, MULT),
        maintenance: requirementOf(10n, P245, MULT, MM_BPS),
      };
    }

    it("puts the account below initial margin but above maintenance", async function () {
      const { fx, erin, cash, equity, maintenance } = await belowInitialMargin();
      const m = await fx.vault.accountMargin(erin.address);
      expect([m.cash, m.equity, m.initialMargin, m.maintenanceMargin]).to.deep.equal([
        cash,
        equity,
        requirementOf(10n, P245, MULT, IM_BPS),
        maintenance,
      ]);
      expect(m.equity < BigInt(m.initialMargin) && m.equity > BigInt(m.maintenanceMargin)).to.equal(true);
    });

    it("refuses to let it add to the position: InsufficientMargin", async function () {
      const { fx, erin, equity } = await belowInitialMargin();
      const signed = await signedOrder(fx, fx.alice, { isBuy: false, size: 1n, limitPrice: P245 });
      const fee = feeOf(notionalOf(1n, P245, MULT), TAKER_BPS);
      await expect(by(fx, erin).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "InsufficientMargin")
        .withArgs(erin.address, requirementOf(11n, P245, MULT, IM_BPS), equity - fee);
    });

    it("lets it reduce at a fair price", async function () {
      const { fx, erin } = await belowInitialMargin();
      const signed = await signedOrder(fx, fx.alice, { isBuy: true, size: 4n, limitPrice: P245 });
      await expect(by(fx, erin).fill(signed.order, signed.signature, 4n))
        .to.emit(fx.market, "PositionChanged")
        .withArgs(erin.address, fx.series, 6n, notionalOf(6n, P250, MULT), -4n * MULT * (P250 - P245));
    });

    it("lets it reduce off-market when the margin ratio still improves", async function () {
      const { fx, erin } = await belowInitialMargin();
      // Selling 4 at 2.00 loses 180 USD of equity, but the maintenance margin falls by 40%.
      const signed = await signedOrder(fx, fx.alice, { isBuy: true, size: 4n, limitPrice: P200 });
      await (await by(fx, erin).fill(signed.order, signed.signature, 4n)).wait();
      expect((await fx.market.positionOf(erin.address, fx.series)).size).to.equal(6n);
    });

    it("refuses a reduce at an off-market price that worsens equity / maintenance: MarginRatioWorse", async function () {
      const { fx, erin, cash, equity, maintenance } = await belowInitialMargin();
      const signed = await signedOrder(fx, fx.alice, { isBuy: true, size: 4n, limitPrice: P150 });
      const notional = notionalOf(4n, P150, MULT);
      const cashAfter = cash + sellerReceives(notional) - feeOf(notional, TAKER_BPS);
      const equityAfter = cashAfter + markValueOf(6n, P245, MULT);
      const maintenanceAfter = requirementOf(6n, P245, MULT, MM_BPS);
      // 88.45 / 176.4 < 468.75 / 294
      expect(equityAfter * maintenance < equity * maintenanceAfter).to.equal(true);
      await expect(by(fx, erin).fill(signed.order, signed.signature, 4n))
        .to.be.revertedWithCustomError(fx.market, "MarginRatioWorse")
        .withArgs(erin.address, equity, maintenance, equityAfter, maintenanceAfter);
    });
  });

  // ----------------------------------------------------------------------------- marginOf

  describe("marginOf and accountMargin", function () {
    /** bob long 10 and alice short 10 at 2.50; then the index rises to 2.60. */
    async function afterRise() {
      const fx = await load();
      await trade(fx, fx.alice, fx.bob, { size: 10n, price: P250 });
      await pushIndex(fx, P260);
      const notional = notionalOf(10n, P250, MULT);
      return {
        fx,
        bobCash: DEPOSIT - buyerPays(notional) - feeOf(notional, TAKER_BPS),
        aliceCash: DEPOSIT + sellerReceives(notional) - feeOf(notional, MAKER_BPS),
      };
    }

    it("reports all zero for an account without positions", async function () {
      const fx = await load();
      expect([...(await fx.market.marginOf(fx.carol.address))]).to.deep.equal([0n, 0n, 0n, 0n, 0n, false]);
    });

    it("values a long at the new mark and leaves its unrealised profit out of the withdrawal value", async function () {
      const { fx } = await afterRise();
      expect([...(await fx.market.marginOf(fx.bob.address))]).to.deep.equal([
        1n,
        markValueOf(10n, P260, MULT), // 2,600 USD
        notionalOf(10n, P250, MULT) / 10n ** 12n, // 2,500 USD: what was paid
        requirementOf(10n, P260, MULT, IM_BPS), // 520 USD
        requirementOf(10n, P260, MULT, MM_BPS), // 312 USD
        false,
      ]);
    });

    it("counts a short's loss at once in its withdrawal value", async function () {
      const { fx } = await afterRise();
      const markValue = markValueOf(-10n, P260, MULT);
      expect([...(await fx.market.marginOf(fx.alice.address))]).to.deep.equal([
        1n,
        markValue,
        markValue,
        requirementOf(-10n, P260, MULT, IM_BPS),
        requirementOf(-10n, P260, MULT, MM_BPS),
        false,
      ]);
    });

    it("counts a long's loss at once when the index falls below its entry", async function () {
      const { fx } = await afterRise();
      await pushIndex(fx, P240);
      const m = await fx.market.marginOf(fx.bob.address);
      expect([m.markValue, m.withdrawalValue]).to.deep.equal([markValueOf(10n, P240, MULT), markValueOf(10n, P240, MULT)]);
    });

    it("makes the vault's accountMargin: equity = cash + mark value, free = cash + withdrawal value - IM", async function () {
      const { fx, bobCash } = await afterRise();
      const im = requirementOf(10n, P260, MULT, IM_BPS);
      expect([...(await fx.vault.accountMargin(fx.bob.address))]).to.deep.equal([
        bobCash,
        bobCash + markValueOf(10n, P260, MULT),
        im,
        requirementOf(10n, P260, MULT, MM_BPS),
        1n,
        bobCash + notionalOf(10n, P250, MULT) / 10n ** 12n - im,
        false,
      ]);
    });

    it("reports a stale index and no free collateral once the heartbeat passes", async function () {
      const { fx, aliceCash } = await afterRise();
      await time.increase(HEARTBEAT + 1n);
      const m = await fx.vault.accountMargin(fx.alice.address);
      expect([m.cash, m.indexStale, m.freeCollateral]).to.deep.equal([aliceCash, true, 0n]);
      expect((await fx.market.marginOf(fx.alice.address)).indexStale).to.equal(true);
    });
  });

  // ----------------------------------------------------------------------------- withdrawals

  describe("withdrawals", function () {
    /** bob long 10 at 2.50, index at 2.60: bob has 100 USD of unrealised profit. */
    async function bobInProfit() {
      const fx = await load();
      await trade(fx, fx.alice, fx.bob, { size: 10n, price: P250 });
      await pushIndex(fx, P260);
      const notional = notionalOf(10n, P250, MULT);
      const cash = DEPOSIT - buyerPays(notional) - feeOf(notional, TAKER_BPS);
      const im = requirementOf(10n, P260, MULT, IM_BPS);
      return { fx, cash, im, free: cash + notional / 10n ** 12n - im };
    }

    it("pays out exactly the free collateral", async function () {
      const { fx, free } = await bobInProfit();
      const before = await fx.usd.balanceOf(fx.bob.address);
      await expect(vaultBy(fx, fx.bob).withdraw(free, fx.bob.address))
        .to.emit(fx.vault, "Withdrawn")
        .withArgs(fx.bob.address, fx.bob.address, free);
      expect(await fx.usd.balanceOf(fx.bob.address)).to.equal(before + free);
      expect((await fx.vault.accountMargin(fx.bob.address)).freeCollateral).to.equal(0n);
    });

    it("refuses to pay out unrealised profit: InsufficientFreeCollateral(account, requested, available)", async function () {
      const { fx, cash, im, free } = await bobInProfit();
      const requested = cash + markValueOf(10n, P260, MULT) - im; // what the mark value would allow
      expect(requested - free).to.equal(100n * USD);
      await expect(vaultBy(fx, fx.bob).withdraw(requested, fx.bob.address))
        .to.be.revertedWithCustomError(fx.vault, "InsufficientFreeCollateral")
        .withArgs(fx.bob.address, requested, free);
    });

    it("refuses a withdrawal with open positions while the index is stale: IndexStale(account)", async function () {
      const { fx } = await bobInProfit();
      await time.increase(HEARTBEAT + 1n);
      await expect(vaultBy(fx, fx.bob).withdraw(1n, fx.bob.address))
        .to.be.revertedWithCustomError(fx.vault, "IndexStale")
        .withArgs(fx.bob.address);
    });

    it("pays out the whole balance after all positions are closed, even with a stale index", async function () {
      const { fx, cash } = await bobInProfit();
      await time.increase(HEARTBEAT + 1n);
      // Closing reduces both sides, so it is allowed while stale; bob realises the 100 USD.
      await trade(fx, fx.alice, fx.bob, { makerIsBuy: true, size: 10n, price: P260 });
      const notional = notionalOf(10n, P260, MULT);
      const final = cash + sellerReceives(notional) - feeOf(notional, TAKER_BPS);
      expect(await fx.vault.cashOf(fx.bob.address)).to.equal(final);
      const m = await fx.vault.accountMargin(fx.bob.address);
      expect([m.openPositions, m.indexStale, m.freeCollateral]).to.deep.equal([0n, false, final]);
      const before = await fx.usd.balanceOf(fx.bob.address);
      await (await vaultBy(fx, fx.bob).withdraw(final, fx.bob.address)).wait();
      expect(await fx.vault.cashOf(fx.bob.address)).to.equal(0n);
      expect(await fx.usd.balanceOf(fx.bob.address)).to.equal(before + final);
    });
  });

  // ----------------------------------------------------------------------------- mark price

  describe("mark price", function () {
    it("is the index while no fill has set a basis, and follows the index", async function () {
      const fx = await load();
      await pushIndex(fx, P260);
      const state = await fx.market.seriesState(fx.series);
      expect([state.index, state.basis, state.markPrice]).to.deep.equal([P260, 0n, P260]);
    });

    /** alice sells 400 (104,000 USD, above the 100,000 reference: full weight) at 2.60, index 2.50. */
    async function premiumFill() {
      const fx = await load();
      const receipt = await trade(fx, fx.alice, fx.bob, { size: 400n, price: P260 });
      return { fx, t0: await blockTimeOf(fx, receipt), premium: P260 - INITIAL_INDEX };
    }

    it("leaves the basis at 0 in the block of the first fill", async function () {
      const { fx } = await premiumFill();
      const state = await fx.market.seriesState(fx.series);
      expect([state.basis, state.markPrice]).to.deep.equal([0n, INITIAL_INDEX]);
    });

    it("moves the basis half way to the premium after tau seconds", async function () {
      const { fx, t0, premium } = await premiumFill();
      await time.increaseTo(t0 + fx.params.basisTau);
      const state = await fx.market.seriesState(fx.series);
      expect(state.basis).to.equal(premium / 2n);
      expect(state.markPrice).to.equal(INITIAL_INDEX + premium / 2n);
    });

    it("moves the basis three quarters of the way after three tau", async function () {
      const { fx, t0, premium } = await premiumFill();
      await time.increaseTo(t0 + 3n * fx.params.basisTau);
      expect((await fx.market.seriesState(fx.series)).basis).to.equal(basisAfter(0n, premium, fx.params.basisTau, 3n * fx.params.basisTau));
      expect(basisAfter(0n, premium, fx.params.basisTau, 3n * fx.params.basisTau)).to.equal((premium * 3n) / 4n);
    });

    it("values positions in marginOf at index + basis", async function () {
      const { fx, t0, premium } = await premiumFill();
      await time.increaseTo(t0 + 1000n);
      const mark = INITIAL_INDEX + basisAfter(0n, premium, fx.params.basisTau, 1000n);
      const m = await fx.market.marginOf(fx.bob.address);
      expect([m.markValue, m.initialMargin, m.maintenanceMargin]).to.deep.equal([
        markValueOf(400n, mark, MULT),
        requirementOf(400n, mark, MULT, IM_BPS),
        requirementOf(400n, mark, MULT, MM_BPS),
      ]);
    });

    it("blends a small fill's premium with weight notional / reference notional", async function () {
      const fx = await load();
      await trade(fx, fx.alice, fx.bob, { size: 400n, price: P250 }); // full weight, premium 0
      const receipt = await trade(fx, fx.carol, fx.dave, { size: 4n, price: P260 }); // 1,040 USD of 100,000
      const t1 = await blockTimeOf(fx, receipt);
      const blended = ((P260 - INITIAL_INDEX) * notionalOf(4n, P260, MULT)) / fx.params.basisRefNotional;
      expect(blended).to.equal(1_040_000_000_000_000n); // 1.04% of the 0.10 premium
      await time.increaseTo(t1 + fx.params.basisTau);
      expect((await fx.market.seriesState(fx.series)).basis).to.equal(basisAfter(0n, blended, fx.params.basisTau, fx.params.basisTau));
    });

    /** A series allowing 1% basis, with a 0.10 premium (4%) fill of full weight, `sign` +1 or -1. */
    async function clamped(sign: bigint) {
      const fx = await load();
      const params = h100Params(await latestTime(fx), { maxBasisBps: 100n });
      const { id, listedAt } = await listSeries(fx, params);
      const price = INITIAL_INDEX + sign * (P260 - P250);
      const receipt = await trade(fx, fx.alice, fx.bob, { size: 400n, price, series: id });
      const t0 = await blockTimeOf(fx, receipt);
      await time.increaseTo(t0 + 10n * params.basisTau);
      const now = await latestTime(fx);
      const basis = basisAfter(0n, price - INITIAL_INDEX, params.basisTau, now - t0);
      const cap = basisCap(INITIAL_INDEX, 100n, listedAt, params.expiry, now);
      return { fx, id, basis, cap };
    }

    it("clamps the mark to index + maxBasisBps, scaled down toward expiry", async function () {
      const { fx, id, basis, cap } = await clamped(1n);
      expect(basis > cap).to.equal(true);
      const state = await fx.market.seriesState(id);
      expect([state.basis, state.markPrice]).to.deep.equal([basis, INITIAL_INDEX + cap]);
      expect(cap < (INITIAL_INDEX * 100n) / 10_000n).to.equal(true);
    });

    it("clamps a negative basis to index - cap", async function () {
      const { fx, id, basis, cap } = await clamped(-1n);
      expect(-basis > cap).to.equal(true);
      const state = await fx.market.seriesState(id);
      expect([state.basis, state.markPrice]).to.deep.equal([basis, INITIAL_INDEX - cap]);
    });
  });
});
