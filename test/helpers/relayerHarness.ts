/**
 * Test harness for relayers against a real `hardhat node`: an IndexOracle with one feed signed by
 * four relayer keys, a local price API per relayer (OpenRouter's model-list format), and the four
 * relayers running in this process with a clock that follows the chain, so a test can move time.
 * Also the feed YAML and price bodies the process tests and the relayer benchmark share.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, Wallet, id, parseEther } from "ethers";
import pino from "pino";

import { IndexOracle__factory, type IndexOracle } from "../../types/ethers-contracts/index.js";
import { feedFileName, feedId } from "../../src/index/index.js";
import { parseRelayerConfig } from "../../src/relayer/config.js";
import { Relayer } from "../../src/relayer/relayer.js";
import { HardhatNode, STARTUP_TIMEOUT_MS, freePort } from "./hardhatNode.js";
import { json, startPriceServer, type PriceServer } from "./priceServers.js";

export const ORACLE_PARAMS = { heartbeat: 3600, maxObservationAge: 300, maxMoveBps: 5000, minUpdateInterval: 0 };
const WAD = 10n ** 18n;

/** "2.15" USD per 1M tokens -> "0.00000215" USD per token, by moving the decimal point (no float). */
export function perToken(perMillion: string): string {
  const [whole, fraction = ""] = perMillion.split(".");
  const digits = (whole + fraction).replace(/^0+/, "") || "0";
  return `0.${digits.padStart(fraction.length + 6, "0")}`;
}

/** An exact WAD from a decimal string with up to 3 decimals. */
export function wad3(text: string): bigint {
  const [whole, fraction = ""] = text.split(".");
  return BigInt(whole) * WAD + BigInt(fraction.padEnd(3, "0")) * (WAD / 1000n);
}

/** An OpenRouter /models answer: each model id with its output price in USD per 1M tokens. */
export function modelsBody(prices: Record<string, string>) {
  return {
    data: Object.entries(prices).map(([model, usd]) => ({ id: model, pricing: { prompt: "0", completion: perToken(usd) } })),
  };
}

/** A three-model test basket (median of equal weights) read from one OpenRouter-format API. */
export function feedYaml(feed: string, url: string, prefix = "vendor"): string {
  return `id: ${feed}
description: Test basket of three models, equal weights, median.
unit: USD per 1M output tokens
methodologyVersion: 1
aggregation: weighted-median
constituents:
  - { id: low, weight: "1", description: low }
  - { id: mid, weight: "1", description: mid }
  - { id: high, weight: "1", description: high }
sources:
  - { id: api, kind: openrouter-models, quoteKind: firm, url: "${url}", models: { low: ${prefix}/low, mid: ${prefix}/mid, high: ${prefix}/high }, timeoutMs: 1000, retries: 0 }
limits: { maxQuoteAgeSeconds: 600, maxDeviationBps: 9000, minSourcesPerConstituent: 1, minConstituents: 2 }
heartbeatSeconds: 3600
deviationBps: 100
`;
}

/** The basket's prices with `index` as the middle one: the index of the feed is `index`. */
export function basket(index: string, prefix = "vendor"): Record<string, string> {
  return { [`${prefix}/low`]: "1.000", [`${prefix}/mid`]: index, [`${prefix}/high`]: "9.000" };
}

export interface RelayerSetOptions {
  feed: string;
  /** Each relayer's index at start. */
  indexes: string[];
  graceSeconds?: number;
  /** The URL relayers use for JSON-RPC, e.g. a proxy in front of the node; the node's by default. */
  rpcUrlFor?: (nodeUrl: string) => Promise<string>;
  /** "harness" (default): the relayers' clock is `chainNow`, set by the test; "chain": `schedule.clock: chain`. */
  clock?: "harness" | "chain";
}

export class RelayerSet {
  readonly wallets = [0, 1, 2, 3].map((i) => new Wallet(id(`relayer-test-key-${i}`)));
  readonly relayers: (Relayer | undefined)[] = [];
  readonly servers: PriceServer[] = [];
  chainNow = 0;
  private readonly ports: number[] = [];

  private constructor(
    readonly node: HardhatNode,
    readonly provider: JsonRpcProvider,
    readonly oracle: IndexOracle,
    readonly dir: string,
    readonly options: RelayerSetOptions,
    readonly rpcUrl: string,
  ) {}

