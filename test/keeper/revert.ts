/**
 * The keeper reads why an estimate reverted as the contract's custom error and its arguments,
 * and tells a refusal apart from a transport failure (which must fail the tick, not be skipped).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { JsonRpcProvider } from "ethers";

import { IndexOracle__factory } from "../../types/ethers-contracts/index.js";
import { decodeRevert, isRevert } from "../../src/keeper/revert.js";
import { freePort } from "../helpers/hardhatNode.js";
import {
  DEPOSIT,
  INITIAL_INDEX,
  feeOf,
  marketFixture,
  markValueOf,
  notionalOf,
  requirementOf,
  sellerReceives,
  trade,
  type MarketFx,
} from "../helpers/market.js";

const connection = await network.create();
const { loadFixture } = connection.networkHelpers;

async function refusal(fx: MarketFx, data: string): Promise<unknown> {
  try {
    await fx.ethers.provider.estimateGas({ from: fx.outsider.address, to: fx.marketAddress, data });
  } catch (error) {
    return error;
  }
  throw new Error("expected the estimate to revert");
}

describe("keeper: revert decoding", function () {
  it("decodes NotLiquidatable with the account's equity and maintenance margin", async function () {
    const fx = await loadFixture(marketFixture);
    // alice (maker) sells 1 at 2.50 to bob: healthy, with 30 USD of maintenance margin.
    await trade(fx, fx.alice, fx.bob, { size: 1n, price: INITIAL_INDEX });
    const notional = notionalOf(1n, INITIAL_INDEX, 100n);
    const equity = DEPOSIT + sellerReceives(notional) - feeOf(notional, 2n) + markValueOf(-1n, INITIAL_INDEX, 100n);
    const maintenance = requirementOf(1n, INITIAL_INDEX, 100n, 1200n);
    const data = fx.market.interface.encodeFunctionData("liquidate", [fx.alice.address, fx.series, 1n]);
    const error = await refusal(fx, data);
    expect(isRevert(error)).to.equal(true);
    const revert = decodeRevert(error, [fx.market.interface]);
    expect([revert.name, ...revert.args]).to.deep.equal(["NotLiquidatable", fx.alice.address, equity, maintenance]);
    expect(revert.text).to.equal(`NotLiquidatable(${fx.alice.address}, ${equity}, ${maintenance})`);
  });

  it("decodes SeriesNotExpired with the series and its expiry", async function () {
    const fx = await loadFixture(marketFixture);
    const error = await refusal(fx, fx.market.interface.encodeFunctionData("settleSeries", [fx.series]));
    const revert = decodeRevert(error, [fx.market.interface, IndexOracle__factory.createInterface()]);
    expect([revert.name, ...revert.args]).to.deep.equal(["SeriesNotExpired", fx.series, fx.params.expiry]);
  });

  it("does not take an unreachable RPC for a refusal", async function () {
    const port = await freePort(); // nobody listens there
    const provider = new JsonRpcProvider(`http://127.0.0.1:${port}`, 31337, { staticNetwork: true });
    let error: unknown;
    try {
      await provider.estimateGas({ to: "0x" + "11".repeat(20), data: "0x" });
    } catch (e) {
      error = e;
    } finally {
      provider.destroy();
    }
    expect(error, "the request failed").to.not.equal(undefined);
    expect(isRevert(error)).to.equal(false);
  });
});
