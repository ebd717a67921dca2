/**
 * Orders through the client: building with validation against the series, signing with a local
 * Wallet and with a JSON-RPC account (eth_signTypedData_v4), the typed-data payload a wallet
 * signs, the JSON form and its strict parser, and fill, match, batch, cancel and cancel-all on
 * the real market. Hashes are checked against the market's own `orderHash`.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, keccak256, toUtf8Bytes, verifyTypedData } from "ethers";
import fc from "fast-check";

import { connect, type CfxClient } from "../../src/client/client.js";
import { ContractError, InvalidInputError } from "../../src/client/errors.js";
import {
  ORDER_TYPES,
  hashOrder,
  marketDomain,
  parseSignedOrder,
  serializeSignedOrder,
  type Order,
  type SignedOrder,
} from "../../src/client/orders.js";
import { INITIAL_INDEX, TICK, USD, fundAccount, h100Params, latestTime, listSeries } from "../helpers/market.js";
import { clientFixture, type ClientFx } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

async function expectInputError(promise: Promise<unknown>, field: string, message: string) {
  const error = await rejection(promise);
  expect(error).to.be.instanceOf(InvalidInputError);
  expect((error as InvalidInputError).field).to.equal(field);
  expect((error as InvalidInputError).message).to.equal(`${field}: ${message}`);
}

async function expectContractError(promise: Promise<unknown>, name: string): Promise<ContractError> {
  const error = await rejection(promise);
  expect(error, `expected ${name}`).to.be.instanceOf(ContractError);
  expect((error as ContractError).name).to.equal(name);
  return error as ContractError;
}

/** A local key (no node account) with ETH for gas and 10,000 USD deposited. */
async function walletTrader(fx: ClientFx, seed: string): Promise<Wallet> {
  const wallet = new Wallet(keccak256(toUtf8Bytes(seed)), ethers.provider);
  await networkHelpers.setBalance(wallet.address, 10n ** 20n);
  await fundAccount(fx, wallet.address, 10_000n * USD);
  return wallet;
}

async function positionOf(fx: ClientFx, account: string, series = fx.series): Promise<bigint> {
  return (await fx.market.positionOf(account, series)).size;
}

