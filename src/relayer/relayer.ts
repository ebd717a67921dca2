/**
 * The relayer service: on a schedule it observes every feed (sources -> index -> signed
 * observation), serves its observations and snapshots over HTTP, and, when it holds the
 * transmitter's turn for a due feed, gathers a quorum of observations from its peers and submits
 * one report for all such feeds in a single transaction. See docs/operations.md.
 */
import { join } from "node:path";
import { JsonRpcProvider, Network, Wallet, parseUnits, type TypedDataDomain } from "ethers";
import pino, { type Logger } from "pino";

import { IndexOracle__factory } from "../../types/ethers-contracts/index.js";
import type { IndexOracle } from "../../types/ethers-contracts/index.js";
import { feedId, loadFeedConfig, median, type FeedConfig } from "../index/index.js";
import { feedReport, oracleDomain, type FeedReport } from "../oracle/observation.js";
import { observationsNeeded, readFeed, type FeedOnchainState } from "./chain.js";
import type { RelayerConfig } from "./config.js";
import { loadWallet } from "./keys.js";
import { RelayerMetrics } from "./metrics.js";
import type { Observed } from "./observer.js";
import { observeFeed } from "./observer.js";
import { toJson, type ObservationJson } from "./observationWire.js";
import { gatherObservations } from "./peers.js";
import { dueReason, transmitterTurn } from "./schedule.js";
import { startServer, type RunningServer } from "./server.js";
import { TxManager, type TxOutcome } from "./txManager.js";

/** The oracle's MAX_FUTURE_SKEW: an observation may be this far ahead of block time. */
const MAX_FUTURE_SKEW = 15n;
/** Snapshots kept for auditors, newest first out last. */
const SNAPSHOTS_KEPT = 512;

export interface RelayerOptions {
  /** Unix seconds; the wall clock by default (tests and the demo compress time). */
  clock?: () => number;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/** What one tick did, for tests and logs. */
export interface TickSummary {
  observed: string[];
  transmitted: string[];
  outcome?: TxOutcome["status"];
}

export class Relayer {
  private readonly latest = new Map<string, Observed>();
  /** The errors of each feed's sources at its last observation, by source id. */
  private readonly sourceErrors = new Map<string, Map<string, string>>();
  private readonly snapshots = new Map<string, unknown>();
  private lastRpcOk = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private readonly abort = new AbortController();

  private constructor(
    readonly config: RelayerConfig,
    readonly address: string,
    private readonly wallet: Wallet,
    private readonly oracle: IndexOracle,
    private readonly feeds: FeedConfig[],
    private readonly domain: TypedDataDomain,
    private readonly tx: TxManager,
    private readonly server: RunningServer,
    readonly metrics: RelayerMetrics,
    private readonly log: Logger,
    private readonly clock: () => number,
    private readonly chainClock?: ChainClock,
  ) {}

