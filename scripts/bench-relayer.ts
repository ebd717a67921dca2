/**
 * Relayer benchmark (part of `npm run bench`):
 *  1. index computation throughput: computations and quotes per second for feeds of 12
 *     constituents priced from 3, 10 and 30 sources (the methodology alone, no I/O);
 *  2. latency from a source change to the on-chain round, in seconds and blocks, with four
 *     relayers running on their real schedule (1 s interval) against a `hardhat node` process;
 *  3. gas per round for a report of 1 feed and of 3 feeds, as the relayers sent them.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, Wallet, id, parseEther } from "ethers";
import pino from "pino";

import { IndexOracle__factory } from "../types/ethers-contracts/index.js";
import { computeIndex, feedFileName, feedId, parseFeedConfig, type Quote } from "../src/index/index.js";
import { parseRelayerConfig } from "../src/relayer/config.js";
import { Relayer } from "../src/relayer/relayer.js";
import { HardhatNode, STARTUP_TIMEOUT_MS, freePort } from "../test/helpers/hardhatNode.js";
import { json, startPriceServer, type PriceServer } from "../test/helpers/priceServers.js";
import { ORACLE_PARAMS, basket, feedYaml, modelsBody } from "../test/helpers/relayerHarness.js";

const WAD = 10n ** 18n;

// ------------------------------------------------------------------ 1. throughput

function syntheticFeed(sources: number) {
  return parseFeedConfig(
    {
      id: `BENCH-${sources}`,
      description: "benchmark feed",
      unit: "USD per unit",
      methodologyVersion: 1,
      aggregation: "weighted-median",
      constituents: Array.from({ length: 12 }, (_, i) => ({ id: `c${i}`, weight: "1", description: `c${i}` })),
      sources: Array.from({ length: sources }, (_, i) => ({ id: `s${i}`, kind: "price-sheet", quoteKind: "firm", path: "x.csv" })),
      limits: { maxQuoteAgeSeconds: 3600, maxDeviationBps: 1000, minSourcesPerConstituent: 1, minConstituents: 6 },
      heartbeatSeconds: 3600,
      deviationBps: 50,
    },
    `bench-${sources}.yaml`,
  );
}

function throughput(sources: number) {
  const feed = syntheticFeed(sources);
  const now = 1_800_000_000;
  const quotes: Quote[] = [];
  for (let c = 0; c < 12; c++) {
    for (let s = 0; s < sources; s++) {
      const price = 2n * WAD + BigInt((c * 7 + s * 13) % 97) * 10n ** 15n; // within 5% of 2.00
      quotes.push({ source: `s${s}`, constituent: `c${c}`, price, unit: feed.unit, kind: "firm", observedAt: now - 60 });
    }
  }
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < 1000) {
    const result = computeIndex(feed, quotes, now);
    if (!result.ok) throw new Error(result.error);
    runs++;
  }
  const seconds = (performance.now() - start) / 1000;
  return { sources, quotes: quotes.length, perSecond: runs / seconds, quotesPerSecond: (runs * quotes.length) / seconds };
}

const rows = [3, 10, 30].map(throughput);
console.log("\nIndex computation (12 constituents, one firm quote per constituent and source)\n");
console.log("| sources | quotes per computation | computations / s | quotes / s |");
console.log("|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(`| ${r.sources} | ${r.quotes} | ${Math.round(r.perSecond).toLocaleString("en-US")} | ${Math.round(r.quotesPerSecond).toLocaleString("en-US")} |`);
}

// ------------------------------------------------------------------ 2 and 3. relayers on a node

const FEEDS = ["BENCH-A", "BENCH-B", "BENCH-C"];
/** Each relayer's middle price (its index) before the moves. */
const ORIGINAL = ["2.140", "2.145", "2.150", "2.152"];

/** Every feed's basket on one API; feed A's middle model at `indexA`, the others at `index`. */
function prices(index: string, indexA = index) {
  return modelsBody({ ...basket(indexA, "bench-a"), ...basket(index, "bench-b"), ...basket(index, "bench-c") });
}