describe("client orders: building", function () {
  this.timeout(60_000);

  it("builds an order with the series' defaults", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(fx.alice, fx.deployment);
    const order = await client.buildOrder({ series: fx.series, side: "buy", size: 3n, price: INITIAL_INDEX, postOnly: true, reduceOnly: true });
    expect(order.trader).to.equal(fx.alice.address);
    expect(order.series).to.equal(fx.series.toLowerCase());
    expect(order.isBuy).to.equal(true);
    expect(order.size).to.equal(3n);
    expect(order.limitPrice).to.equal(INITIAL_INDEX);
    expect(order.expiry, "default expiry: the last trading time").to.equal(fx.params.lastTradingTime);
    expect(order.flags, "post-only | reduce-only").to.equal(3n);
    const other = await client.buildOrder({ series: fx.series, side: "buy", size: 3n, price: INITIAL_INDEX });
    expect(other.nonce, "fresh nonces differ").to.not.equal(order.nonce);
    expect(other.flags).to.equal(0n);
  });

  it("refuses a price off the tick and suggests the nearest ticks", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(fx.alice, fx.deployment);
    await expectInputError(
      client.buildOrder({ series: fx.series, side: "sell", size: 1n, price: INITIAL_INDEX + TICK / 2n }),
      "price",
      "2.5005 is not a multiple of the tick 0.001: use 2.50 or 2.501",
    );
    await expectInputError(client.buildOrder({ series: fx.series, side: "sell", size: 1n, price: 0n }), "price", "must be positive");
  });

  it("refuses sizes that are zero, too large or below the series' minimum", async function () {
    const fx = await loadFixture(clientFixture);
    const { id: series } = await listSeries(fx, h100Params(await latestTime(fx), { minSize: 5n }));
    const client = await connect(fx.alice, fx.deployment);
    await expectInputError(client.buildOrder({ series, side: "buy", size: 0n, price: INITIAL_INDEX }), "size", "must be at least 1 contract");
    await expectInputError(
      client.buildOrder({ series, side: "buy", size: 4n, price: INITIAL_INDEX }),
      "size",
      "4 is below the series' minimum of 5 contracts",
    );
    await expectInputError(
      client.buildOrder({ series, side: "buy", size: 2n ** 64n, price: INITIAL_INDEX }),
      "size",
      "18446744073709551616 contracts is more than an order holds (2^64 - 1)",
    );
  });

  it("refuses an unknown, paused or closed series, a bad side and a past expiry", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(fx.alice, fx.deployment);
    const unknown = keccak256(toUtf8Bytes("no such series"));
    await expectInputError(
      client.buildOrder({ series: unknown, side: "buy", size: 1n, price: INITIAL_INDEX }),
      "series",
      `${unknown} is not listed on this market`,
    );
    await expectInputError(
      client.buildOrder({ series: "H100", side: "buy", size: 1n, price: INITIAL_INDEX }),
      "series",
      '"H100" is not a bytes32 series id',
    );
    await expectInputError(
      client.buildOrder({ series: fx.series, side: "long" as "buy", size: 1n, price: INITIAL_INDEX }),
      "side",
      'expected "buy" or "sell", got "long"',
    );
    const now = await latestTime(fx);
    await expectInputError(
      client.buildOrder({ series: fx.series, side: "buy", size: 1n, price: INITIAL_INDEX, expiry: now }),
      "expiry",
      `${new Date(Number(now) * 1000).toISOString().replace(".000Z", "Z")} is not in the future (block time ${new Date(Number(now) * 1000).toISOString().replace(".000Z", "Z")})`,
    );
    await (await fx.market.pauseSeries(fx.series)).wait();
    const label = `H100-SXM-HOUR ${new Date(Number(fx.params.expiry) * 1000).toISOString().slice(0, 10)}`;
    await expectInputError(client.buildOrder({ series: fx.series, side: "buy", size: 1n, price: INITIAL_INDEX }), "series", `${label} is paused`);
    await (await fx.market.unpauseSeries(fx.series)).wait();
    await time.increaseTo(fx.params.lastTradingTime);
    const closedAt = new Date(Number(fx.params.lastTradingTime) * 1000).toISOString().replace(".000Z", "Z");
    await expectInputError(
      client.buildOrder({ series: fx.series, side: "buy", size: 1n, price: INITIAL_INDEX }),
      "series",
      `${label} stopped trading at ${closedAt}`,
    );
  });

  it("refuses a nonce below the trader's cancel floor", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(fx.alice, fx.deployment);
    await client.cancelAll(100n);
    await expectInputError(
      client.buildOrder({ series: fx.series, side: "buy", size: 1n, price: INITIAL_INDEX, nonce: 99n }),
      "nonce",
      "99 is below the trader's cancel floor 100: the order would be void",
    );
    const order = await client.buildOrder({ series: fx.series, side: "buy", size: 1n, price: INITIAL_INDEX, nonce: 100n });
    expect(order.nonce).to.equal(100n);
  });
});