  /** Loads the key and the feeds, checks the chain and the oracle, and starts the HTTP API. */
  static async start(config: RelayerConfig, options: RelayerOptions = {}): Promise<Relayer> {
    const log =
      options.logger ??
      pino({ level: config.log.level, base: { relayer: config.name }, redact: ["privateKey", "*.privateKey", "key"] });
    const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    const feeds = await Promise.all(config.feeds.map((file) => loadFeedConfig(file)));
    const key = await loadWallet(config.key, options.env);
    const chainId = await chainIdOf(config.rpcUrl);
    if (config.chainId !== undefined && BigInt(config.chainId) !== chainId) {
      throw new Error(`${config.file}: chainId: the RPC serves chain ${chainId}, not ${config.chainId}`);
    }
    // A static network (no detection loop when the RPC goes away later) and no response cache:
    // after a block the relayer must see it (ethers caches for 250 ms by default).
    const network = Network.from(chainId);
    const provider = new JsonRpcProvider(config.rpcUrl, network, { staticNetwork: network, pollingInterval: 250, cacheTimeout: -1 });
    if ((await provider.getCode(config.oracle)) === "0x") {
      throw new Error(`${config.file}: oracle: no contract at ${config.oracle} on chain ${chainId}`);
    }
    const chainClock = options.clock === undefined && config.schedule.clock === "chain" ? new ChainClock(provider) : undefined;
    await chainClock?.sync();
    const wallet = key.connect(provider);
    const oracle = IndexOracle__factory.connect(config.oracle, wallet);
    const gas = config.gas;
    const tx = await TxManager.open(
      wallet,
      join(config.stateDir, "transactions.json"),
      {
        maxFeePerGasCap: parseUnits(gas.maxFeePerGasGwei, "gwei"),
        priorityFeePerGas: parseUnits(gas.priorityFeePerGasGwei, "gwei"),
        replaceAfterMs: gas.replaceAfterSeconds * 1000,
        bumpPercent: gas.bumpPercent,
      },
      log,
    );
    const metrics = new RelayerMetrics();
    // The server needs the relayer and the relayer the server: a view closes over a late binding.
    let self: Relayer | undefined;
    const server = await startServer(
      {
        knowsFeed: (feed) => self?.feedNamed(feed) !== undefined,
        observation: (feed) => self?.observationJson(feed),
        snapshot: (hash) => self?.snapshots.get(hash),
        health: () => self?.health() ?? { ok: false, checks: { relayer: "starting" } },
      },
      metrics,
      config.listen.host,
      config.listen.port,
    );
    self = new Relayer(config, wallet.address, wallet, oracle, feeds, oracleDomain(chainId, config.oracle), tx, server, metrics, log, chainClock?.now ?? clock, chainClock);
    log.info({ address: wallet.address, url: server.url, feeds: feeds.map((f) => f.id), chainId: chainId.toString() }, "relayer started");
    return self;
  }

  get url(): string {
    return this.server.url;
  }

  /** Runs `tick` every intervalSeconds until `stop`. */
  run(): void {
    const loop = async () => {
      this.running = this.tick().catch((error: unknown) => this.log.error({ error: (error as Error).message }, "tick failed"));
      await this.running;
      if (!this.abort.signal.aborted) this.timer = setTimeout(loop, this.config.schedule.intervalSeconds * 1000);
    };
    void loop();
  }

  /** Stops the schedule, lets a running tick finish, closes the HTTP API. */
  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
    await this.server.close();
    this.wallet.provider?.destroy();
    this.log.info({}, "relayer stopped");
  }

  /** One round: observe every feed, then transmit the due feeds whose turn is ours. */
  async tick(): Promise<TickSummary> {
    await this.chainClock?.sync().catch((error: unknown) => {
      this.log.warn({ error: (error as Error).message }, "cannot read the chain's time");
    });
    const observed = await this.observeAll();
    const { transmitted, outcome } = await this.transmit();
    return { observed, transmitted, ...(outcome !== undefined && { outcome }) };
  }

  /** Computes and signs a fresh observation of every feed; returns the feeds that got one. */
  async observeAll(now: number = this.clock()): Promise<string[]> {
    const results = await Promise.all(
      this.feeds.map(async (feed) => {
        try {
          const observed = await observeFeed(feed, this.wallet, this.domain, {
            now,
            baseDir: process.cwd(),
            signal: this.abort.signal,
          });
          const errors = new Map<string, string>();
          for (const outcome of observed.outcomes) {
            if (!outcome.ok) {
              errors.set(outcome.source, outcome.error);
              this.metrics.sourceErrors.inc({ feed: feed.id, source: outcome.source });
              this.log.warn({ feed: feed.id, source: outcome.source, error: outcome.error }, "source error");
            }
          }
          this.sourceErrors.set(feed.id, errors);
          if (observed.signed === undefined) {
            // No fresh value: stop serving the last one, so no transmitter reuses it.
            this.latest.delete(feed.id);
            this.metrics.failures.inc({ stage: "compute" });
            this.log.warn({ feed: feed.id, error: observed.result.ok ? "" : observed.result.error }, "no index value");
            return undefined;
          }
          this.latest.set(feed.id, observed);
          this.keepSnapshot(observed.signed.inputsHash, observed.snapshot);
          this.metrics.observed(feed.id, observed.signed.value, now);
          this.log.info({ feed: feed.id, value: observed.signed.value.toString(), inputsHash: observed.signed.inputsHash }, "observed");
          return feed.id;
        } catch (error) {
          this.latest.delete(feed.id);
          this.metrics.failures.inc({ stage: "compute" });
          this.log.error({ feed: feed.id, error: (error as Error).message }, "observation failed");
          return undefined;
        }
      }),
    );
    return results.filter((id): id is string => id !== undefined);
  }

