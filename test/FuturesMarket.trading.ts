/**
 * FuturesMarket trading: listing series, taker fills and matched orders with EIP-712 (and
 * EIP-1271) signatures, the order checks (expiry, cancellation, nonces, overfill, tick, size,
 * post-only, reduce-only), the series checks (pause, unknown, trading closed, open interest cap,
 * open series per account) and the zero-sum invariant.
 *
 * Every expected amount is recomputed here from the documented formulas (test/helpers/market.ts):
 * the buyer pays the notional rounded up, the seller receives it rounded down, the difference and
 * both fees (rounded up) go to the vault's fee account. After every test the vault must hold
 * exactly what it owes: token balance == totalCash + insuranceFund + feeBalance.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { MaxUint256, Wallet, ZeroHash, keccak256, toUtf8Bytes, verifyTypedData, type Signer } from "ethers";

import type { FuturesMarket, TestSmartWallet } from "../types/ethers-contracts/index.js";
import {
  DEFAULT_ADMIN_ROLE,
  DEPOSIT,
  FEED,
  GUARDIAN_ROLE,
  DAY,
  INITIAL_INDEX,
  LISTER_ROLE,
  MAX_OPEN_SERIES,
  ORDER_TYPES,
  POST_ONLY,
  REDUCE_ONLY,
  TICK,
  USD,
  WAD,
  buyerPays,
  feeOf,
  fundAccount,
  h100Params,
  latestTime,
  listSeries,
  marketFixture,
  notionalOf,
  orderDigest,
  orderTypedDataJson,
  pushIndex,
  sellerReceives,
  seriesIdOf,
  seriesParamsTuple,
  signOrder,
  signedOrder,
  trade,
  type MarketFx,
  type Order,
  type SeriesParams,
  solvencyCheckedLoader,
} from "./helpers/market.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

/** 2.600 and 2.700 USD: prices a tick multiple away from the 2.500 index. */
const P260 = 2_600n * TICK;
const P270 = 2_700n * TICK;
const P250 = INITIAL_INDEX;
const P240 = 2_400n * TICK;

function by(fx: MarketFx, signer: Signer): FuturesMarket {
  return fx.market.connect(signer) as FuturesMarket;
}

/** Lists a variant of the H100 series (by default differing only in expiry) and returns it. */
async function listVariant(fx: MarketFx, overrides: Partial<SeriesParams>) {
  const params = h100Params(await latestTime(fx), { expiry: fx.params.expiry + 1n, ...overrides });
  const { id, listedAt } = await listSeries(fx, params);
  return { id, params, listedAt };
}

/** positionOf as a plain pair. */
async function positionOf(fx: MarketFx, account: string, series = fx.series): Promise<[bigint, bigint]> {
  const p = await fx.market.positionOf(account, series);
  return [p.size, p.entryNotional];
}

