/**
 * Four relayers against a real `hardhat node`: each reads its own local price API (OpenRouter's
 * model-list format), computes the index, signs its observation and serves it over HTTP; the
 * relayer whose turn it is gathers the others' observations over HTTP and submits the report.
 * The relayers run in this process (the `cfx relayer` processes are tested separately) with a
 * clock that follows the chain, so the test can move time.
 */
import { expect } from "chai";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, Wallet, id, parseEther, type JsonRpcSigner } from "ethers";
import pino from "pino";

import { IndexOracle__factory, type IndexOracle } from "../../types/ethers-contracts/index.js";
import { feedFileName, feedId, loadFeedConfig, median } from "../../src/index/index.js";
import { main } from "../../src/cli/main.js";
import { verifyRound } from "../../src/relayer/verify.js";
import { parseRelayerConfig } from "../../src/relayer/config.js";
import { Relayer } from "../../src/relayer/relayer.js";
import { transmitterTurn } from "../../src/relayer/schedule.js";
import { readFeed } from "../../src/relayer/chain.js";
import { HardhatNode, STARTUP_TIMEOUT_MS, freePort } from "../helpers/hardhatNode.js";
import { json, startPriceServer, type PriceServer } from "../helpers/priceServers.js";

const FEED = "TEST-TOKEN-OUT";
const FEED_ID = feedId(FEED);
const WAD = 10n ** 18n;
const GRACE = 30;
const PARAMS = { heartbeat: 3600, maxObservationAge: 300, maxMoveBps: 5000, minUpdateInterval: 0 };
const MODELS = ["vendor/model-a", "vendor/model-b", "vendor/model-c"];

/** An OpenRouter /models answer with these USD-per-1M-token output prices (as per-token strings). */
function modelsBody(perMillion: string[]) {
  return {
    data: MODELS.map((model, i) => ({
      id: model,
      name: model,
      pricing: { prompt: "0.000001", completion: perToken(perMillion[i]) },
    })),
  };
}

/** "2.15" USD per 1M tokens -> "0.00000215" USD per token, by moving the decimal point. */
function perToken(perMillion: string): string {
  const [whole, fraction = ""] = perMillion.split(".");
  const digits = (whole + fraction).replace(/^0+/, "") || "0";
  const scale = fraction.length + 6;
  return `0.${digits.padStart(scale, "0")}`;
}

/** The feed as one relayer sees it: the same methodology, its own price API. */
function feedYaml(url: string): string {
  return `id: ${FEED}
description: Test basket of three models, equal weights, median.
unit: USD per 1M output tokens
methodologyVersion: 1
aggregation: weighted-median
constituents:
  - { id: model-a, weight: "1", description: Model A }
  - { id: model-b, weight: "1", description: Model B }
  - { id: model-c, weight: "1", description: Model C }
sources:
  - id: api
    kind: openrouter-models
    quoteKind: firm
    url: ${url}
    models: { model-a: vendor/model-a, model-b: vendor/model-b, model-c: vendor/model-c }
    timeoutMs: 1000
    retries: 0
limits:
  maxQuoteAgeSeconds: 600
  maxDeviationBps: 5000
  minSourcesPerConstituent: 1
  minConstituents: 2
heartbeatSeconds: 3600
deviationBps: 100
`;
}

/**
 * Each relayer's three prices: its index is the middle one. Honest relayers read slightly
 * different markets (their indexes span 0.5%, within the 1% deviation threshold).
 */
const ROUND_1 = [
  ["1.90", "2.140", "2.40"],
  ["2.05", "2.145", "2.30"],
  ["1.80", "2.150", "2.25"],
  ["2.10", "2.152", "2.60"],
];
const wad = (text: string) => BigInt(Math.round(Number(text) * 1000)) * (WAD / 1000n);