  /** Transmits one report for the due feeds whose turn is ours, if a quorum answers. */
  async transmit(now: number = this.clock()): Promise<{ transmitted: string[]; outcome?: TxOutcome["status"] }> {
    const reports: FeedReport[] = [];
    const rounds = new Map<string, bigint>();
    let nextBlockTime: bigint; // as far as the relayer can tell
    try {
      // The oracle checks the report against the block that will include it: at least one second
      // after the latest, and about now on a chain that mines on time or on demand. The latest
      // block alone is not enough: an automining dev node with no traffic keeps an old block, and
      // every fresh observation would look "in the future" to it, so no round would ever mine one.
      const latest = BigInt((await this.wallet.provider!.getBlock("latest"))!.timestamp);
      nextBlockTime = latest + 1n > BigInt(now) ? latest + 1n : BigInt(now);
      this.lastRpcOk = this.clock();
    } catch (error) {
      this.metrics.failures.inc({ stage: "rpc" });
      this.log.warn({ error: (error as Error).message }, "RPC unreachable");
      return { transmitted: [] };
    }
    for (const feed of this.feeds) {
      // A transmitter without a fresh value of its own still relays its peers' observations.
      const own = this.latest.get(feed.id)?.signed;
      const bytes = feedId(feed.id);
      let state: FeedOnchainState;
      try {
        state = await readFeed(this.oracle, bytes);
      } catch (error) {
        this.metrics.failures.inc({ stage: "rpc" });
        this.log.warn({ feed: feed.id, error: (error as Error).message }, "cannot read the oracle");
        continue;
      }
      const turn = transmitterTurn(state, now, this.config.schedule.graceSeconds);
      this.log.debug({ feed: feed.id, round: (state.latestRoundId + 1n).toString(), transmitter: turn.transmitter, attempt: turn.attempt }, "turn");
      if (state.paused || turn.transmitter.toLowerCase() !== this.address.toLowerCase()) continue;
      // The oracle's own guard, on the next block's time.
      if (BigInt(state.updatedAt + state.minUpdateInterval) > nextBlockTime) continue;
      const gathered = await gatherObservations(
        this.config.peers,
        feed.id,
        own,
        {
          feed: bytes,
          domain: this.domain,
          signers: state.signers,
          lastObservedAt: state.observedAt,
          maxObservationAge: state.maxObservationAge,
          maxFutureSkew: MAX_FUTURE_SKEW,
          now: nextBlockTime,
        },
        this.config.schedule.peerTimeoutMs,
        this.abort.signal,
      );
      for (const { peer, reason } of gathered.refused) this.log.warn({ feed: feed.id, peer, reason }, "observation refused");
      if (gathered.accepted.length === 0) continue;
      // Like OCR, the deviation rule looks at the report's median, not at this relayer's own value.
      const reportMedian = median(gathered.accepted.map((o) => o.value));
      const due = dueReason(state, reportMedian, now, feed.heartbeatSeconds, feed.deviationBps);
      this.log.debug({ feed: feed.id, median: reportMedian.toString(), onchain: state.value.toString(), due }, "due?");
      if (due === null) continue;
      const needed = observationsNeeded(state, reportMedian);
      if (gathered.accepted.length < needed) {
        this.metrics.failures.inc({ stage: "peers" });
        this.log.warn({ feed: feed.id, round: (state.latestRoundId + 1n).toString(), have: gathered.accepted.length, needed }, "no quorum yet");
        continue;
      }
      reports.push(feedReport(bytes, gathered.accepted));
      rounds.set(bytes, state.latestRoundId);
      this.log.info({ feed: feed.id, round: (state.latestRoundId + 1n).toString(), due, observations: gathered.accepted.length }, "transmitting");
    }
    if (reports.length === 0) return { transmitted: [] };
    return this.send(reports, rounds);
  }

