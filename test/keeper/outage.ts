/**
 * The keeper against a real `hardhat node` process, through a TCP proxy the test cuts: while the
 * RPC is gone the keeper's loop keeps running (each tick fails, is counted and logged), /healthz
 * turns 503 once the outage outlasts healthMaxAgeSeconds, and when the RPC is back the keeper does
 * the work that piled up meanwhile: here, liquidating erin, whom an index fall pushed below
 * maintenance margin during the outage (the docs/market.md example: 6 of her 10 contracts).
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { Wallet, id, parseEther } from "ethers";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";

import { Keeper, parseKeeperConfig } from "../../src/keeper/index.js";
import { CuttableProxy } from "../helpers/cuttableProxy.js";
import { HardhatNode, STARTUP_TIMEOUT_MS, freePort } from "../helpers/hardhatNode.js";
import { INITIAL_INDEX, USD, depositFrom, fundAccount, marketFixture, stepIndexTo, trade, type MarketFx } from "../helpers/market.js";

const P170 = 1_700_000_000_000_000_000n;
const HEALTH_MAX_AGE = 30;

/** Polls `check` every 200 ms until it holds; fails after `ms`. */
async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function metric(keeper: Keeper, name: string): Promise<number> {
  const values = (await keeper.metrics.registry.getSingleMetric(name)!.get()).values;
  return values.reduce((sum, v) => sum + v.value, 0);
}

describe("keeper against a real node whose RPC goes away", function () {
  this.timeout(240_000);

  let node: HardhatNode;
  let connection: NetworkConnection;
  let proxy: CuttableProxy;
  let keeper: Keeper | undefined;
  let dir: string;
  let fx: MarketFx;
  let erin: Awaited<ReturnType<NetworkConnection["ethers"]["getSigners"]>>[number];
  /** The keeper's clock: the wall clock plus what the test adds to jump ahead. */
  let skew = 0;

  before(async function () {
    node = new HardhatNode(await freePort());
    await node.ready(STARTUP_TIMEOUT_MS);
    connection = await network.create({ network: "localhost", override: { url: node.url } });
    fx = await marketFixture(connection);
    erin = (await connection.ethers.getSigners())[8];
    await depositFrom(fx, erin, 1_000n * USD);
    await trade(fx, fx.bob, erin, { size: 10n, price: INITIAL_INDEX });
    proxy = new CuttableProxy(new URL(node.url));
    dir = await mkdtemp(join(tmpdir(), "cfx-keeper-outage-"));
  });

  after(async function () {
    await keeper?.stop();
    await proxy?.close();
    await connection?.close();
    await node?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("keeps ticking through the outage, reports it on /healthz, and liquidates once the RPC is back", async function () {
    const wallet = new Wallet(id("keeper-outage-test"));
    await (await fx.admin.sendTransaction({ to: wallet.address, value: parseEther("10") })).wait();
    await fundAccount(fx, wallet.address, 1_000n * USD);
    const rpcUrl = await proxy.open();
    const config = parseKeeperConfig(
      {
        rpcUrl,
        deployment: { vault: fx.vaultAddress, market: fx.marketAddress, startBlock: 0 },
        key: { env: "KEEPER_KEY" },
        listen: { port: 0 },
        stateDir: join(dir, "state"),
        intervalSeconds: 1,
        rpcTimeoutSeconds: 2,
        healthMaxAgeSeconds: HEALTH_MAX_AGE,
        scan: { chunkBlocks: 50 },
        gas: { replaceAfterSeconds: 5 },
      },
      join(dir, "keeper.yaml"),
    );
    keeper = await Keeper.start(config, {
      env: { KEEPER_KEY: wallet.privateKey },
      clock: () => Math.floor(Date.now() / 1000) + skew,
      logger: pino({ level: process.env.KEEPER_TEST_LOG ?? "silent" }),
    });
    keeper.run();
    const health = async () => {
      const response = await fetch(`${keeper!.url}/healthz`);
      return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
    };
    await until("a first tick", async () => (await metric(keeper!, "cfx_keeper_last_tick_timestamp_seconds")) > 0);
    expect((await health()).status).to.equal(200);

    await proxy.cut();
    // The index falls during the outage (the test talks to the node directly, not through the proxy).
    await stepIndexTo(fx, connection.networkHelpers.time, P170);
    const failuresAtCut = await metric(keeper, "cfx_keeper_tick_failures_total");
    await until("failed ticks", async () => (await metric(keeper!, "cfx_keeper_tick_failures_total")) >= failuresAtCut + 2);
    expect((await health()).status, "a short outage is tolerated").to.equal(200);
    skew += 60; // a minute later
    const down = await health();
    expect(down.status).to.equal(503);
    expect(down.body.checks.rpc).to.match(/^unreachable for (6\d|7\d) s$/);
    expect((await fx.market.positionOf(erin.address, fx.series)).size, "nothing happened meanwhile").to.equal(10n);

    await proxy.restore();
    await until("the liquidation", async () => (await fx.market.positionOf(erin.address, fx.series)).size !== 10n);
    const [event] = await fx.market.queryFilter(fx.market.filters.PositionLiquidated(erin.address));
    expect([event.args.liquidator, event.args.size, event.args.markPrice]).to.deep.equal([wallet.address, 6n, P170]);
    expect((await fx.market.positionOf(erin.address, fx.series)).size).to.equal(4n);
    expect((await fx.market.positionOf(wallet.address, fx.series)).size).to.equal(6n);
    await until("health back to 200", async () => (await health()).status === 200);
    const scraped = await (await fetch(`${keeper.url}/metrics`)).text();
    const scrapedValue = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(scraped)?.[1]);
    // alice, bob, carol, dave, erin and the keeper itself deposited.
    expect(scrapedValue("cfx_keeper_accounts_tracked")).to.equal(6);
    expect(scrapedValue("cfx_keeper_tick_failures_total")).to.be.greaterThanOrEqual(2);
    const outcomes = (await keeper.metrics.liquidations.get()).values.map((v) => [v.labels.outcome, v.value]);
    expect(outcomes).to.have.deep.members([["sent", 1], ["succeeded", 1]]);
  });
});