const node = new HardhatNode(await freePort());
const chainId = await node.ready(STARTUP_TIMEOUT_MS);
const provider = new JsonRpcProvider(node.url, chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
const dir = await mkdtemp(join(tmpdir(), "cfx-bench-relayer-"));
const servers: PriceServer[] = [];
const relayers: Relayer[] = [];
try {
  const deployer = await provider.getSigner(0);
  const admin = await deployer.getAddress();
  const oracle = await new IndexOracle__factory(deployer).deploy(admin, admin);
  await oracle.waitForDeployment();
  const wallets = [0, 1, 2, 3].map((i) => new Wallet(id(`bench-relayer-${i}`)));
  for (const feed of FEEDS) await (await oracle.addFeed(feedId(feed), feed, wallets.map((w) => w.address), 1, ORACLE_PARAMS, 64)).wait();
  for (const w of wallets) await (await deployer.sendTransaction({ to: w.address, value: parseEther("10") })).wait();
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env = Object.fromEntries(wallets.map((w, i) => [`B${i}_KEY`, w.privateKey]));
  for (let i = 0; i < 4; i++) {
    const server = await startPriceServer({ "/api/v1/models": json(prices(ORIGINAL[i])) });
    servers.push(server);
    await mkdir(join(dir, `r${i}`));
    for (const feed of FEEDS) await writeFile(join(dir, `r${i}`, feedFileName(feed)), feedYaml(feed, server.url("/api/v1/models"), feed.toLowerCase()));
    const config = parseRelayerConfig(
      {
        name: `bench-${i}`,
        rpcUrl: node.url,
        oracle: await oracle.getAddress(),
        key: { env: `B${i}_KEY` },
        listen: { port: ports[i] },
        peers: ports.filter((_, j) => j !== i).map((p) => `http://127.0.0.1:${p}`),
        feeds: FEEDS.map((feed) => join(`r${i}`, feedFileName(feed))),
        schedule: { intervalSeconds: 1, graceSeconds: 5, peerTimeoutMs: 500 },
      },
      join(dir, `bench-${i}.yaml`),
    );
    relayers.push(await Relayer.start(config, { env, logger: pino({ level: process.env.BENCH_LOG ?? "silent" }).child({ relayer: i }) }));
  }
  relayers.forEach((r) => r.run());

  const roundEvent = async (feed: string, round: bigint) => (await oracle.queryFilter(oracle.filters.RoundUpdated(feedId(feed), round)))[0];
  const waitFor = async (feed: string, round: bigint) => {
    for (;;) {
      const event = await roundEvent(feed, round);
      if (event !== undefined) return event;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  // Round 1 of every feed lands in one report: the gas of a 3-feed round.
  const first = await waitFor("BENCH-A", 1n);
  const threeFeeds = (await provider.getTransactionReceipt(first.transactionHash))!;
  const inTx = (await oracle.queryFilter(oracle.filters.RoundUpdated(), first.blockNumber, first.blockNumber)).length;

  // Moves of feed A alone: latency from the source change to its round, and a 1-feed round's gas.
  const latencies: { seconds: number; blocks: number }[] = [];
  let oneFeedGas = 0n;
  let observations = 0;
  for (let k = 0; k < 3; k++) {
    const mid = (2.2 + 0.1 * k).toFixed(3);
    // Only feed A's middle model moves; B and C keep each relayer's original prices.
    const block0 = await provider.getBlockNumber();
    const t0 = performance.now();
    servers.forEach((s, i) => s.set("/api/v1/models", json(prices(ORIGINAL[i], (Number(mid) + i * 0.002).toFixed(3)))));
    const event = await waitFor("BENCH-A", 2n + BigInt(k));
    latencies.push({ seconds: (performance.now() - t0) / 1000, blocks: event.blockNumber - block0 });
    const receipt = (await provider.getTransactionReceipt(event.transactionHash))!;
    oneFeedGas = receipt.gasUsed;
    observations = event.args[5].length;
  }

  console.log("\nRelayers on a local node (4 relayers, f = 1, 1 s interval, hardhat node automining)\n");
  console.log("| measure | value |");
  console.log("|---|---:|");
  latencies.forEach((l, k) => console.log(`| latency, source change -> round (move ${k + 1}) | ${l.seconds.toFixed(2)} s, ${l.blocks} block(s) |`));
  console.log(`| gas per round, 1 feed (${observations} observations) | ${oneFeedGas.toLocaleString("en-US")} |`);
  console.log(`| gas per round, 3 feeds in one report (${inTx} rounds in the transaction) | ${threeFeeds.gasUsed.toLocaleString("en-US")} |`);
  console.log(`| gas per feed in the 3-feed report | ${(threeFeeds.gasUsed / 3n).toLocaleString("en-US")} |`);
} finally {
  for (const r of relayers) await r.stop();
  for (const s of servers) await s.stop();
  provider.destroy();
  await node.stop();
  await rm(dir, { recursive: true, force: true });
}