describe("client orders: signing and JSON", function () {
  this.timeout(60_000);

  it("hashes an order as the market does", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(fx.alice, fx.deployment);
    const order = await client.buildOrder({ series: fx.series, side: "sell", size: 7n, price: INITIAL_INDEX, reduceOnly: true });
    expect(client.orderHash(order)).to.equal(await fx.market.orderHash(order));
  });

  it("signs with a JSON-RPC account (eth_signTypedData_v4) and the payload is what a wallet signs", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(fx.alice, fx.deployment);
    const order = await client.buildOrder({ series: fx.series, side: "buy", size: 2n, price: INITIAL_INDEX });
    const signed = await client.signOrder(order);
    expect(verifyTypedData(fx.domain, ORDER_TYPES, order, signed.signature)).to.equal(fx.alice.address);
    expect(signed.hash).to.equal(await fx.market.orderHash(order));
    // The same payload sent raw over JSON-RPC gives the same (deterministic) signature.
    const payload = JSON.stringify(client.orderTypedData(order));
    const raw = await ethers.provider.send("eth_signTypedData_v4", [fx.alice.address.toLowerCase(), payload]);
    expect(raw).to.equal(signed.signature);
    expect(client.orderTypedData(order).message.size, "numbers as decimal strings").to.equal("2");
  });

  it("signs with a local Wallet", async function () {
    const fx = await loadFixture(clientFixture);
    const wallet = await walletTrader(fx, "client-orders-sign");
    const client = await connect(wallet, fx.deployment);
    const signed = await client.signOrder(await client.buildOrder({ series: fx.series, side: "sell", size: 2n, price: INITIAL_INDEX }));
    expect(verifyTypedData(fx.domain, ORDER_TYPES, signed.order, signed.signature)).to.equal(wallet.address);
  });

  it("round-trips signed orders through JSON (property)", function () {
    const domain = marketDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => ethers.getAddress(ethers.hexlify(b)));
    const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => ethers.hexlify(b));
    const orders = fc.record({
      trader: address,
      series: bytes32,
      isBuy: fc.boolean(),
      size: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      limitPrice: fc.bigInt({ min: 0n, max: 2n ** 96n - 1n }),
      expiry: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      nonce: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
      flags: fc.bigInt({ min: 0n, max: 255n }),
    });
    fc.assert(
      fc.property(orders, fc.uint8Array({ minLength: 1, maxLength: 100 }), (order: Order, sig) => {
        const signed: SignedOrder = { order, signature: ethers.hexlify(sig), hash: hashOrder(domain, order) };
        const text = serializeSignedOrder(signed);
        expect(parseSignedOrder(text, domain)).to.deep.equal(signed);
        expect(parseSignedOrder(JSON.parse(text), domain)).to.deep.equal(signed);
      }),
      { numRuns: 50 },
    );
  });

  it("parses strictly: edited orders, other markets, extra or missing fields, bad numbers", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(fx.alice, fx.deployment);
    const signed = await client.signOrder(await client.buildOrder({ series: fx.series, side: "buy", size: 2n, price: INITIAL_INDEX }));
    const json = JSON.parse(client.serializeSignedOrder(signed));
    expect(client.parseSignedOrder(json)).to.deep.equal(signed);
    const edit = (change: (j: typeof json) => void) => {
      const copy = structuredClone(json);
      change(copy);
      return copy;
    };
    const refused = (value: unknown, field: string) => {
      expect(() => client.parseSignedOrder(value)).to.throw(InvalidInputError, `${field}:`);
    };
    refused(edit((j) => (j.order.size = "3")), "signedOrder.hash");
    refused(edit((j) => (j.order.size = 2)), "signedOrder.order.size");
    refused(edit((j) => (j.order.size = "02")), "signedOrder.order.size");
    refused(edit((j) => (j.order.size = "-2")), "signedOrder.order.size");
    refused(edit((j) => (j.order.flags = "256")), "signedOrder.order.flags");
    refused(edit((j) => (j.order.isBuy = "true")), "signedOrder.order.isBuy");
    refused(edit((j) => (j.order.extra = "1")), "signedOrder.order.extra");
    refused(edit((j) => delete j.order.nonce), "signedOrder.order.nonce");
    refused(edit((j) => delete j.signature), "signedOrder.signature");
    refused(edit((j) => (j.signature = "0x123")), "signedOrder.signature");
    refused(edit((j) => (j.order.trader = j.order.trader.slice(0, 3) + (j.order.trader[3] === "a" ? "A" : "a") + j.order.trader.slice(4))), "signedOrder.order.trader");
    refused("{not json", "signedOrder");
    refused([], "signedOrder");
    // The same order under another chain's domain has another hash.
    expect(() => parseSignedOrder(json, marketDomain(1n, fx.marketAddress))).to.throw(InvalidInputError, "another market or chain");
  });
});

