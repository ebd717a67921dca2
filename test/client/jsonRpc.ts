/**
 * The client over real JSON-RPC, as the CLI and a web app use it: a `hardhat node` child process,
 * the system deployed through it (test/helpers/market.ts), and the client on a plain ethers
 * JsonRpcProvider whose unlocked accounts sign with eth_signTypedData_v4. Checks what the
 * in-process tests cannot: reverts decoded from a real node's JSON-RPC error responses (from
 * estimateGas and from eth_call), permits and orders signed over HTTP.
 *
 * The node runs in its own process group and is stopped in `after` (and on exit).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { JsonRpcProvider, type JsonRpcSigner } from "ethers";

import { connect, type CfxClient } from "../../src/client/client.js";
import type { Deployment } from "../../src/client/deployment.js";
import { ContractError } from "../../src/client/errors.js";
import { FEED, FEED_NAME, INITIAL_INDEX, TICK, USD, marketFixture, type MarketFx } from "../helpers/market.js";
import { HardhatNode, STARTUP_TIMEOUT_MS, freePort } from "../helpers/hardhatNode.js";

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("client over a real node's JSON-RPC", function () {
  this.timeout(180_000);

  let node: HardhatNode | undefined;
  let provider: JsonRpcProvider | undefined;
  let fx: MarketFx;
  let deployment: Deployment;
  let maker: CfxClient;
  let taker: CfxClient;
  let takerSigner: JsonRpcSigner;

  before(async function () {
    this.timeout(STARTUP_TIMEOUT_MS + 120_000);
    node = new HardhatNode(await freePort());
    const chainId = await node.ready(STARTUP_TIMEOUT_MS);
    provider = new JsonRpcProvider(node.url, chainId, { staticNetwork: true, pollingInterval: 100 });
    const startBlock = (await provider.getBlockNumber()) + 1;
    const connection = await network.create({ network: "localhost", override: { url: node.url } });
    fx = await marketFixture(connection);
    const adapter = await connection.ethers.deployContract("IndexFeedAdapter", [await fx.oracle.getAddress(), FEED]);
    deployment = {
      network: "localhost",
      chainId: Number(chainId),
      startBlock,
      token: await fx.usd.getAddress(),
      oracle: await fx.oracle.getAddress(),
      vault: fx.vaultAddress,
      market: fx.marketAddress,
      feeds: [{ name: FEED_NAME, id: FEED, adapter: await adapter.getAddress() }],
    };
    // Accounts 9 and 10 of the node: no role, no tokens, nothing deposited by the fixture.
    maker = await connect(await provider.getSigner(9), deployment);
    takerSigner = await provider.getSigner(10);
    taker = await connect(takerSigner, deployment);
    for (const client of [maker, taker]) {
      await (await fx.usd.mint(await client.address(), 10_000n * USD)).wait();
    }
  });

  after(async function () {
    provider?.destroy();
    await node?.stop();
  });

  it("deposits with a permit signed over HTTP", async function () {
    await maker.depositWithPermit(5_000n * USD);
    await taker.deposit(5_000n * USD);
    expect(await fx.vault.cashOf(await maker.address())).to.equal(5_000n * USD);
    expect(await fx.vault.cashOf(takerSigner.address)).to.equal(5_000n * USD);
  });

  it("signs, serialises, parses and fills an order", async function () {
    const order = await maker.buildOrder({ series: fx.series, side: "sell", size: 10n, price: INITIAL_INDEX });
    const signed = maker.parseSignedOrder(maker.serializeSignedOrder(await maker.signOrder(order)));
    expect(signed.hash).to.equal(await fx.market.orderHash(order));
    await taker.fill(signed, 4n);
    expect((await taker.account()).positions.map((p) => p.size)).to.deep.equal([4n]);
  });

  it("decodes a revert from the node's estimateGas error response", async function () {
    const error = (await rejection(taker.withdraw(1_000_000n * USD))) as ContractError;
    expect(error).to.be.instanceOf(ContractError);
    expect(error.name).to.equal("InsufficientFreeCollateral");
    expect(error.args.requested).to.equal(1_000_000n * USD);
  });

  it("decodes a revert from the node's eth_call error response", async function () {
    const order = await maker.buildOrder({ series: fx.series, side: "sell", size: 1n, price: INITIAL_INDEX });
    const signed = await maker.signOrder({ ...order, limitPrice: INITIAL_INDEX + TICK / 2n });
    const call = taker.contracts.market.fill.staticCall(signed.order, signed.signature, 1n);
    const error = taker.decodeError(await rejection(call)) as ContractError;
    expect(error).to.be.instanceOf(ContractError);
    expect(error.message).to.equal("price $2.5005 is off the tick: prices are multiples of $0.001");
  });
});