  static async start(options: RelayerSetOptions): Promise<RelayerSet> {
    const node = new HardhatNode(await freePort());
    const chainId = await node.ready(STARTUP_TIMEOUT_MS);
    const provider = new JsonRpcProvider(node.url, chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
    const deployer = await provider.getSigner(0);
    const admin = await deployer.getAddress();
    const oracle = await new IndexOracle__factory(deployer).deploy(admin, admin);
    await oracle.waitForDeployment();
    const dir = await mkdtemp(join(tmpdir(), "cfx-relayer-set-"));
    const rpcUrl = options.rpcUrlFor === undefined ? node.url : await options.rpcUrlFor(node.url);
    const set = new RelayerSet(node, provider, oracle, dir, options, rpcUrl);
    const signers = set.wallets.map((w) => w.address);
    await (await oracle.addFeed(feedId(options.feed), "test", signers, 1, ORACLE_PARAMS, 64)).wait();
    for (const wallet of set.wallets) await (await deployer.sendTransaction({ to: wallet.address, value: parseEther("10") })).wait();
    for (let i = 0; i < 4; i++) {
      set.servers.push(await startPriceServer({ "/api/v1/models": json(modelsBody(basket(options.indexes[i]))) }));
      await mkdir(join(dir, `r${i}`));
      await writeFile(join(dir, `r${i}`, feedFileName(options.feed)), feedYaml(options.feed, set.servers[i].url("/api/v1/models")));
      set.ports.push(await freePort());
    }
    await set.syncClock();
    for (let i = 0; i < 4; i++) await set.startRelayer(i);
    return set;
  }

  get feedId(): string {
    return feedId(this.options.feed);
  }

  async startRelayer(i: number): Promise<Relayer> {
    const config = parseRelayerConfig(
      {
        name: `relayer-${i}`,
        rpcUrl: this.rpcUrl,
        oracle: await this.oracle.getAddress(),
        key: { env: `R${i}_KEY` },
        listen: { port: this.ports[i] },
        peers: this.ports.filter((_, j) => j !== i).map((p) => `http://127.0.0.1:${p}`),
        feeds: [join(`r${i}`, feedFileName(this.options.feed))],
        schedule: { graceSeconds: this.options.graceSeconds ?? 30, peerTimeoutMs: 1000, clock: this.options.clock === "chain" ? "chain" : "wall" },
        gas: { replaceAfterSeconds: 5 },
      },
      join(this.dir, `relayer-${i}.yaml`),
    );
    const env = Object.fromEntries(this.wallets.map((w, j) => [`R${j}_KEY`, w.privateKey]));
    const logger = pino({ level: process.env.RELAYER_TEST_LOG ?? "silent" }).child({ relayer: i });
    const clock = this.options.clock === "chain" ? undefined : () => this.chainNow;
    const relayer = await Relayer.start(config, { env, clock, logger });
    this.relayers[i] = relayer;
    return relayer;
  }

  async stopRelayer(i: number): Promise<void> {
    await this.relayers[i]?.stop();
    this.relayers[i] = undefined;
  }

  /** Every running relayer observes; then each tries to transmit (only the one whose turn it is may). */
  async round(): Promise<string[]> {
    const running = this.relayers.filter((r): r is Relayer => r !== undefined);
    for (const relayer of running) await relayer.observeAll();
    const transmitted: string[] = [];
    for (const relayer of running) {
      transmitted.push(...(await relayer.transmit()).transmitted.map((feed) => `${relayer.address}:${feed}`));
    }
    await this.syncClock();
    return transmitted;
  }

  /** The chain's latest block time, read without any cache. */
  async syncClock(): Promise<void> {
    const block = (await this.provider.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    this.chainNow = Number(block.timestamp);
  }

  async travel(seconds: number): Promise<void> {
    await this.provider.send("evm_increaseTime", [seconds]);
    await this.provider.send("evm_mine", []);
    await this.syncClock();
  }

  setIndex(i: number, index: string): void {
    this.servers[i].set("/api/v1/models", json(modelsBody(basket(index))));
  }

  async stop(): Promise<void> {
    for (let i = 0; i < this.relayers.length; i++) await this.stopRelayer(i);
    for (const server of this.servers) await server.stop();
    this.provider.destroy();
    await this.node.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
