/**
 * Four `cfx relayer start` processes against a `hardhat node` process, each reading its own local
 * price API and reaching the node through a TCP proxy the test can cut: rounds land with the
 * median of their observations; a relayer stopped with SIGTERM shuts down cleanly and the others
 * fail over to a quorum of three; a restarted relayer rejoins without a nonce gap; a lying relayer
 * and sources answering 500, garbage or too slowly leave the value in the honest range; the RPC
 * going away for a while stops nothing; a bad config stops a relayer at start-up with a message
 * naming the field. Real processes, real HTTP, real time.
 */
import { expect } from "chai";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, Wallet, id, parseEther } from "ethers";

import { IndexOracle__factory, type IndexOracle } from "../../types/ethers-contracts/index.js";
import { feedFileName, feedId, median } from "../../src/index/index.js";
import { HardhatNode, STARTUP_TIMEOUT_MS, freePort } from "../helpers/hardhatNode.js";
import { CfxProcess, until } from "../helpers/cfxProcess.js";
import { CuttableProxy } from "../helpers/cuttableProxy.js";
import { garbage, json, slow, startPriceServer, status, type PriceServer } from "../helpers/priceServers.js";
import { basket, feedYaml, modelsBody, wad3 } from "../helpers/relayerHarness.js";

const FEED = "PROC-TOKEN-OUT";
const FEED_ID = feedId(FEED);
const PARAMS = { heartbeat: 3600, maxObservationAge: 300, maxMoveBps: 5000, minUpdateInterval: 0 };

/** Each relayer's index (the middle of its three model prices), USD per 1M tokens. */
const INDEXES = ["2.140", "2.145", "2.150", "2.152"];
const MOVED = ["2.340", "2.345", "2.350", "2.352"];


/** A `cfx relayer start` process with its output kept. */
class RelayerProcess extends CfxProcess {
  constructor(config: string, env: NodeJS.ProcessEnv) {
    super(["relayer", "start", "--config", config], env);
  }
}