describe("relayers publishing a feed to a real node", function () {
  this.timeout(180_000);

  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let deployer: JsonRpcSigner;
  let oracle: IndexOracle;
  let dir: string;
  let chainNow = 0;
  const wallets = [0, 1, 2, 3].map((i) => new Wallet(id(`relayer-test-key-${i}`)));
  const servers: PriceServer[] = [];
  const relayers: (Relayer | undefined)[] = [];
  const env: NodeJS.ProcessEnv = Object.fromEntries(wallets.map((w, i) => [`R${i}_KEY`, w.privateKey]));
  const ports: number[] = [];

  async function syncClock(): Promise<void> {
    const block = (await provider.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    chainNow = Number(block.timestamp);
  }

  async function travel(seconds: number): Promise<void> {
    await provider.send("evm_increaseTime", [seconds]);
    await provider.send("evm_mine", []);
    await syncClock();
  }

  async function startRelayer(i: number): Promise<Relayer> {
    const config = parseRelayerConfig(
      {
        name: `relayer-${i}`,
        rpcUrl: node.url,
        oracle: await oracle.getAddress(),
        key: { env: `R${i}_KEY` },
        listen: { port: ports[i] },
        peers: ports.filter((_, j) => j !== i).map((p) => `http://127.0.0.1:${p}`),
        feeds: [join(`r${i}`, feedFileName(FEED))],
        schedule: { graceSeconds: GRACE, peerTimeoutMs: 1000 },
        gas: { replaceAfterSeconds: 5 },
      },
      join(dir, `relayer-${i}.yaml`),
    );
    const relayer = await Relayer.start(config, { env, clock: () => chainNow, logger: pino({ level: process.env.RELAYER_TEST_LOG ?? "silent" }) });
    relayers[i] = relayer;
    return relayer;
  }

  /** Every running relayer observes; then each tries to transmit (only the one whose turn it is may). */
  async function round(): Promise<string[]> {
    const running = relayers.filter((r): r is Relayer => r !== undefined);
    for (const relayer of running) await relayer.observeAll();
    const transmitted: string[] = [];
    for (const relayer of running) {
      transmitted.push(...(await relayer.transmit()).transmitted.map((feed) => `${relayer.address}:${feed}`));
    }
    await syncClock();
    return transmitted;
  }

  function setPrices(i: number, prices: string[]): void {
    servers[i].set("/api/v1/models", json(modelsBody(prices)));
  }

  before(async function () {
    node = new HardhatNode(await freePort());
    const chainId = await node.ready(STARTUP_TIMEOUT_MS);
    provider = new JsonRpcProvider(node.url, chainId, { staticNetwork: true, pollingInterval: 100 });
    deployer = await provider.getSigner(0);
    const admin = await deployer.getAddress();
    oracle = await new IndexOracle__factory(deployer).deploy(admin, admin);
    await oracle.waitForDeployment();
    await (await oracle.addFeed(FEED_ID, "test", wallets.map((w) => w.address), 1, PARAMS, 64)).wait();
    for (const wallet of wallets) await (await deployer.sendTransaction({ to: wallet.address, value: parseEther("10") })).wait();
    dir = await mkdtemp(join(tmpdir(), "cfx-relayers-"));
    for (let i = 0; i < 4; i++) {
      servers.push(await startPriceServer({ "/api/v1/models": json(modelsBody(ROUND_1[i])) }));
      await mkdir(join(dir, `r${i}`));
      await writeFile(join(dir, `r${i}`, feedFileName(FEED)), feedYaml(servers[i].url("/api/v1/models")));
      ports.push(await freePort());
    }
    await syncClock();
    for (let i = 0; i < 4; i++) await startRelayer(i);
  });

  after(async function () {
    for (const relayer of relayers) await relayer?.stop();
    for (const server of servers) await server.stop();
    provider?.destroy();
    await node?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("publishes the first round: one transmitter, every observation, the median on chain", async function () {
    const transmitted = await round();
    expect(transmitted, "exactly one relayer transmitted").to.have.length(1);
    const state = await readFeed(oracle, FEED_ID);
    const observations = ROUND_1.map((prices) => wad(prices[1]));
    expect([state.latestRoundId, state.value]).to.deep.equal([1n, median(observations)]);
    // The round's event lists four observations, one per relayer.
    const [event] = await oracle.queryFilter(oracle.filters.RoundUpdated(FEED_ID));
    expect(event.args.roundId).to.equal(1n);
  });

  it("stays quiet while the feed is neither due by heartbeat nor by deviation", async function () {
    expect(await round()).to.deep.equal([]);
    expect((await readFeed(oracle, FEED_ID)).latestRoundId).to.equal(1n);
  });

  it("publishes a new round when the index moves more than the deviation threshold", async function () {
    const moved = ROUND_1.map((prices) => prices.map((p) => (Number(p) * 1.05).toFixed(3)));
    moved.forEach((prices, i) => setPrices(i, prices));
    expect(await round()).to.have.length(1);
    const state = await readFeed(oracle, FEED_ID);
    expect([state.latestRoundId, state.value]).to.deep.equal([2n, median(moved.map((prices) => wad(prices[1])))]);
  });

  it("publishes the heartbeat in a quiet market", async function () {
    await travel(3600);
    expect(await round()).to.have.length(1);
    expect((await readFeed(oracle, FEED_ID)).latestRoundId).to.equal(3n);
  });

  it("keeps the value within the honest range when one relayer lies", async function () {
    const honest = ["2.500", "2.505", "2.510"];
    [0, 1, 2].forEach((i) => setPrices(i, ["1.00", honest[i], "9.00"]));
    setPrices(3, ["90", "95", "99"]); // relayer 3 reports 95 USD
    expect(await round()).to.have.length(1);
    const state = await readFeed(oracle, FEED_ID);
    expect(state.latestRoundId).to.equal(4n);
    expect(state.value >= wad("2.500") && state.value <= wad("2.510")).to.equal(true);
  });

  it("survives a killed relayer: after the grace period the next in order transmits with a quorum of three", async function () {
    const indexes = ["3.000", "3.004", "3.008", "3.012"];
    [0, 1, 2, 3].forEach((i) => setPrices(i, ["1.00", indexes[i], "9.00"]));
    const before = await readFeed(oracle, FEED_ID);
    const turn = transmitterTurn(before, chainNow, GRACE);
    const killed = wallets.findIndex((w) => w.address === turn.transmitter);
    await relayers[killed]!.stop();
    relayers[killed] = undefined;
    expect(await round(), "nobody else transmits in its turn").to.deep.equal([]);
    await travel(GRACE);
    const transmitted = await round();
    expect(transmitted).to.have.length(1);
    expect(transmitted[0].startsWith(wallets[(killed + 1) % 4].address)).to.equal(true);
    const state = await readFeed(oracle, FEED_ID);
    const alive = [0, 1, 2, 3].filter((i) => i !== killed).map((i) => wad(indexes[i]));
    expect([state.latestRoundId, state.value]).to.deep.equal([before.latestRoundId + 1n, median(alive)]);
    // Back up with the same state directory: it rejoins, and no relayer left a nonce gap.
    await startRelayer(killed);
    for (const wallet of wallets) {
      expect(await provider.getTransactionCount(wallet.address, "pending")).to.equal(
        await provider.getTransactionCount(wallet.address, "latest"),
      );
    }
  });

  it("verifies a round: every observation recomputed from the snapshot its relayer serves", async function () {
    const feed = loadFeedConfig(join(dir, "r0", feedFileName(FEED)));
    const round = (await readFeed(oracle, FEED_ID)).latestRoundId;
    const urls = relayers.filter((r): r is Relayer => r !== undefined).map((r) => r.url);
    const report = await verifyRound(oracle, feed, round, urls);
    expect(report.medianMatches).to.equal(true);
    expect(report.observations.map((o) => o.verdict)).to.deep.equal(report.observations.map(() => "verified"));
    for (const o of report.observations) expect(o.recomputedValue).to.equal(o.onchainValue);
    // A relayer serving a doctored snapshot under the same hash is caught.
    const first = report.observations[0];
    const genuine = (await (await fetch(`${first.relayer}/v1/snapshots/${first.inputsHash}`)).json()) as {
      quotes: { price: string }[];
    };
    genuine.quotes[1].price = "2.999";
    const forger = await startPriceServer({ [`/v1/snapshots/${first.inputsHash}`]: json(genuine) });
    try {
      const forged = await verifyRound(oracle, feed, round, [forger.baseUrl, ...urls]);
      expect(forged.observations[0].verdict).to.equal("mismatch");
      expect(forged.observations[0].recomputedValue).not.to.equal(first.onchainValue);
    } finally {
      await forger.stop();
    }
    // Asking one relayer only: the others' snapshots cannot be found, and the round is not verified.
    const partial = await verifyRound(oracle, feed, round, [urls[0]]);
    expect(partial.ok).to.equal(false);
    expect(partial.observations.filter((o) => o.verdict === "no-snapshot")).to.have.length(report.observations.length - 1);
  });

  it("cfx index verify prints the table and exits 0 on a verified round, 3 otherwise", async function () {
    const round = (await readFeed(oracle, FEED_ID)).latestRoundId;
    const urls = relayers.filter((r): r is Relayer => r !== undefined).map((r) => r.url);
    const args = (relayerUrls: string[]) => [
      "index", "verify", "--feed", FEED, "--round", round.toString(), "--rpc", node.url,
      "--oracle", oracleAddress, "--relayers", relayerUrls.join(","), "--feeds-dir", join(dir, "r0"),
    ];
    const oracleAddress = await oracle.getAddress();
    const run = async (argv: string[]) => {
      let out = "";
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
      const before = process.exitCode;
      try {
        const code = await main(argv);
        return { code: process.exitCode ?? code, out };
      } finally {
        process.stdout.write = write;
        process.exitCode = before;
      }
    };
    const good = await run(args(urls));
    expect(good.code).to.equal(0);
    expect(good.out).to.include(`${FEED} round ${round}: value `);
    expect(good.out.trim().endsWith("verified")).to.equal(true);
    const bad = await run(args([urls[0]]));
    expect(bad.code).to.equal(3);
    expect(bad.out.trim().endsWith("NOT verified")).to.equal(true);
  });

  it("serves its observation and the snapshot behind it, and reports health and metrics", async function () {
    await round();
    const relayer = relayers.find((r) => r !== undefined)!;
    const observation = (await (await fetch(`${relayer.url}/v1/feeds/${FEED}/observation`)).json()) as { inputsHash: string; value: string };
    const snapshot = (await (await fetch(`${relayer.url}/v1/snapshots/${observation.inputsHash}`)).json()) as { feed: string; quotes: unknown[] };
    expect([snapshot.feed, snapshot.quotes.length]).to.deep.equal([FEED, 3]);
    const health = await fetch(`${relayer.url}/healthz`);
    expect(health.status).to.equal(200);
    const metrics = await (await fetch(`${relayer.url}/metrics`)).text();
    expect(metrics).to.include(`cfx_relayer_observations_total{feed="${FEED}"}`);
  });
});