describe("client orders: on-chain", function () {
  this.timeout(60_000);

  async function makerAndTaker(fx: ClientFx): Promise<{ wallet: Wallet; walletClient: CfxClient; alice: CfxClient }> {
    const wallet = await walletTrader(fx, "client-orders-maker");
    return { wallet, walletClient: await connect(wallet, fx.deployment), alice: await connect(fx.alice, fx.deployment) };
  }

  it("fills a Wallet's order by a JSON-RPC taker, partly then the rest by default", async function () {
    const fx = await loadFixture(clientFixture);
    const { wallet, walletClient, alice } = await makerAndTaker(fx);
    const signed = await walletClient.signOrder(await walletClient.buildOrder({ series: fx.series, side: "sell", size: 10n, price: INITIAL_INDEX }));
    // Through JSON, as an order book would pass it on.
    const received = alice.parseSignedOrder(walletClient.serializeSignedOrder(signed));
    await alice.fill(received, 4n);
    expect(await alice.orderStatus(received.order)).to.deep.include({ filled: 4n, remaining: 6n, cancelled: false });
    const receipt = await alice.fill(received);
    const filled = receipt.logs.map((log) => fx.market.interface.parseLog(log)).find((e) => e?.name === "OrderFilled");
    expect(filled?.args.size).to.equal(6n);
    expect(filled?.args.makerOrder).to.equal(signed.hash);
    expect(await positionOf(fx, wallet.address)).to.equal(-10n);
    expect(await positionOf(fx, fx.alice.address)).to.equal(10n);
    expect((await alice.orderStatus(received.order)).remaining).to.equal(0n);
  });

  it("matches two signed orders (matcher pays gas) and a batch of two", async function () {
    const fx = await loadFixture(clientFixture);
    const { wallet, walletClient, alice } = await makerAndTaker(fx);
    const matcher = await connect(fx.carol, fx.deployment);
    const sell = await walletClient.signOrder(await walletClient.buildOrder({ series: fx.series, side: "sell", size: 10n, price: INITIAL_INDEX }));
    const buy = await alice.signOrder(await alice.buildOrder({ series: fx.series, side: "buy", size: 10n, price: INITIAL_INDEX + 5n * TICK }));
    await matcher.match(sell, buy, 4n);
    expect(await positionOf(fx, fx.alice.address)).to.equal(4n);
    await matcher.matchBatch([
      { maker: sell, taker: buy, size: 2n },
      { maker: sell, taker: buy, size: 3n },
    ]);
    expect(await positionOf(fx, wallet.address)).to.equal(-9n);
    expect(await positionOf(fx, fx.alice.address)).to.equal(9n);
    expect(await positionOf(fx, fx.carol.address), "the matcher takes no position").to.equal(0n);
  });

  it("cancels one order: it no longer fills", async function () {
    const fx = await loadFixture(clientFixture);
    const { walletClient, alice } = await makerAndTaker(fx);
    const signed = await walletClient.signOrder(await walletClient.buildOrder({ series: fx.series, side: "sell", size: 10n, price: INITIAL_INDEX }));
    await walletClient.cancel(signed.order);
    expect((await alice.orderStatus(signed.order)).cancelled).to.equal(true);
    const error = await expectContractError(alice.fill(signed, 1n), "OrderIsCancelled");
    expect(error.message).to.equal(`order ${signed.hash} is cancelled`);
  });

  it("cancels every order built so far with cancelAll(); orders built after still fill", async function () {
    const fx = await loadFixture(clientFixture);
    const { wallet, walletClient, alice } = await makerAndTaker(fx);
    const before = await walletClient.signOrder(await walletClient.buildOrder({ series: fx.series, side: "sell", size: 1n, price: INITIAL_INDEX }));
    await walletClient.cancelAll();
    const floor = await fx.market.minNonceOf(wallet.address);
    expect(floor > before.order.nonce, "the floor is above the old nonce").to.equal(true);
    expect(await alice.orderStatus(before.order)).to.deep.include({ nonceCancelled: true, remaining: 0n });
    await expectContractError(alice.fill(before, 1n), "OrderNonceCancelled");
    const after = await walletClient.signOrder(await walletClient.buildOrder({ series: fx.series, side: "sell", size: 1n, price: INITIAL_INDEX }));
    await alice.fill(after, 1n);
    expect(await positionOf(fx, wallet.address)).to.equal(-1n);
  });

  it("checks fill and match sizes before sending", async function () {
    const fx = await loadFixture(clientFixture);
    const { walletClient, alice } = await makerAndTaker(fx);
    const signed = await walletClient.signOrder(await walletClient.buildOrder({ series: fx.series, side: "sell", size: 1n, price: INITIAL_INDEX }));
    await expectInputError(alice.fill(signed, 0n), "size", "must be between 1 and 2^64 - 1 contracts");
    await expectInputError(alice.matchBatch([]), "matches", "is empty");
  });
});