describe("cfx relayer processes against a hardhat node process", function () {
  this.timeout(240_000);

  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let oracle: IndexOracle;
  let dir: string;
  const wallets = [0, 1, 2, 3].map((i) => new Wallet(id(`relayer-process-key-${i}`)));
  const env = Object.fromEntries(wallets.map((w, i) => [`R${i}_KEY`, w.privateKey]));
  const servers: PriceServer[] = [];
  const processes: RelayerProcess[] = [];
  let proxy: CuttableProxy;
  let ports: number[] = [];

  /** The RoundUpdated event of a round (`values` shadows a Result method: read fields by position). */
  async function roundEvent(roundId: bigint) {
    const [event] = await oracle.queryFilter(oracle.filters.RoundUpdated(FEED_ID, roundId));
    if (event === undefined) return undefined;
    const [, , value, , signers, values] = event.args;
    return { value, signers: [...signers], values: [...values] };
  }

  /** Resolves once relayer `i` serves no observation (404): it has no fresh value of its own. */
  async function servesNoObservation(i: number): Promise<void> {
    await until(`relayer ${i} to stop serving an observation`, 20_000, async () =>
      (await fetch(`http://127.0.0.1:${ports[i]}/v1/feeds/${FEED}/observation`)).status === 404 ? true : undefined,
    );
  }

  before(async function () {
    node = new HardhatNode(await freePort());
    const chainId = await node.ready(STARTUP_TIMEOUT_MS);
    provider = new JsonRpcProvider(node.url, chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
    const deployer = await provider.getSigner(0);
    const admin = await deployer.getAddress();
    oracle = await new IndexOracle__factory(deployer).deploy(admin, admin);
    await oracle.waitForDeployment();
    await (await oracle.addFeed(FEED_ID, "test", wallets.map((w) => w.address), 1, PARAMS, 64)).wait();
    for (const wallet of wallets) await (await deployer.sendTransaction({ to: wallet.address, value: parseEther("10") })).wait();
    dir = await mkdtemp(join(tmpdir(), "cfx-relayer-processes-"));
    proxy = new CuttableProxy(new URL(node.url));
    const rpcUrl = await proxy.open();
    ports = [await freePort(), await freePort(), await freePort(), await freePort()];
    for (let i = 0; i < 4; i++) {
      servers.push(await startPriceServer({ "/api/v1/models": json(modelsBody(basket(INDEXES[i]))) }));
      await mkdir(join(dir, `r${i}`));
      await writeFile(join(dir, `r${i}`, feedFileName(FEED)), feedYaml(FEED, servers[i].url("/api/v1/models")));
      const peers = ports.filter((_, j) => j !== i).map((p) => `  - http://127.0.0.1:${p}`).join("\n");
      await writeFile(
        join(dir, `r${i}.yaml`),
        `name: relayer-${i}
rpcUrl: ${rpcUrl}
oracle: "${await oracle.getAddress()}"
key: { env: R${i}_KEY }
listen: { port: ${ports[i]} }
peers:
${peers}
feeds: [r${i}/${feedFileName(FEED)}]
schedule: { intervalSeconds: 1, graceSeconds: 4, peerTimeoutMs: 500 }
gas: { replaceAfterSeconds: 5 }
log: { level: info }
`,
      );
    }
    for (let i = 0; i < 4; i++) processes.push(new RelayerProcess(join(dir, `r${i}.yaml`), env));
  });

  afterEach(function () {
    // A failure in real time is hard to reproduce: show what each relayer was doing.
    if (this.currentTest?.state !== "failed") return;
    processes.forEach((p, i) => console.log(`--- relayer ${i}, last lines:\n${p.output.trim().split("\n").slice(-25).join("\n")}`));
  });

  after(async function () {
    for (const p of processes) await p.stop();
    for (const server of servers) await server.stop();
    await proxy?.close();
    provider?.destroy();
    await node?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("publishes the first round with the median of at least three relayers' observations", async function () {
    const event = await until("round 1", 60_000, () => roundEvent(1n));
    const values = event.values;
    expect(values.length >= 3).to.equal(true);
    for (const value of values) expect(INDEXES.map(wad3)).to.include(value);
    expect(event.value).to.equal(median(values));
  });

  it("publishes again when the prices move, and keeps one round per move", async function () {
    MOVED.forEach((index, i) => servers[i].set("/api/v1/models", json(modelsBody(basket(index)))));
    const event = await until("round 2", 60_000, () => roundEvent(2n));
    // A transmitter may still carry a peer's observation from just before the move; the median of
    // a quorum of three is a moved price all the same.
    for (const value of event.values) expect([...INDEXES, ...MOVED].map(wad3)).to.include(value);
    expect(event.value).to.equal(median(event.values));
    expect(event.value >= wad3(MOVED[0]) && event.value <= wad3(MOVED[3])).to.equal(true);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await oracle.feedInfo(FEED_ID)).latestRoundId, "no duplicate round for the same move").to.equal(2n);
  });

  it("a relayer stopped with SIGTERM exits cleanly, and the other three carry on", async function () {
    const stopped = processes[0];
    expect(await stopped.stop()).to.equal(0);
    expect(stopped.output).to.include('"msg":"relayer stopped"');
    INDEXES.forEach((index, i) => servers[i].set("/api/v1/models", json(modelsBody(basket(index)))));
    const event = await until("round 3", 90_000, () => roundEvent(3n));
    expect(event.signers).not.to.include(wallets[0].address);
    expect(event.values.length).to.equal(3);
    expect(event.value).to.equal(median(event.values));
  });

  it("restarted with the same config and state, a relayer rejoins: its observation is in a later round, no nonce gap", async function () {
    processes[0] = new RelayerProcess(join(dir, "r0.yaml"), env);
    ["2.540", "2.545", "2.550", "2.552"].forEach((index, i) => servers[i].set("/api/v1/models", json(modelsBody(basket(index)))));
    // The next rounds (a move, then heartbeats need not come): the first one that includes relayer 0.
    const event = await until("a round with relayer 0", 90_000, async () => {
      for (let round = 4n; round <= 6n; round++) {
        const found = await roundEvent(round);
        if (found?.signers.includes(wallets[0].address)) return found;
      }
      return undefined;
    });
    expect(event.value).to.equal(median(event.values));
    for (const wallet of wallets) {
      expect(await provider.getTransactionCount(wallet.address, "pending")).to.equal(
        await provider.getTransactionCount(wallet.address, "latest"),
      );
    }
  });

  it("keeps the value within the honest range when one relayer lies, and leaves out one whose source fails", async function () {
    const before = (await oracle.feedInfo(FEED_ID)).latestRoundId;
    const honest = ["2.800", "2.805"];
    servers[0].set("/api/v1/models", json(modelsBody(basket(honest[0]))));
    servers[1].set("/api/v1/models", json(modelsBody(basket(honest[1]))));
    servers[2].set("/api/v1/models", status(500)); // relayer 2's only source fails
    servers[3].set("/api/v1/models", json(modelsBody({ "vendor/low": "90", "vendor/mid": "95", "vendor/high": "99" }))); // relayer 3 lies
    const event = await until("a round after the move", 90_000, () => roundEvent(before + 1n));
    expect(event.value >= wad3(honest[0]) && event.value <= wad3(honest[1])).to.equal(true);
    await servesNoObservation(2);
    await until("relayer 2's source error in its log", 10_000, async () =>
      /"source":"api","error":"source api: HTTP 500[^"]*","msg":"source error"/.test(processes[2].output) ? true : undefined,
    );
  });

  for (const [name, behaviour, reason] of [
    ["answers garbage", garbage(), /JSON|UTF-8/i],
    ["is slower than its timeout", slow(3_000), /timed out|timeout/i],
  ] as const) {
    it(`leaves out a relayer whose only source ${name}, and its /healthz says why`, async function () {
      const before = (await oracle.feedInfo(FEED_ID)).latestRoundId;
      const honest = ["3.000", "3.004", "3.008"].map((v) => (Number(v) + Number(before) * 0.1).toFixed(3));
      servers[2].set("/api/v1/models", behaviour);
      [0, 1, 3].forEach((relayer, i) => servers[relayer].set("/api/v1/models", json(modelsBody(basket(honest[i])))));
      const event = await until("a round after the move", 90_000, () => roundEvent(before + 1n));
      expect(event.value).to.equal(median(event.values));
      // The round may still carry relayer 2's observation from before its source broke (it was
      // fresh then); a median of three with two new prices is a new price all the same.
      expect(event.value >= wad3(honest[0]) && event.value <= wad3(honest[2])).to.equal(true);
      await servesNoObservation(2);
      // The round may land before relayer 2 next polls its source: wait for the error to show.
      await until(`relayer 2's /healthz to report that its source ${name}`, 20_000, async () => {
        const health = (await (await fetch(`http://127.0.0.1:${ports[2]}/healthz`)).json()) as { checks: Record<string, string> };
        return reason.test(health.checks[`source ${FEED}/api`] ?? "") ? true : undefined;
      });
    });
  }

  it("keeps running while the RPC is away, and publishes once it is back", async function () {
    const before = (await oracle.feedInfo(FEED_ID)).latestRoundId;
    const next = ["3.900", "3.904", "3.908", "3.912"];
    await proxy.cut();
    next.forEach((index, i) => servers[i].set("/api/v1/models", json(modelsBody(basket(index)))));
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    expect((await oracle.feedInfo(FEED_ID)).latestRoundId, "nothing lands without the RPC").to.equal(before);
    for (const p of processes) expect(p.child.exitCode, "still running").to.equal(null);
    await proxy.restore();
    const event = await until("the round after the outage", 60_000, () => roundEvent(before + 1n));
    for (const value of event.values) expect(next.map(wad3)).to.include(value);
    expect(event.value).to.equal(median(event.values));
    for (const wallet of wallets) {
      expect(await provider.getTransactionCount(wallet.address, "pending")).to.equal(
        await provider.getTransactionCount(wallet.address, "latest"),
      );
    }
  });

  it("never writes a key to its output", async function () {
    for (const [i, p] of processes.entries()) {
      expect(p.output).not.to.include(wallets[i].privateKey.slice(2));
    }
  });

  it("stops at start-up when the RPC cannot be reached, saying where, and when it serves another chain", async function () {
    const deadPort = await freePort();
    const dead = join(dir, "dead-rpc.yaml");
    await writeFile(dead, `rpcUrl: http://127.0.0.1:${deadPort}\noracle: "${await oracle.getAddress()}"\nkey: { env: R0_KEY }\nlisten: { port: 0 }\nfeeds: [r0/${feedFileName(FEED)}]\n`);
    const p = new RelayerProcess(dead, env);
    expect(await p.exited).to.equal(1);
    expect(p.output.trim()).to.equal(`cfx: cannot reach the RPC at http://127.0.0.1:${deadPort}: fetch failed`);
    const other = join(dir, "other-chain.yaml");
    await writeFile(other, `rpcUrl: ${node.url}\nchainId: 1\noracle: "${await oracle.getAddress()}"\nkey: { env: R0_KEY }\nlisten: { port: 0 }\nfeeds: [r0/${feedFileName(FEED)}]\n`);
    const q = new RelayerProcess(other, env);
    expect(await q.exited).to.equal(1);
    expect(q.output.trim()).to.equal(`cfx: ${other}: chainId: the RPC serves chain 31337, not 1`);
  });

  it("stops at start-up on a bad config with a message naming the field, and no stack trace", async function () {
    const bad = join(dir, "bad.yaml");
    await writeFile(bad, `rpcUrl: ${node.url}\noracle: "0x1234"\nkey: { env: R0_KEY }\nlisten: { port: 0 }\nfeeds: [r0/${feedFileName(FEED)}]\n`);
    const p = new RelayerProcess(bad, env);
    expect(await p.exited).to.equal(1);
    expect(p.output.trim()).to.equal(`cfx: ${bad}: oracle: expected a 0x-prefixed 20-byte address`);
  });
});