describe("FuturesMarket: trading", function () {
  /** Loads a fixture; after each test its vault must hold exactly what it owes. */
  const load = solvencyCheckedLoader(loadFixture);

  // ----------------------------------------------------------------------------- listSeries

  describe("listSeries", function () {
    it("emits SeriesListed(id, feed, params) with id = keccak256(abi.encode(params))", async function () {
      const fx = await load();
      const params = h100Params(await latestTime(fx), { expiry: fx.params.expiry + DAY });
      const id = seriesIdOf(params);
      await expect(fx.market.listSeries(params))
        .to.emit(fx.market, "SeriesListed")
        .withArgs(id, FEED, seriesParamsTuple(params));
    });

    it("returns the id that seriesId(params) also reports", async function () {
      const fx = await load();
      const params = h100Params(await latestTime(fx), { multiplier: 10n });
      const id = seriesIdOf(params);
      expect(await fx.market.listSeries.staticCall(params)).to.equal(id);
      expect(await fx.market.seriesId(params)).to.equal(id);
    });

    it("stores the parameters, readable by seriesParams", async function () {
      const fx = await load();
      expect([...(await fx.market.seriesParams(fx.series))]).to.deep.equal(seriesParamsTuple(fx.params));
    });

    it("starts a series listed, running, with no open interest, no basis and the mark at the index", async function () {
      const fx = await load();
      const state = await fx.market.seriesState(fx.series);
      expect(state.listed).to.equal(true);
      expect(state.paused).to.equal(false);
      expect(state.listedAt).to.equal(fx.listedAt);
      expect(state.openInterest).to.equal(0n);
      expect(state.index).to.equal(INITIAL_INDEX);
      expect(state.indexStale).to.equal(false);
      expect(state.basis).to.equal(0n);
      expect(state.markPrice).to.equal(INITIAL_INDEX);
    });

    it("refuses to list the same parameters twice with SeriesAlreadyListed(id)", async function () {
      const fx = await load();
      await expect(fx.market.listSeries(fx.params))
        .to.be.revertedWithCustomError(fx.market, "SeriesAlreadyListed")
        .withArgs(fx.series);
    });

    /** Each case breaks one parameter of an otherwise valid series: [label, param name, change, reported value]. */
    type Change = (p: SeriesParams, now: bigint) => Partial<SeriesParams>;
    const invalid: [string, string, Change, (p: SeriesParams) => bigint][] = [
      ["an expiry not in the future", "expiry", (_p, now) => ({ expiry: now, lastTradingTime: now }), (p) => p.expiry],
      // Margin checks keep timestamps in 32 bits: an expiry after 2106 is refused at listing.
      ["an expiry beyond 2^32 - 1", "expiry", () => ({ expiry: 2n ** 32n }), () => 2n ** 32n],
      ["a last trading time after expiry", "lastTradingTime", (p) => ({ lastTradingTime: p.expiry + 1n }), (p) => p.lastTradingTime],
      ["a last trading time not in the future", "lastTradingTime", (_p, now) => ({ lastTradingTime: now }), (p) => p.lastTradingTime],
      ["a zero settlement window", "settlementWindow", () => ({ settlementWindow: 0n }), () => 0n],
      ["a settlement window longer than the time to expiry", "settlementWindow", (p, now) => ({ settlementWindow: p.expiry - now }), (p) => p.settlementWindow],
      ["a zero multiplier", "multiplier", () => ({ multiplier: 0n }), () => 0n],
      ["a zero tick", "tickSize", () => ({ tickSize: 0n }), () => 0n],
      ["a zero minimum size", "minSize", () => ({ minSize: 0n }), () => 0n],
      ["a zero maintenance margin", "maintenanceMarginBps", () => ({ maintenanceMarginBps: 0n }), () => 0n],
      ["a maintenance margin above the initial margin", "maintenanceMarginBps", () => ({ initialMarginBps: 2000n, maintenanceMarginBps: 2001n }), () => 2001n],
      ["an initial margin above 100%", "initialMarginBps", () => ({ initialMarginBps: 10_001n }), () => 10_001n],
      ["a liquidator share above 100%", "liquidatorShareBps", () => ({ liquidatorShareBps: 10_001n }), () => 10_001n],
      ["a liquidation penalty above the maintenance margin", "liquidationPenaltyBps", (p) => ({ liquidationPenaltyBps: p.maintenanceMarginBps + 1n }), (p) => p.liquidationPenaltyBps],
      ["a maker fee above 1%", "makerFeeBps", () => ({ makerFeeBps: 101n }), () => 101n],
      ["a taker fee above 1%", "takerFeeBps", () => ({ takerFeeBps: 101n }), () => 101n],
      ["a maximum basis above 100%", "maxBasisBps", () => ({ maxBasisBps: 10_001n }), () => 10_001n],
      ["a zero basis tau", "basisTau", () => ({ basisTau: 0n }), () => 0n],
      ["a zero basis reference notional", "basisRefNotional", () => ({ basisRefNotional: 0n }), () => 0n],
      ["a zero open interest cap", "openInterestCap", () => ({ openInterestCap: 0n }), () => 0n],
    ];
    for (const [label, name, change, value] of invalid) {
      it(`refuses ${label} with InvalidSeriesParam("${name}", value)`, async function () {
        const fx = await load();
        const now = await latestTime(fx);
        const base = h100Params(now);
        const params = { ...base, ...change(base, now) };
        await expect(fx.market.listSeries(params))
          .to.be.revertedWithCustomError(fx.market, "InvalidSeriesParam")
          .withArgs(name, value(params));
      });
    }

    it("accepts lastTradingTime == expiry and maintenance == initial margin", async function () {
      const fx = await load();
      const now = await latestTime(fx);
      const params = h100Params(now, { lastTradingTime: now + DAY, expiry: now + DAY, maintenanceMarginBps: 2000n });
      await expect(fx.market.listSeries(params)).to.emit(fx.market, "SeriesListed").withArgs(seriesIdOf(params), FEED, seriesParamsTuple(params));
    });

    it("refuses an account without LISTER_ROLE", async function () {
      const fx = await load();
      const params = h100Params(await latestTime(fx), { multiplier: 10n });
      await expect(by(fx, fx.outsider).listSeries(params))
        .to.be.revertedWithCustomError(fx.market, "AccessControlUnauthorizedAccount")
        .withArgs(fx.outsider.address, LISTER_ROLE);
    });

    it("lets an account granted LISTER_ROLE list", async function () {
      const fx = await load();
      await (await fx.market.grantRole(LISTER_ROLE, fx.lister.address)).wait();
      const params = h100Params(await latestTime(fx), { multiplier: 10n });
      await expect(by(fx, fx.lister).listSeries(params))
        .to.emit(fx.market, "SeriesListed")
        .withArgs(seriesIdOf(params), FEED, seriesParamsTuple(params));
    });
  });

  // ----------------------------------------------------------------------------- fill

  describe("fill by a taker", function () {
    /** alice offers 10 at 2.600; bob takes 4 of them. */
    async function aliceSellsBobTakes4() {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice, { isBuy: false, size: 10n, limitPrice: P260 });
      const tx = by(fx, fx.bob).fill(signed.order, signed.signature, 4n);
      const notional = notionalOf(4n, P260, fx.params.multiplier);
      return {
        fx,
        signed,
        tx,
        notional,
        makerFee: feeOf(notional, fx.params.makerFeeBps),
        takerFee: feeOf(notional, fx.params.takerFeeBps),
      };
    }

    it("moves the notional from the buying taker to the selling maker and charges both fees", async function () {
      const { fx, tx, notional, makerFee, takerFee } = await aliceSellsBobTakes4();
      await (await tx).wait();
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(DEPOSIT + sellerReceives(notional) - makerFee);
      expect(await fx.vault.cashOf(fx.bob.address)).to.equal(DEPOSIT - buyerPays(notional) - takerFee);
      expect(await fx.vault.feeBalance()).to.equal(makerFee + takerFee);
      // 4 x 100 x 2.600 = 1,040 USD; fees 2 bps = 0.208 USD and 5 bps = 0.52 USD.
      expect([buyerPays(notional), makerFee, takerFee]).to.deep.equal([1_040n * USD, 208_000n, 520_000n]);
    });

    it("opens opposite positions with the entry notional at the maker's price", async function () {
      const { fx, tx, notional } = await aliceSellsBobTakes4();
      await (await tx).wait();
      expect(await positionOf(fx, fx.alice.address)).to.deep.equal([-4n, -notional]);
      expect(await positionOf(fx, fx.bob.address)).to.deep.equal([4n, notional]);
      expect([...(await fx.market.openSeriesOf(fx.alice.address))]).to.deep.equal([fx.series]);
      expect([...(await fx.market.openSeriesOf(fx.bob.address))]).to.deep.equal([fx.series]);
    });

    it("emits OrderFilled with the maker's order hash and a zero taker order hash", async function () {
      const { fx, signed, tx, makerFee, takerFee } = await aliceSellsBobTakes4();
      await expect(tx)
        .to.emit(fx.market, "OrderFilled")
        .withArgs(fx.series, signed.hash, fx.alice.address, fx.bob.address, ZeroHash, false, 4n, P260, makerFee, takerFee);
    });

    it("emits PositionChanged for the maker and the taker", async function () {
      const { fx, tx, notional } = await aliceSellsBobTakes4();
      await expect(tx)
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.alice.address, fx.series, -4n, -notional, 0n)
        .and.to.emit(fx.market, "PositionChanged")
        .withArgs(fx.bob.address, fx.series, 4n, notional, 0n);
    });

    it("emits the vault's CashMoved and FeeCharged events", async function () {
      const { fx, tx, notional, makerFee, takerFee } = await aliceSellsBobTakes4();
      await expect(tx)
        .to.emit(fx.vault, "CashMoved")
        .withArgs(fx.marketAddress, fx.bob.address, fx.alice.address, sellerReceives(notional))
        .and.to.emit(fx.vault, "FeeCharged")
        .withArgs(fx.marketAddress, fx.alice.address, makerFee)
        .and.to.emit(fx.vault, "FeeCharged")
        .withArgs(fx.marketAddress, fx.bob.address, takerFee);
    });

    it("records the filled size in filledOf", async function () {
      const { fx, signed, tx } = await aliceSellsBobTakes4();
      await (await tx).wait();
      expect(await fx.market.filledOf(signed.hash)).to.equal(4n);
    });

    it("realises the closed part's PnL at the average entry price when a position is reduced", async function () {
      const fx = await load();
      await trade(fx, fx.alice, fx.bob, { size: 10n, price: P260 }); // alice short 10 at 2.600
      // carol offers 4 at 2.500; alice buys them back.
      const signed = await signedOrder(fx, fx.carol, { isBuy: false, size: 4n, limitPrice: P250 });
      const entry = -notionalOf(10n, P260, fx.params.multiplier);
      const remainingEntry = (entry * 6n) / 10n; // exact here
      const realised = 4n * fx.params.multiplier * (P260 - P250); // a short gains what the price fell
      await expect(by(fx, fx.alice).fill(signed.order, signed.signature, 4n))
        .to.emit(fx.market, "PositionChanged")
        .withArgs(fx.alice.address, fx.series, -6n, remainingEntry, realised);
      expect(realised).to.equal(40n * WAD);
    });

    it("refuses a maker filling its own order with SelfTrade", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice);
      await expect(by(fx, fx.alice).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "SelfTrade")
        .withArgs(fx.alice.address);
    });

    it("refuses a zero size with ZeroSize", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice);
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 0n)).to.be.revertedWithCustomError(
        fx.market,
        "ZeroSize",
      );
    });
  });

  describe("rounding dust", function () {
    /** A series with 1 index unit per contract and a 1-wei tick, so notionals are not whole token units. */
    async function fineSeries() {
      const fx = await load();
      const fine = await listVariant(fx, { multiplier: 1n, tickSize: 1n, makerFeeBps: 3n, takerFeeBps: 7n });
      const price = INITIAL_INDEX + 1n;
      const notional = notionalOf(3n, price, 1n); // 7.500000000000000003 USD
      return { fx, fine, price, notional, makerFee: feeOf(notional, 3n), takerFee: feeOf(notional, 7n) };
    }

    it("charges a buying taker the notional rounded up and pays the seller it rounded down", async function () {
      const { fx, fine, price, notional, makerFee, takerFee } = await fineSeries();
      await trade(fx, fx.alice, fx.bob, { size: 3n, price, series: fine.id });
      const dust = buyerPays(notional) - sellerReceives(notional);
      expect(dust).to.equal(1n);
      expect(await fx.vault.cashOf(fx.bob.address)).to.equal(DEPOSIT - buyerPays(notional) - takerFee);
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(DEPOSIT + sellerReceives(notional) - makerFee);
      expect(await fx.vault.feeBalance()).to.equal(makerFee + takerFee + dust);
    });

    it("charges the dust to the maker when the maker buys", async function () {
      const { fx, fine, price, notional, makerFee, takerFee } = await fineSeries();
      await trade(fx, fx.alice, fx.bob, { makerIsBuy: true, size: 3n, price, series: fine.id });
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(DEPOSIT - buyerPays(notional) - makerFee);
      expect(await fx.vault.cashOf(fx.bob.address)).to.equal(DEPOSIT + sellerReceives(notional) - takerFee);
      expect(await fx.vault.feeBalance()).to.equal(makerFee + takerFee + 1n);
    });

    it("rounds both fees up", async function () {
      const { fx, fine, price, notional, makerFee, takerFee } = await fineSeries();
      const signed = await signedOrder(fx, fx.alice, { size: 3n, limitPrice: price, series: fine.id });
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 3n))
        .to.emit(fx.market, "OrderFilled")
        .withArgs(fine.id, signed.hash, fx.alice.address, fx.bob.address, ZeroHash, false, 3n, price, makerFee, takerFee);
      // 7.500000000000000003 USD x 3 bps = 2,250.0000000000009 units -> 2,251; x 7 bps -> 5,251.
      expect([makerFee, takerFee]).to.deep.equal([2_251n, 5_251n]);
    });
  });

  // ----------------------------------------------------------------------------- order life

  describe("partial fills and overfill", function () {
    it("tracks partial fills by several takers in filledOf", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice, { size: 10n });
      await (await by(fx, fx.bob).fill(signed.order, signed.signature, 4n)).wait();
      await (await by(fx, fx.carol).fill(signed.order, signed.signature, 6n)).wait();
      expect(await fx.market.filledOf(signed.hash)).to.equal(10n);
      expect(await positionOf(fx, fx.alice.address)).to.deep.equal([-10n, -notionalOf(10n, P250, 100n)]);
      expect((await positionOf(fx, fx.carol.address))[0]).to.equal(6n);
    });

    it("refuses a fill beyond the remaining size with OrderOverfilled(hash, filled, size, orderSize)", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice, { size: 10n });
      await (await by(fx, fx.bob).fill(signed.order, signed.signature, 4n)).wait();
      await expect(by(fx, fx.carol).fill(signed.order, signed.signature, 7n))
        .to.be.revertedWithCustomError(fx.market, "OrderOverfilled")
        .withArgs(signed.hash, 4n, 7n, 10n);
    });

    it("refuses any further fill of a completely filled order", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice, { size: 5n });
      await (await by(fx, fx.bob).fill(signed.order, signed.signature, 5n)).wait();
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "OrderOverfilled")
        .withArgs(signed.hash, 5n, 1n, 5n);
    });

    it("refuses a first fill larger than the order", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice, { size: 5n });
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 6n))
        .to.be.revertedWithCustomError(fx.market, "OrderOverfilled")
        .withArgs(signed.hash, 0n, 6n, 5n);
    });
  });

  describe("expiry", function () {
    it("fills during the order's expiry second", async function () {
      const fx = await load();
      const expiry = (await latestTime(fx)) + 100n;
      const signed = await signedOrder(fx, fx.alice, { expiry });
      await time.setNextBlockTimestamp(expiry);
      await (await by(fx, fx.bob).fill(signed.order, signed.signature, 1n)).wait();
      expect(await fx.market.filledOf(signed.hash)).to.equal(1n);
    });

    it("refuses a fill after it with OrderExpired(hash, expiry)", async function () {
      const fx = await load();
      const expiry = (await latestTime(fx)) + 100n;
      const signed = await signedOrder(fx, fx.alice, { expiry });
      await time.setNextBlockTimestamp(expiry + 1n);
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "OrderExpired")
        .withArgs(signed.hash, expiry);
    });
  });

  describe("cancelOrder", function () {
    it("emits OrderCancelled(trader, hash) and marks the order filled to the maximum", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice);
      await expect(by(fx, fx.alice).cancelOrder(signed.order))
        .to.emit(fx.market, "OrderCancelled")
        .withArgs(fx.alice.address, signed.hash);
      expect(await fx.market.filledOf(signed.hash)).to.equal(MaxUint256);
    });

    it("refuses a fill of a cancelled order with OrderIsCancelled(hash)", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice);
      await (await by(fx, fx.alice).cancelOrder(signed.order)).wait();
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "OrderIsCancelled")
        .withArgs(signed.hash);
    });

    it("voids the unfilled rest of a partly filled order", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice, { size: 10n });
      await (await by(fx, fx.bob).fill(signed.order, signed.signature, 3n)).wait();
      await (await by(fx, fx.alice).cancelOrder(signed.order)).wait();
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "OrderIsCancelled")
        .withArgs(signed.hash);
      expect((await positionOf(fx, fx.alice.address))[0]).to.equal(-3n);
    });

    it("refuses anyone but the trader with NotTrader(caller, trader)", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice);
      await expect(by(fx, fx.bob).cancelOrder(signed.order))
        .to.be.revertedWithCustomError(fx.market, "NotTrader")
        .withArgs(fx.bob.address, fx.alice.address);
    });
  });

  describe("cancelAllBelow", function () {
    it("emits OrdersCancelledBelow(trader, minNonce) and raises minNonceOf", async function () {
      const fx = await load();
      await expect(by(fx, fx.alice).cancelAllBelow(1000n))
        .to.emit(fx.market, "OrdersCancelledBelow")
        .withArgs(fx.alice.address, 1000n);
      expect(await fx.market.minNonceOf(fx.alice.address)).to.equal(1000n);
    });

    it("voids an order with a lower nonce: OrderNonceCancelled(trader, nonce, minNonce)", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice, { nonce: 999n });
      await (await by(fx, fx.alice).cancelAllBelow(1000n)).wait();
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "OrderNonceCancelled")
        .withArgs(fx.alice.address, 999n, 1000n);
    });

    it("keeps an order whose nonce equals the minimum valid", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice, { nonce: 1000n });
      await (await by(fx, fx.alice).cancelAllBelow(1000n)).wait();
      await (await by(fx, fx.bob).fill(signed.order, signed.signature, 1n)).wait();
      expect(await fx.market.filledOf(signed.hash)).to.equal(1n);
    });

    it("only affects the sender's orders", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.carol, { nonce: 5n });
      await (await by(fx, fx.alice).cancelAllBelow(1000n)).wait();
      await (await by(fx, fx.bob).fill(signed.order, signed.signature, 1n)).wait();
      expect(await fx.market.minNonceOf(fx.carol.address)).to.equal(0n);
      expect(await fx.market.filledOf(signed.hash)).to.equal(1n);
    });

    it("cannot be lowered: a lower value leaves the minimum and emits it", async function () {
      const fx = await load();
      await (await by(fx, fx.alice).cancelAllBelow(1000n)).wait();
      await expect(by(fx, fx.alice).cancelAllBelow(10n))
        .to.emit(fx.market, "OrdersCancelledBelow")
        .withArgs(fx.alice.address, 1000n);
      expect(await fx.market.minNonceOf(fx.alice.address)).to.equal(1000n);
    });

    it("does not revive cancelled orders when a lower value is sent", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice, { nonce: 500n });
      await (await by(fx, fx.alice).cancelAllBelow(1000n)).wait();
      await (await by(fx, fx.alice).cancelAllBelow(0n)).wait();
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "OrderNonceCancelled")
        .withArgs(fx.alice.address, 500n, 1000n);
    });
  });

  // ----------------------------------------------------------------------------- signatures

  describe("signatures", function () {
    it("orderHash equals the EIP-712 digest ethers computes for the documented type and domain", async function () {
      const fx = await load();
      const { order } = await signedOrder(fx, fx.alice, { isBuy: true, flags: POST_ONLY | REDUCE_ONLY, nonce: 2n ** 200n });
      expect(await fx.market.orderHash(order)).to.equal(orderDigest(fx.domain, order));
      const domain = await fx.market.eip712Domain();
      expect([domain.name, domain.version, domain.chainId, domain.verifyingContract]).to.deep.equal([
        "FuturesMarket",
        "1",
        fx.chainId,
        fx.marketAddress,
      ]);
    });

    it("refuses an order signed by someone other than its trader with InvalidSignature(trader, hash)", async function () {
      const fx = await load();
      const order: Order = (await signedOrder(fx, fx.alice)).order;
      const forged = await signOrder(fx.carol, fx.domain, order);
      await expect(by(fx, fx.bob).fill(order, forged, 1n))
        .to.be.revertedWithCustomError(fx.market, "InvalidSignature")
        .withArgs(fx.alice.address, orderDigest(fx.domain, order));
    });

    it("refuses a tampered order (a better price than signed) with InvalidSignature", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice, { isBuy: false, limitPrice: P260 });
      const tampered = { ...signed.order, limitPrice: P250 };
      await expect(by(fx, fx.bob).fill(tampered, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "InvalidSignature")
        .withArgs(fx.alice.address, orderDigest(fx.domain, tampered));
    });

    it("refuses a signature made for another market (verifyingContract)", async function () {
      const fx = await load();
      const order = (await signedOrder(fx, fx.alice)).order;
      const elsewhere = await signOrder(fx.alice, { ...fx.domain, verifyingContract: fx.vaultAddress }, order);
      await expect(by(fx, fx.bob).fill(order, elsewhere, 1n))
        .to.be.revertedWithCustomError(fx.market, "InvalidSignature")
        .withArgs(fx.alice.address, orderDigest(fx.domain, order));
    });

    it("accepts an order signed with an ethers Wallet's signTypedData", async function () {
      const fx = await load();
      const wallet = new Wallet(keccak256(toUtf8Bytes("futures-market wallet maker")));
      await fundAccount(fx, wallet.address, 10_000n * USD);
      const signed = await signedOrder(fx, wallet, { isBuy: true, size: 3n, limitPrice: P250 });
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 3n))
        .to.emit(fx.market, "PositionChanged")
        .withArgs(wallet.address, fx.series, 3n, notionalOf(3n, P250, 100n), 0n);
    });

    it("accepts an order signed through raw eth_signTypedData_v4 by a Hardhat account", async function () {
      const fx = await load();
      const order: Order = { ...(await signedOrder(fx, fx.carol, { size: 2n })).order };
      const signature: string = await ethers.provider.send("eth_signTypedData_v4", [
        fx.carol.address,
        orderTypedDataJson(fx.domain, order),
      ]);
      expect(verifyTypedData(fx.domain, ORDER_TYPES, order, signature)).to.equal(fx.carol.address);
      await expect(by(fx, fx.bob).fill(order, signature, 2n))
        .to.emit(fx.market, "OrderFilled")
        .withArgs(
          fx.series,
          orderDigest(fx.domain, order),
          fx.carol.address,
          fx.bob.address,
          ZeroHash,
          false,
          2n,
          P250,
          feeOf(notionalOf(2n, P250, 100n), 2n),
          feeOf(notionalOf(2n, P250, 100n), 5n),
        );
    });
  });

  describe("EIP-1271 smart wallet (TestSmartWallet)", function () {
    /** A TestSmartWallet owned by `owner` holding 10,000 USD in the vault, deposited via execute. */
    async function withSmartWallet() {
      const fx = await load();
      const [owner] = (await ethers.getSigners()).slice(8, 9);
      const wallet: TestSmartWallet = await ethers.deployContract("TestSmartWallet", [owner.address]);
      const walletAddress = await wallet.getAddress();
      const amount = 10_000n * USD;
      await (await fx.usd.mint(walletAddress, amount)).wait();
      const asOwner = wallet.connect(owner) as TestSmartWallet;
      await (await asOwner.execute(await fx.usd.getAddress(), fx.usd.interface.encodeFunctionData("approve", [fx.vaultAddress, amount]))).wait();
      await (await asOwner.execute(fx.vaultAddress, fx.vault.interface.encodeFunctionData("deposit", [amount]))).wait();
      return { fx, owner, wallet, walletAddress, asOwner, amount };
    }

    it("deposits into the vault through execute", async function () {
      const { fx, walletAddress, amount } = await withSmartWallet();
      expect(await fx.vault.cashOf(walletAddress)).to.equal(amount);
    });

    it("trades as a maker with an order its owner signed", async function () {
      const { fx, owner, walletAddress } = await withSmartWallet();
      const signed = await signedOrder(fx, owner, { trader: walletAddress, isBuy: false, size: 5n });
      const notional = notionalOf(5n, P250, 100n);
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 5n))
        .to.emit(fx.market, "OrderFilled")
        .withArgs(fx.series, signed.hash, walletAddress, fx.bob.address, ZeroHash, false, 5n, P250, feeOf(notional, 2n), feeOf(notional, 5n));
      expect(await positionOf(fx, walletAddress)).to.deep.equal([-5n, -notional]);
    });

    it("refuses an order for the wallet signed by someone other than its owner", async function () {
      const { fx, walletAddress } = await withSmartWallet();
      const signed = await signedOrder(fx, fx.carol, { trader: walletAddress });
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "InvalidSignature")
        .withArgs(walletAddress, signed.hash);
    });

    it("takes an order through execute(market, fill) and withdraws through execute after closing", async function () {
      const { fx, walletAddress, asOwner, amount } = await withSmartWallet();
      const buy = await signedOrder(fx, fx.alice, { isBuy: true, size: 2n });
      await (await asOwner.execute(fx.marketAddress, fx.market.interface.encodeFunctionData("fill", [buy.order, buy.signature, 2n]))).wait();
      expect((await positionOf(fx, walletAddress))[0]).to.equal(-2n);
      const sell = await signedOrder(fx, fx.alice, { isBuy: false, size: 2n });
      await (await asOwner.execute(fx.marketAddress, fx.market.interface.encodeFunctionData("fill", [sell.order, sell.signature, 2n]))).wait();
      const fees = 2n * feeOf(notionalOf(2n, P250, 100n), fx.params.takerFeeBps);
      const cash = await fx.vault.cashOf(walletAddress);
      expect(cash).to.equal(amount - fees);
      await (await asOwner.execute(fx.vaultAddress, fx.vault.interface.encodeFunctionData("withdraw", [cash, walletAddress]))).wait();
      expect(await fx.usd.balanceOf(walletAddress)).to.equal(cash);
    });

    it("lets only its owner execute", async function () {
      const { fx, wallet } = await withSmartWallet();
      await expect((wallet.connect(fx.bob) as TestSmartWallet).execute(fx.vaultAddress, "0x"))
        .to.be.revertedWithCustomError(wallet, "NotOwner")
        .withArgs(fx.bob.address);
    });
  });

  // ----------------------------------------------------------------------------- matchOrders

  describe("matchOrders", function () {
    /** alice offers 10 at 2.600 (maker); bob bids 10 up to 2.700 (taker); outsider matches 6. */
    async function crossed() {
      const fx = await load();
      const maker = await signedOrder(fx, fx.alice, { isBuy: false, size: 10n, limitPrice: P260 });
      const taker = await signedOrder(fx, fx.bob, { isBuy: true, size: 10n, limitPrice: P270 });
      const tx = by(fx, fx.outsider).matchOrders(maker.order, maker.signature, taker.order, taker.signature, 6n);
      return { fx, maker, taker, tx, notional: notionalOf(6n, P260, 100n) };
    }

    it("executes at the maker's price and emits OrderFilled with both order hashes", async function () {
      const { fx, maker, taker, tx, notional } = await crossed();
      await expect(tx)
        .to.emit(fx.market, "OrderFilled")
        .withArgs(fx.series, maker.hash, fx.alice.address, fx.bob.address, taker.hash, false, 6n, P260, feeOf(notional, 2n), feeOf(notional, 5n));
    });

    it("charges the buying taker the maker's price, not its limit", async function () {
      const { fx, tx, notional } = await crossed();
      await (await tx).wait();
      expect(await fx.vault.cashOf(fx.bob.address)).to.equal(DEPOSIT - buyerPays(notional) - feeOf(notional, 5n));
      expect(await fx.vault.cashOf(fx.alice.address)).to.equal(DEPOSIT + sellerReceives(notional) - feeOf(notional, 2n));
      expect(await positionOf(fx, fx.bob.address)).to.deep.equal([6n, notional]);
    });

    it("records the size on both orders", async function () {
      const { fx, maker, taker, tx } = await crossed();
      await (await tx).wait();
      expect([await fx.market.filledOf(maker.hash), await fx.market.filledOf(taker.hash)]).to.deep.equal([6n, 6n]);
    });

    it("crosses a selling taker whose limit is below the buying maker's price, at the maker's price", async function () {
      const fx = await load();
      const maker = await signedOrder(fx, fx.alice, { isBuy: true, size: 5n, limitPrice: P260 });
      const taker = await signedOrder(fx, fx.bob, { isBuy: false, size: 5n, limitPrice: P240 });
      const notional = notionalOf(5n, P260, 100n);
      await (await fx.market.matchOrders(maker.order, maker.signature, taker.order, taker.signature, 5n)).wait();
      expect(await fx.vault.cashOf(fx.bob.address)).to.equal(DEPOSIT + sellerReceives(notional) - feeOf(notional, 5n));
      expect(await positionOf(fx, fx.alice.address)).to.deep.equal([5n, notional]);
    });

    it("crosses when the taker's limit equals the maker's price", async function () {
      const fx = await load();
      const maker = await signedOrder(fx, fx.alice, { isBuy: false, size: 5n, limitPrice: P260 });
      const taker = await signedOrder(fx, fx.bob, { isBuy: true, size: 5n, limitPrice: P260 });
      await (await fx.market.matchOrders(maker.order, maker.signature, taker.order, taker.signature, 5n)).wait();
      expect((await positionOf(fx, fx.bob.address))[0]).to.equal(5n);
    });

    it("refuses a buying taker whose limit is below the maker's price with PriceThroughLimit", async function () {
      const fx = await load();
      const maker = await signedOrder(fx, fx.alice, { isBuy: false, limitPrice: P260 });
      const taker = await signedOrder(fx, fx.bob, { isBuy: true, limitPrice: P250 });
      await expect(fx.market.matchOrders(maker.order, maker.signature, taker.order, taker.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "PriceThroughLimit")
        .withArgs(P260, P250, true);
    });

    it("refuses a selling taker whose limit is above the maker's price with PriceThroughLimit", async function () {
      const fx = await load();
      const maker = await signedOrder(fx, fx.alice, { isBuy: true, limitPrice: P250 });
      const taker = await signedOrder(fx, fx.bob, { isBuy: false, limitPrice: P260 });
      await expect(fx.market.matchOrders(maker.order, maker.signature, taker.order, taker.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "PriceThroughLimit")
        .withArgs(P250, P260, false);
    });

    it("refuses orders of different series with SeriesMismatch", async function () {
      const fx = await load();
      const other = await listVariant(fx, {});
      const maker = await signedOrder(fx, fx.alice, { isBuy: false });
      const taker = await signedOrder(fx, fx.bob, { isBuy: true, series: other.id });
      await expect(fx.market.matchOrders(maker.order, maker.signature, taker.order, taker.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "SeriesMismatch")
        .withArgs(fx.series, other.id);
    });

    it("refuses two orders on the same side with SameSide", async function () {
      const fx = await load();
      const maker = await signedOrder(fx, fx.alice, { isBuy: true });
      const taker = await signedOrder(fx, fx.bob, { isBuy: true });
      await expect(fx.market.matchOrders(maker.order, maker.signature, taker.order, taker.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "SameSide")
        .withArgs(true);
    });

    it("refuses two orders of the same trader with SelfTrade", async function () {
      const fx = await load();
      const maker = await signedOrder(fx, fx.alice, { isBuy: false });
      const taker = await signedOrder(fx, fx.alice, { isBuy: true });
      await expect(fx.market.matchOrders(maker.order, maker.signature, taker.order, taker.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "SelfTrade")
        .withArgs(fx.alice.address);
    });

    it("refuses a post-only taker with PostOnlyWouldTake(takerHash)", async function () {
      const fx = await load();
      const maker = await signedOrder(fx, fx.alice, { isBuy: false });
      const taker = await signedOrder(fx, fx.bob, { isBuy: true, flags: POST_ONLY });
      await expect(fx.market.matchOrders(maker.order, maker.signature, taker.order, taker.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "PostOnlyWouldTake")
        .withArgs(taker.hash);
    });

    it("accepts a post-only maker", async function () {
      const fx = await load();
      const maker = await signedOrder(fx, fx.alice, { isBuy: false, flags: POST_ONLY });
      const taker = await signedOrder(fx, fx.bob, { isBuy: true });
      await (await fx.market.matchOrders(maker.order, maker.signature, taker.order, taker.signature, 3n)).wait();
      expect((await positionOf(fx, fx.alice.address))[0]).to.equal(-3n);
    });

    it("accepts a post-only maker in fill", async function () {
      const fx = await load();
      const maker = await signedOrder(fx, fx.alice, { isBuy: false, flags: POST_ONLY });
      await (await by(fx, fx.bob).fill(maker.order, maker.signature, 3n)).wait();
      expect((await positionOf(fx, fx.bob.address))[0]).to.equal(3n);
    });

    it("refuses an invalid taker signature with InvalidSignature(taker, hash)", async function () {
      const fx = await load();
      const maker = await signedOrder(fx, fx.alice, { isBuy: false });
      const taker = await signedOrder(fx, fx.bob, { isBuy: true });
      await expect(fx.market.matchOrders(maker.order, maker.signature, taker.order, maker.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "InvalidSignature")
        .withArgs(fx.bob.address, taker.hash);
    });

    it("refuses a zero size with ZeroSize", async function () {
      const fx = await load();
      const maker = await signedOrder(fx, fx.alice, { isBuy: false });
      const taker = await signedOrder(fx, fx.bob, { isBuy: true });
      await expect(
        fx.market.matchOrders(maker.order, maker.signature, taker.order, taker.signature, 0n),
      ).to.be.revertedWithCustomError(fx.market, "ZeroSize");
    });
  });

  describe("matchOrdersBatch", function () {
    it("applies every match", async function () {
      const fx = await load();
      const m1 = await signedOrder(fx, fx.alice, { isBuy: false, size: 3n, limitPrice: P260 });
      const t1 = await signedOrder(fx, fx.bob, { isBuy: true, size: 3n, limitPrice: P260 });
      const m2 = await signedOrder(fx, fx.carol, { isBuy: true, size: 4n, limitPrice: P240 });
      const t2 = await signedOrder(fx, fx.dave, { isBuy: false, size: 4n, limitPrice: P240 });
      await (
        await fx.market.matchOrdersBatch([
          { maker: m1.order, makerSignature: m1.signature, taker: t1.order, takerSignature: t1.signature, size: 3n },
          { maker: m2.order, makerSignature: m2.signature, taker: t2.order, takerSignature: t2.signature, size: 4n },
        ])
      ).wait();
      expect([
        (await positionOf(fx, fx.alice.address))[0],
        (await positionOf(fx, fx.bob.address))[0],
        (await positionOf(fx, fx.carol.address))[0],
        (await positionOf(fx, fx.dave.address))[0],
      ]).to.deep.equal([-3n, 3n, 4n, -4n]);
      expect((await fx.market.seriesState(fx.series)).openInterest).to.equal(7n);
    });

    it("is all or nothing: a failing match reverts the whole batch", async function () {
      const fx = await load();
      const m1 = await signedOrder(fx, fx.alice, { isBuy: false, size: 3n, limitPrice: P260 });
      const t1 = await signedOrder(fx, fx.bob, { isBuy: true, size: 3n, limitPrice: P260 });
      const m2 = await signedOrder(fx, fx.carol, { isBuy: false, size: 4n, limitPrice: P270 });
      const t2 = await signedOrder(fx, fx.dave, { isBuy: true, size: 4n, limitPrice: P260 });
      await expect(
        fx.market.matchOrdersBatch([
          { maker: m1.order, makerSignature: m1.signature, taker: t1.order, takerSignature: t1.signature, size: 3n },
          { maker: m2.order, makerSignature: m2.signature, taker: t2.order, takerSignature: t2.signature, size: 4n },
        ]),
      )
        .to.be.revertedWithCustomError(fx.market, "PriceThroughLimit")
        .withArgs(P270, P260, true);
      expect(await fx.market.filledOf(m1.hash)).to.equal(0n);
      expect(await positionOf(fx, fx.alice.address)).to.deep.equal([0n, 0n]);
      expect(await fx.vault.cashOf(fx.bob.address)).to.equal(DEPOSIT);
    });

    it("refuses to fill one order past its size across the batch", async function () {
      const fx = await load();
      const maker = await signedOrder(fx, fx.alice, { isBuy: false, size: 10n });
      const t1 = await signedOrder(fx, fx.bob, { isBuy: true, size: 6n });
      const t2 = await signedOrder(fx, fx.carol, { isBuy: true, size: 6n });
      await expect(
        fx.market.matchOrdersBatch([
          { maker: maker.order, makerSignature: maker.signature, taker: t1.order, takerSignature: t1.signature, size: 6n },
          { maker: maker.order, makerSignature: maker.signature, taker: t2.order, takerSignature: t2.signature, size: 6n },
        ]),
      )
        .to.be.revertedWithCustomError(fx.market, "OrderOverfilled")
        .withArgs(maker.hash, 6n, 6n, 10n);
    });
  });

  // ----------------------------------------------------------------------------- checks

  describe("price and size checks", function () {
    it("refuses a price off the tick with OffTick(price, tickSize)", async function () {
      const fx = await load();
      const price = P250 + TICK / 2n;
      const signed = await signedOrder(fx, fx.alice, { limitPrice: price });
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "OffTick")
        .withArgs(price, TICK);
    });

    it("refuses a zero price with OffTick(0, tickSize)", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice, { limitPrice: 0n });
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "OffTick")
        .withArgs(0n, TICK);
    });

    /** A series with minSize 5 and alice's order of 12 on it. */
    async function minSize5() {
      const fx = await load();
      const s = await listVariant(fx, { minSize: 5n });
      const signed = await signedOrder(fx, fx.alice, { series: s.id, size: 12n });
      return { fx, s, signed };
    }

    it("refuses a fill below the minimum size with SizeBelowMinimum(size, minSize)", async function () {
      const { fx, signed } = await minSize5();
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 3n))
        .to.be.revertedWithCustomError(fx.market, "SizeBelowMinimum")
        .withArgs(3n, 5n);
    });

    it("allows a fill below the minimum size that completes the order", async function () {
      const { fx, s, signed } = await minSize5();
      await (await by(fx, fx.bob).fill(signed.order, signed.signature, 9n)).wait();
      await (await by(fx, fx.carol).fill(signed.order, signed.signature, 3n)).wait();
      expect(await fx.market.filledOf(signed.hash)).to.equal(12n);
      expect((await positionOf(fx, fx.carol.address, s.id))[0]).to.equal(3n);
    });

    it("refuses a reduce-only order that would open a position with ReduceOnlyWouldIncrease", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice, { isBuy: false, size: 4n, flags: REDUCE_ONLY });
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 4n))
        .to.be.revertedWithCustomError(fx.market, "ReduceOnlyWouldIncrease")
        .withArgs(signed.hash, 0n, -4n);
    });

    it("refuses a reduce-only order that would flip the position", async function () {
      const fx = await load();
      await trade(fx, fx.bob, fx.alice, { size: 3n }); // alice buys 3
      const signed = await signedOrder(fx, fx.alice, { isBuy: false, size: 5n, flags: REDUCE_ONLY });
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 5n))
        .to.be.revertedWithCustomError(fx.market, "ReduceOnlyWouldIncrease")
        .withArgs(signed.hash, 3n, -2n);
    });

    it("refuses a reduce-only taker order that adds to the position in matchOrders", async function () {
      const fx = await load();
      await trade(fx, fx.bob, fx.alice, { size: 3n }); // alice long 3
      const maker = await signedOrder(fx, fx.carol, { isBuy: false, size: 2n });
      const taker = await signedOrder(fx, fx.alice, { isBuy: true, size: 2n, flags: REDUCE_ONLY });
      await expect(fx.market.matchOrders(maker.order, maker.signature, taker.order, taker.signature, 2n))
        .to.be.revertedWithCustomError(fx.market, "ReduceOnlyWouldIncrease")
        .withArgs(taker.hash, 3n, 5n);
    });

    it("fills a reduce-only order that reduces the position", async function () {
      const fx = await load();
      await trade(fx, fx.bob, fx.alice, { size: 10n }); // alice long 10
      const signed = await signedOrder(fx, fx.alice, { isBuy: false, size: 4n, flags: REDUCE_ONLY });
      await (await by(fx, fx.bob).fill(signed.order, signed.signature, 4n)).wait();
      expect((await positionOf(fx, fx.alice.address))[0]).to.equal(6n);
    });
  });

  describe("series checks", function () {
    it("refuses an order on a series never listed with UnknownSeries(id)", async function () {
      const fx = await load();
      const unknown = keccak256(toUtf8Bytes("not a series"));
      const signed = await signedOrder(fx, fx.alice, { series: unknown });
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "UnknownSeries")
        .withArgs(unknown);
    });

    it("refuses seriesState of a series never listed with UnknownSeries(id)", async function () {
      const fx = await load();
      const unknown = keccak256(toUtf8Bytes("not a series"));
      await expect(fx.market.seriesState(unknown)).to.be.revertedWithCustomError(fx.market, "UnknownSeries").withArgs(unknown);
    });

    it("trades in the second before lastTradingTime", async function () {
      const fx = await load();
      await time.increaseTo(fx.params.lastTradingTime - 10n);
      await pushIndex(fx, INITIAL_INDEX); // keep the index fresh
      const signed = await signedOrder(fx, fx.alice, { size: 1n });
      await time.setNextBlockTimestamp(fx.params.lastTradingTime - 1n);
      await (await by(fx, fx.bob).fill(signed.order, signed.signature, 1n)).wait();
      expect((await positionOf(fx, fx.bob.address))[0]).to.equal(1n);
    });

    it("refuses a trade at or after lastTradingTime with TradingClosed(series, lastTradingTime)", async function () {
      const fx = await load();
      const signed = await signedOrder(fx, fx.alice, { size: 1n, expiry: fx.params.expiry });
      await time.setNextBlockTimestamp(fx.params.lastTradingTime);
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "TradingClosed")
        .withArgs(fx.series, fx.params.lastTradingTime);
    });

    it("refuses a trade that lifts open interest above the cap with OpenInterestCapExceeded", async function () {
      const fx = await load();
      const capped = await listVariant(fx, { openInterestCap: 10n });
      await trade(fx, fx.alice, fx.bob, { size: 8n, series: capped.id });
      const signed = await signedOrder(fx, fx.carol, { series: capped.id, size: 3n });
      await expect(by(fx, fx.dave).fill(signed.order, signed.signature, 3n))
        .to.be.revertedWithCustomError(fx.market, "OpenInterestCapExceeded")
        .withArgs(capped.id, 11n, 10n);
    });

    it("fills up to the cap exactly, and trades that do not raise open interest at the cap", async function () {
      const fx = await load();
      const capped = await listVariant(fx, { openInterestCap: 10n });
      const oi = async () => (await fx.market.seriesState(capped.id)).openInterest;
      await trade(fx, fx.alice, fx.bob, { size: 10n, series: capped.id }); // bob long 10
      expect(await oi()).to.equal(10n);
      await trade(fx, fx.bob, fx.carol, { size: 4n, series: capped.id }); // bob sells 4 to carol: OI stays 10
      expect(await oi()).to.equal(10n);
      await trade(fx, fx.alice, fx.bob, { size: 2n, series: capped.id, makerIsBuy: true }); // bob sells 2 to alice
      expect(await oi()).to.equal(8n);
    });

    it("refuses a position in a ninth series with TooManyOpenSeries(account, 8)", async function () {
      const fx = await load();
      const ids = [fx.series];
      for (let i = 1n; i <= MAX_OPEN_SERIES; i++) ids.push((await listVariant(fx, { expiry: fx.params.expiry + i })).id);
      for (const id of ids.slice(0, 8)) await trade(fx, fx.alice, fx.bob, { size: 1n, series: id });
      expect(await fx.market.openSeriesOf(fx.alice.address)).to.have.length(8);
      const signed = await signedOrder(fx, fx.alice, { series: ids[8], size: 1n });
      await expect(by(fx, fx.carol).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "TooManyOpenSeries")
        .withArgs(fx.alice.address, MAX_OPEN_SERIES);
    });

    it("frees an open-series slot when a position is closed", async function () {
      const fx = await load();
      const ids = [fx.series];
      for (let i = 1n; i <= MAX_OPEN_SERIES; i++) ids.push((await listVariant(fx, { expiry: fx.params.expiry + i })).id);
      for (const id of ids.slice(0, 8)) await trade(fx, fx.alice, fx.bob, { size: 1n, series: id });
      await trade(fx, fx.alice, fx.bob, { size: 1n, series: ids[3], makerIsBuy: true }); // alice closes series 3
      await trade(fx, fx.alice, fx.carol, { size: 1n, series: ids[8] });
      const open = await fx.market.openSeriesOf(fx.alice.address);
      expect([...open].sort()).to.deep.equal([...ids.slice(0, 3), ...ids.slice(4, 9)].sort());
    });
  });

  describe("pause", function () {
    async function withGuardian() {
      const fx = await load();
      await (await fx.market.grantRole(GUARDIAN_ROLE, fx.guardian.address)).wait();
      return fx;
    }

    it("a guardian pauses a series: SeriesPaused(series, guardian) and seriesState.paused", async function () {
      const fx = await withGuardian();
      await expect(by(fx, fx.guardian).pauseSeries(fx.series))
        .to.emit(fx.market, "SeriesPaused")
        .withArgs(fx.series, fx.guardian.address);
      expect((await fx.market.seriesState(fx.series)).paused).to.equal(true);
    });

    it("refuses trades in a paused series with SeriesIsPaused(series)", async function () {
      const fx = await withGuardian();
      await (await by(fx, fx.guardian).pauseSeries(fx.series)).wait();
      const signed = await signedOrder(fx, fx.alice);
      await expect(by(fx, fx.bob).fill(signed.order, signed.signature, 1n))
        .to.be.revertedWithCustomError(fx.market, "SeriesIsPaused")
        .withArgs(fx.series);
    });

    it("refuses a pause by an account without GUARDIAN_ROLE", async function () {
      const fx = await withGuardian();
      await expect(by(fx, fx.outsider).pauseSeries(fx.series))
        .to.be.revertedWithCustomError(fx.market, "AccessControlUnauthorizedAccount")
        .withArgs(fx.outsider.address, GUARDIAN_ROLE);
    });

    it("refuses an unpause by the guardian: only the admin unpauses", async function () {
      const fx = await withGuardian();
      await (await by(fx, fx.guardian).pauseSeries(fx.series)).wait();
      await expect(by(fx, fx.guardian).unpauseSeries(fx.series))
        .to.be.revertedWithCustomError(fx.market, "AccessControlUnauthorizedAccount")
        .withArgs(fx.guardian.address, DEFAULT_ADMIN_ROLE);
    });

    it("the admin unpauses: SeriesUnpaused(series, admin) and trading resumes", async function () {
      const fx = await withGuardian();
      await (await by(fx, fx.guardian).pauseSeries(fx.series)).wait();
      await expect(fx.market.unpauseSeries(fx.series))
        .to.emit(fx.market, "SeriesUnpaused")
        .withArgs(fx.series, fx.admin.address);
      await trade(fx, fx.alice, fx.bob, { size: 1n });
      expect((await positionOf(fx, fx.bob.address))[0]).to.equal(1n);
    });

    it("refuses to pause a series never listed with UnknownSeries", async function () {
      const fx = await withGuardian();
      const unknown = keccak256(toUtf8Bytes("not a series"));
      await expect(by(fx, fx.guardian).pauseSeries(unknown))
        .to.be.revertedWithCustomError(fx.market, "UnknownSeries")
        .withArgs(unknown);
    });

    it("never blocks withdrawing free collateral", async function () {
      const fx = await withGuardian();
      await trade(fx, fx.alice, fx.bob, { size: 10n });
      await (await by(fx, fx.guardian).pauseSeries(fx.series)).wait();
      const free = (await fx.vault.accountMargin(fx.bob.address)).freeCollateral;
      await expect((fx.vault.connect(fx.bob) as typeof fx.vault).withdraw(free, fx.bob.address))
        .to.emit(fx.vault, "Withdrawn")
        .withArgs(fx.bob.address, fx.bob.address, free);
    });
  });

  // ----------------------------------------------------------------------------- invariants

  describe("zero sum", function () {
    it("keeps long and short sizes equal and open interest equal to the longs through a trade sequence", async function () {
      const fx = await load();
      const traders = [fx.alice, fx.bob, fx.carol, fx.dave];
      const model = new Map<string, bigint>(traders.map((t) => [t.address, 0n]));
      const apply = (buyer: Signer & { address: string }, seller: Signer & { address: string }, size: bigint) => {
        model.set(buyer.address, model.get(buyer.address)! + size);
        model.set(seller.address, model.get(seller.address)! - size);
      };
      const check = async () => {
        let longs = 0n;
        let shorts = 0n;
        for (const t of traders) {
          const [size] = await positionOf(fx, t.address);
          expect(size, t.address).to.equal(model.get(t.address));
          if (size > 0n) longs += size;
          else shorts -= size;
        }
        expect(longs, "sum of longs == sum of shorts").to.equal(shorts);
        expect((await fx.market.seriesState(fx.series)).openInterest, "open interest == sum of longs").to.equal(longs);
      };

      await trade(fx, fx.alice, fx.bob, { size: 10n, price: P260 }); // bob buys 10
      apply(fx.bob, fx.alice, 10n);
      await check();
      await trade(fx, fx.bob, fx.carol, { size: 15n, price: P250 }); // bob sells 15: flips to short 5
      apply(fx.carol, fx.bob, 15n);
      await check();
      await trade(fx, fx.dave, fx.alice, { size: 7n, price: P240, makerIsBuy: true }); // alice sells 7 to dave
      apply(fx.dave, fx.alice, 7n);
      await check();
      await trade(fx, fx.carol, fx.alice, { size: 15n, price: P250 }); // carol closes, alice covers 15
      apply(fx.alice, fx.carol, 15n);
      await check();
      const maker = await signedOrder(fx, fx.bob, { isBuy: true, size: 5n, limitPrice: P250 });
      const taker = await signedOrder(fx, fx.dave, { isBuy: false, size: 9n, limitPrice: P240 });
      await (await fx.market.matchOrders(maker.order, maker.signature, taker.order, taker.signature, 5n)).wait();
      apply(fx.bob, fx.dave, 5n);
      await check();
      const maker2 = await signedOrder(fx, fx.alice, { isBuy: true, size: 4n, limitPrice: P270 });
      await (await fx.market.matchOrders(maker2.order, maker2.signature, taker.order, taker.signature, 4n)).wait();
      apply(fx.alice, fx.dave, 4n);
      await check();
      expect([...model.values()]).to.deep.equal([2n, 0n, 0n, -2n]);
      expect([...(await fx.market.openSeriesOf(fx.bob.address))]).to.deep.equal([]);
      expect([...(await fx.market.openSeriesOf(fx.carol.address))]).to.deep.equal([]);
    });
  });
});