  private async send(reports: FeedReport[], rounds: Map<string, bigint>) {
    const transmitted = reports.map((r) => this.feedNamed(r.feed)!.id);
    // Still needed while no other relayer has landed any of these rounds.
    const stillNeeded = async () => {
      for (const [feed, round] of rounds) {
        if ((await this.oracle.feedInfo(feed)).latestRoundId !== round) return false;
      }
      return true;
    };
    let outcome: TxOutcome;
    try {
      const data = this.oracle.interface.encodeFunctionData("submit", [reports]);
      outcome = await this.tx.submit({ to: await this.oracle.getAddress(), data }, `report ${transmitted.join(",")}`, stillNeeded);
    } catch (error) {
      if (!(await stillNeeded().catch(() => true))) {
        this.log.info({ feeds: transmitted }, "round already on chain, standing down");
        return { transmitted: [] };
      }
      this.metrics.failures.inc({ stage: "transmit" });
      this.log.error({ feeds: transmitted, error: (error as Error).message }, "transmission failed");
      return { transmitted: [] };
    }
    this.metrics.submissions.inc({ outcome: outcome.status });
    if (outcome.status === "mined" || outcome.status === "reverted") this.metrics.gasSpent.inc(Number(outcome.gasCost));
    if (outcome.status === "reverted" && !(await stillNeeded())) {
      this.log.info({ feeds: transmitted }, "another relayer landed the round first, standing down");
      return { transmitted: [], outcome: outcome.status };
    }
    const level = outcome.status === "mined" ? "info" : "warn";
    this.log[level]({ feeds: transmitted, outcome: outcome.status }, "report sent");
    return { transmitted: outcome.status === "mined" ? transmitted : [], outcome: outcome.status };
  }

  private feedNamed(feed: string): FeedConfig | undefined {
    const lower = feed.toLowerCase();
    return this.feeds.find((f) => f.id === feed || feedId(f.id) === lower);
  }

  private observationJson(feed: string): ObservationJson | undefined {
    const config = this.feedNamed(feed);
    const signed = config === undefined ? undefined : this.latest.get(config.id)?.signed;
    return signed === undefined ? undefined : toJson(config!.id, signed);
  }

  private keepSnapshot(hash: string, snapshot: unknown): void {
    this.snapshots.set(hash.toLowerCase(), snapshot);
    if (this.snapshots.size > SNAPSHOTS_KEPT) this.snapshots.delete(this.snapshots.keys().next().value!);
  }

  private health(): { ok: boolean; checks: Record<string, string> } {
    const now = this.clock();
    const freshFor = Math.max(60, 3 * this.config.schedule.intervalSeconds);
    const newest = Math.max(0, ...[...this.latest.values()].map((o) => Number(o.signed?.observedAt ?? 0n)));
    const checks: Record<string, string> = {
      observation: newest === 0 ? "none yet" : now - newest <= freshFor ? "fresh" : `${now - newest} s old`,
      rpc: this.lastRpcOk === 0 ? "not reached yet" : now - this.lastRpcOk <= freshFor ? "reachable" : `unreachable for ${now - this.lastRpcOk} s`,
    };
    const ok = checks.observation === "fresh" && checks.rpc === "reachable";
    // Informational: a failing source is worth a look but the index may still be computed.
    for (const [feed, errors] of this.sourceErrors) {
      for (const [source, error] of errors) checks[`source ${feed}/${source}`] = error;
    }
    return { ok, checks };
  }
}

/** Asks the RPC for its chain id once, with a timeout: an unreachable RPC fails start-up clearly. */
async function chainIdOf(rpcUrl: string): Promise<bigint> {
  let body: { result?: string; error?: { message?: string } };
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new Error(`cannot reach the RPC at ${new URL(rpcUrl).origin}: ${(error as Error).message}`);
  }
  if (typeof body.result !== "string") {
    throw new Error(`the RPC at ${new URL(rpcUrl).origin} gave no chain id: ${body.error?.message ?? "no result"}`);
  }
  return BigInt(body.result);
}

/**
 * The chain's "now" for `schedule.clock: chain`: the machine's clock plus the offset of the
 * timestamp the node would give its next block, measured at start-up and at every tick.
 */
class ChainClock {
  private offset = 0;

  constructor(private readonly provider: JsonRpcProvider) {}

  readonly now = (): number => Math.floor(Date.now() / 1000) + this.offset;

  async sync(): Promise<void> {
    const pending = (await this.provider.send("eth_getBlockByNumber", ["pending", false])) as { timestamp: string };
    this.offset = Number(BigInt(pending.timestamp)) - Math.floor(Date.now() / 1000);
  }
}
