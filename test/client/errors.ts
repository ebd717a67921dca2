/**
 * Error decoding: every custom error of the market, vault, oracle and collateral token ABIs has
 * a message (and every message belongs to a real error), every one decodes from its revert data,
 * and real reverts on the chain — from a transaction's estimateGas, a static call and a read
 * that fails inside the oracle — come back as ContractErrors with exact, formatted messages.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Interface, Wallet, ZeroAddress, id, makeError, type ErrorFragment, type InterfaceAbi, type ParamType } from "ethers";

import { FuturesMarket__factory } from "../../types/ethers-contracts/factories/market/FuturesMarket__factory.js";
import { SeriesRules__factory } from "../../types/ethers-contracts/factories/market/SeriesRules__factory.js";
import { MarginVault__factory } from "../../types/ethers-contracts/factories/vault/MarginVault__factory.js";
import { IndexOracle__factory } from "../../types/ethers-contracts/factories/oracle/IndexOracle__factory.js";
import { MockUSD__factory } from "../../types/ethers-contracts/factories/mocks/MockUSD__factory.js";
import { IFuturesMarket__factory } from "../../types/ethers-contracts/factories/interfaces/IFuturesMarket__factory.js";
import { IMarginVault__factory } from "../../types/ethers-contracts/factories/interfaces/IMarginVault__factory.js";
import { IIndexOracle__factory } from "../../types/ethers-contracts/factories/interfaces/IIndexOracle__factory.js";
import { connect } from "../../src/client/client.js";
import { ERROR_ABIS } from "../../src/client/contracts.js";
import { ErrorDecoder, findRevertData } from "../../src/client/decodeError.js";
import { ERROR_MESSAGES } from "../../src/client/errorMessages.js";
import {
  CfxError,
  ContractError,
  InvalidInputError,
  SignerRequiredError,
  TransactionError,
  UnknownRevertError,
  UserRejectedError,
} from "../../src/client/errors.js";
import {
  DEPOSIT,
  FEED_NAME,
  INITIAL_INDEX,
  TICK,
  USD,
  buyerPays,
  feeOf,
  fundAccount,
  h100Params,
  latestTime,
  listSeries,
  markValueOf,
  notionalOf,
  requirementOf,
  signedOrder,
} from "../helpers/market.js";
import { clientFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

/** Every ABI a trader's, keeper's or app's call can revert with. */
const ABIS: Record<string, InterfaceAbi> = {
  FuturesMarket: FuturesMarket__factory.abi,
  SeriesRules: SeriesRules__factory.abi,
  MarginVault: MarginVault__factory.abi,
  IndexOracle: IndexOracle__factory.abi,
  MockUSD: MockUSD__factory.abi,
  IFuturesMarket: IFuturesMarket__factory.abi,
  IMarginVault: IMarginVault__factory.abi,
  IIndexOracle: IIndexOracle__factory.abi,
};

function errorsOf(abi: InterfaceAbi): ErrorFragment[] {
  const fragments: ErrorFragment[] = [];
  new Interface(abi).forEachError((fragment) => fragments.push(fragment));
  return fragments;
}

/** A value of each Solidity type, for encoding sample revert data. */
function sample(param: ParamType, i: number): unknown {
  if (param.baseType === "address") return `0x${(0xa0 + i).toString(16).padStart(40, "0")}`;
  if (param.baseType === "bool") return true;
  if (param.baseType === "string") return `sample${i}`;
  if (param.type.startsWith("bytes")) return id(`sample${i}`);
  // Small types (uint8 bits, uint16 bps) get small values.
  const bits = Number(param.type.replace(/^u?int/, "") || "256");
  const magnitude = bits <= 16 ? 7n + BigInt(i) : 1_234_567n + BigInt(i);
  if (param.type.startsWith("uint")) return magnitude;
  if (param.type.startsWith("int")) return -magnitude;
  throw new Error(`no sample for ${param.type}`);
}

const decoder = new ErrorDecoder([...ERROR_ABIS], { collateralSymbol: "USDC", collateralDecimals: 6 });

async function thrownBy(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("client errors: messages for every contract error", function () {
  it("has a message for every custom error of the market, vault, oracle and token ABIs", function () {
    const missing: string[] = [];
    for (const [contract, abi] of Object.entries(ABIS)) {
      for (const fragment of errorsOf(abi)) {
        const signature = fragment.format("sighash");
        if (ERROR_MESSAGES[signature] === undefined) missing.push(`${contract}: ${signature}`);
      }
    }
    expect(missing, "errors without a message").to.deep.equal([]);
  });

  it("has no message for an error that no ABI declares (a mistyped signature would never match)", function () {
    const declared = new Set(Object.values(ABIS).flatMap((abi) => errorsOf(abi).map((f) => f.format("sighash"))));
    const orphans = Object.keys(ERROR_MESSAGES).filter(
      (signature) => !declared.has(signature) && signature !== "Error(string)" && signature !== "Panic(uint256)",
    );
    expect(orphans).to.deep.equal([]);
  });

  it("decodes every error from its revert data into a ContractError with named args and a readable message", function () {
    for (const abi of Object.values(ABIS)) {
      const iface = new Interface(abi);
      for (const fragment of errorsOf(abi)) {
        const values = fragment.inputs.map(sample);
        const data = iface.encodeErrorResult(fragment, values);
        const error = decoder.decodeRevert(data);
        const signature = fragment.format("sighash");
        expect(error, signature).to.be.instanceOf(ContractError);
        const decoded = error as ContractError;
        expect(decoded.name).to.equal(fragment.name);
        expect(decoded.signature).to.equal(signature);
        expect(decoded.selector).to.equal(fragment.selector);
        expect(Object.keys(decoded.args)).to.deep.equal(fragment.inputs.map((input) => input.name));
        fragment.inputs.forEach((input, i) => {
          const expected = values[i];
          const actual = decoded.args[input.name];
          if (input.baseType === "address") expect(String(actual).toLowerCase()).to.equal(expected);
          else expect(actual, `${signature} ${input.name}`).to.equal(expected);
        });
        expect(decoded.message.length, signature).to.be.greaterThan(10);
        expect(decoded.message, signature).to.not.match(/undefined|NaN|\[object|null/);
      }
    }
  });

  it("formats amounts in the collateral's units, rounding requirements up and balances down", function () {
    const vault = new Interface(MarginVault__factory.abi);
    // requested 1,240.501 USDC shows as 1,240.51; available 1,002.109 as 1,002.10.
    const data = vault.encodeErrorResult("InsufficientFreeCollateral", [ZeroAddress, 1_240_501_000n, 1_002_109_000n]);
    expect(decoder.decodeRevert(data).message).to.equal(
      "insufficient free collateral: requested 1,240.51 USDC, available 1,002.10 USDC",
    );
  });

  it("decodes Error(string) and Panic(uint256), and reports unknown and empty revert data", function () {
    const iface = new Interface(["function f()"]);
    const reason = "0x08c379a0" + iface.getAbiCoder().encode(["string"], ["nope"]).slice(2);
    const stringError = decoder.decodeRevert(reason) as ContractError;
    expect(stringError.name).to.equal("Error");
    expect(stringError.args).to.deep.equal({ message: "nope" });
    expect(stringError.message).to.equal("reverted: nope");
    const panic = decoder.decodeRevert("0x4e487b71" + iface.getAbiCoder().encode(["uint256"], [0x11]).slice(2));
    expect(panic.message).to.equal("panic: arithmetic overflow or underflow");
    const unknown = decoder.decodeRevert("0xdeadbeef");
    expect(unknown).to.be.instanceOf(UnknownRevertError);
    expect(unknown.message).to.equal("the call reverted with an unknown error 0xdeadbeef");
    expect(decoder.decodeRevert("0x")).to.be.instanceOf(UnknownRevertError);
  });

  it("finds revert data however a provider or wallet nests it, never in the calldata", function () {
    const data = "0x12345678";
    expect(findRevertData({ data })).to.equal(data);
    expect(findRevertData({ error: { data: { data } } })).to.equal(data);
    expect(findRevertData({ info: { error: { data } } })).to.equal(data);
    expect(findRevertData({ cause: { error: { data } } })).to.equal(data);
    expect(findRevertData({ transaction: { data: "0xabcdef0123" } })).to.equal(undefined);
    expect(findRevertData({ data: "0x" })).to.equal("0x");
  });

  it("turns a non-revert failure into a TransactionError that says whether to retry", function () {
    const network = decoder.toCfxError(Object.assign(new Error("connect ECONNREFUSED"), { code: "NETWORK_ERROR" }), "deposit");
    expect(network).to.be.instanceOf(TransactionError);
    expect(network.retryable).to.equal(true);
    expect(network.message).to.equal("deposit failed: connect ECONNREFUSED");
    const other = decoder.toCfxError(new Error("nonce too low"), "fill");
    expect(other.retryable).to.equal(false);
  });

  it("recognises a wallet's rejection", function () {
    const rejected = makeError("user rejected action", "ACTION_REJECTED", { action: "signTypedData", reason: "rejected" });
    const error = decoder.toCfxError(rejected, "sign the order");
    expect(error).to.be.instanceOf(UserRejectedError);
    expect(error.message).to.equal("sign the order was rejected in the wallet");
  });
});

describe("client errors: real reverts", function () {
  this.timeout(60_000);

  it("decodes InsufficientFreeCollateral from a withdrawal's estimateGas, with the exact message", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(fx.alice, fx.deployment);
    const error = await thrownBy(client.withdraw(DEPOSIT + 10_000n));
    expect(error).to.be.instanceOf(ContractError);
    const decoded = error as ContractError;
    expect(decoded.name).to.equal("InsufficientFreeCollateral");
    expect(decoded.args).to.deep.equal({ account: fx.alice.address, requested: DEPOSIT + 10_000n, available: DEPOSIT });
    expect(decoded.message).to.equal(
      "insufficient free collateral: requested 100,000.01 mUSD, available 100,000.00 mUSD",
    );
    expect(decoded.retryable).to.equal(false);
  });

  it("decodes InsufficientMargin from a fill beyond initial margin, with the exact message", async function () {
    const fx = await loadFixture(clientFixture);
    const trader = fx.outsider;
    await fundAccount(fx, trader.address, 1_000n * USD);
    const maker = await signedOrder(fx, fx.bob, { isBuy: false, size: 50n, limitPrice: INITIAL_INDEX });
    const client = await connect(trader, fx.deployment);
    const error = (await thrownBy(client.fill(maker, 50n))) as ContractError;
    // Buying 50 at $2.50 (notional $12,500, taker fee 5 bps) with $1,000: equity 993.75, IM 2,500.
    const notional = notionalOf(50n, INITIAL_INDEX, 100n);
    const equity = 1_000n * USD - buyerPays(notional) - feeOf(notional, 5n) + markValueOf(50n, INITIAL_INDEX, 100n);
    const required = requirementOf(50n, INITIAL_INDEX, 100n, 2_000n);
    expect(error.name).to.equal("InsufficientMargin");
    expect(error.args).to.deep.equal({ account: trader.address, required, equity });
    expect(error.message).to.equal("insufficient margin: need 2,500.00 mUSD, have 993.75 mUSD");
  });

  it("decodes OffTick from a static call and from estimateGas made outside the client", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(fx.alice, fx.deployment);
    const offTick = await signedOrder(fx, fx.bob, { limitPrice: INITIAL_INDEX + TICK / 2n });
    const market = fx.market.connect(fx.alice);
    for (const attempt of [market.fill.staticCall(offTick.order, offTick.signature, 1n), market.fill.estimateGas(offTick.order, offTick.signature, 1n)]) {
      const error = client.decodeError(await thrownBy(attempt), "fill") as ContractError;
      expect(error).to.be.instanceOf(ContractError);
      expect(error.name).to.equal("OffTick");
      expect(error.args).to.deep.equal({ price: INITIAL_INDEX + TICK / 2n, tickSize: TICK });
      expect(error.message).to.equal("price $2.5005 is off the tick: prices are multiples of $0.001");
    }
  });

  it("decodes an oracle error met through a market read (NoData of a feed without rounds)", async function () {
    const fx = await loadFixture(clientFixture);
    const emptyFeed = id("EMPTY-FEED");
    const params = { heartbeat: 3600, maxObservationAge: 300, maxMoveBps: 1000, minUpdateInterval: 0 };
    await (await fx.oracle.addFeed(emptyFeed, "empty", fx.relayers.map((w) => w.address), 1, params, 64)).wait();
    const { id: series } = await listSeries(fx, h100Params(await latestTime(fx), { feed: emptyFeed }));
    const client = await connect(fx.alice, { ...fx.deployment, feeds: [...fx.deployment.feeds, { name: "EMPTY-FEED", id: emptyFeed, adapter: ZeroAddress }] });
    // The client's own series reads handle it (hasIndex: false); a direct market read meets it.
    const error = client.decodeError(await thrownBy(client.contracts.market.seriesState(series))) as ContractError;
    expect(error.name).to.equal("NoData");
    expect(error.args).to.deep.equal({ feed: emptyFeed });
    expect(error.message).to.equal("the EMPTY-FEED index has no round yet");
  });

  it("names the series in a message once the client has read it", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(fx.alice, fx.deployment);
    await networkHelpers.time.increaseTo(fx.params.lastTradingTime);
    const info = await client.seriesInfo(fx.series);
    const maker = await signedOrder(fx, fx.bob, { expiry: fx.params.expiry });
    const error = (await thrownBy(client.fill(maker, 1n))) as ContractError;
    expect(error.name).to.equal("TradingClosed");
    const date = new Date(Number(fx.params.expiry) * 1000).toISOString().slice(0, 10);
    expect(info.label).to.equal(`${FEED_NAME} ${date}`);
    const closedAt = new Date(Number(fx.params.lastTradingTime) * 1000).toISOString().replace(".000Z", "Z");
    expect(error.message).to.equal(`trading in series ${FEED_NAME} ${date} closed at ${closedAt}`);
  });

  it("refuses writes on a read-only client and bad inputs before sending", async function () {
    const fx = await loadFixture(clientFixture);
    const readOnly = await connect(ethers.provider, fx.deployment);
    const noSigner = await thrownBy(readOnly.withdraw(1n));
    expect(noSigner).to.be.instanceOf(SignerRequiredError);
    expect((noSigner as CfxError).message).to.equal("withdraw needs a signer: connect the client with a Signer, not a bare Provider");
    const client = await connect(Wallet.createRandom(ethers.provider), fx.deployment);
    const zero = (await thrownBy(client.withdraw(0n))) as InvalidInputError;
    expect(zero).to.be.instanceOf(InvalidInputError);
    expect(zero.field).to.equal("amount");
  });
});
