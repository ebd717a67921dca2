/**
 * The keeper service: every intervalSeconds it follows the market's accounts from events, settles
 * expired series, deleverages accounts in debt beyond the insurance fund (with DELEVERAGER_ROLE),
 * liquidates accounts below maintenance margin when that pays after gas, and settles the accounts
 * of settled series in batches. It serves /metrics and /healthz. See docs/keeper.md.
 *
 * The keeper deposits nothing: to liquidate, its own vault account must hold collateral for the
 * positions it takes over, deposited by its operator.
 */
import { join } from "node:path";
import { id, parseUnits, type Provider, type Wallet } from "ethers";
import pino, { type Logger } from "pino";

import { FuturesMarket__factory, IndexOracle__factory, MarginVault__factory } from "../../types/ethers-contracts/index.js";
import type { FuturesMarket } from "../../types/ethers-contracts/index.js";
import type { Deployment } from "../client/deployment.js";
import { TxManager } from "../relayer/txManager.js";
import { ConfigError, type KeeperConfig } from "./config.js";
import type { TickContext } from "./context.js";
import { deleverageBankrupt, type DeleverageResult } from "./deleverager.js";
import type { KeeperDeployment } from "./deployment.js";
import { liquidateAccount, type LiquidationResult } from "./liquidator.js";
import { KeeperMetrics } from "./metrics.js";
import { Reads } from "./reads.js";
import { Scanner } from "./scanner.js";
import { Sender } from "./sender.js";
import { startServer, type Health, type RunningServer } from "./server.js";
import { settleAccountsDue, settleExpiredSeries, type AccountSettlement, type SeriesSettlement } from "./settler.js";
import { checkContracts, deploymentFor, providerFor, walletFor } from "./startup.js";
import { KeeperState } from "./state.js";

const DELEVERAGER_ROLE = id("DELEVERAGER_ROLE");

export interface KeeperOptions {
  /** A provider to use instead of connecting to config.rpcUrl (in-process networks); never destroyed by `stop`. */
  provider?: Provider;
  /** The keeper's key instead of config.key. */
  wallet?: Wallet;
  /** The contracts instead of config.deployment. */
  deployment?: KeeperDeployment | Deployment;
  /** Unix seconds, for /healthz; the wall clock by default. */
  clock?: () => number;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/** What one tick did, for tests and logs. */
export interface TickSummary {
  scannedTo: number;
  events: number;
  seriesSettled: SeriesSettlement[];
  deleveraged: DeleverageResult[];
  liquidations: LiquidationResult[];
  accountsSettled: AccountSettlement[];
}

interface Parts {
  config: KeeperConfig;
  address: string;
  provider: Provider;
  ownsProvider: boolean;
  market: FuturesMarket;
  marketAddress: string;
  state: KeeperState;
  scanner: Scanner;
  reads: Reads;
  sender: Sender;
  server: RunningServer;
  metrics: KeeperMetrics;
  log: Logger;
  clock: () => number;
}

export class Keeper {
  private lastRpcOk = 0;
  private lastTickOk = 0;
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | undefined;
  /** Ticks run one after the other: a tick called while the loop's runs after it. */
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  private constructor(private readonly p: Parts) {
    this.startedAt = p.clock();
  }

  /** Connects, checks the chain and the contracts, opens the state files and starts the HTTP endpoints. */
  static async start(config: KeeperConfig, options: KeeperOptions = {}): Promise<Keeper> {
    const log = options.logger ?? pino({ level: config.log.level, base: { keeper: config.name }, redact: ["privateKey", "*.privateKey", "key"] });
    const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    const { provider, chainId, ownsProvider } = await providerFor(config, options);
    try {
      if (config.chainId !== undefined && BigInt(config.chainId) !== chainId) {
        throw new ConfigError(`${config.file}: chainId: the RPC serves chain ${chainId}, not ${config.chainId}`);
      }
      const deployment = await deploymentFor(config, options);
      if (deployment.chainId !== undefined && BigInt(deployment.chainId) !== chainId) {
        throw new ConfigError(`${config.file}: deployment: made for chain ${deployment.chainId}, but the RPC serves chain ${chainId}`);
      }
      const market = FuturesMarket__factory.connect(deployment.market, provider);
      const vault = MarginVault__factory.connect(deployment.vault, provider);
      await checkContracts(provider, market, deployment, config.file);
      const wallet = (await walletFor(config, options)).connect(provider) as Wallet;
      const state = await KeeperState.open(join(config.stateDir, "keeper.json"), chainId, deployment.market, deployment.startBlock);
      const tx = await TxManager.open(
        wallet,
        join(config.stateDir, "transactions.json"),
        {
          maxFeePerGasCap: parseUnits(config.gas.maxFeePerGasGwei, "gwei"),
          priorityFeePerGas: parseUnits(config.gas.priorityFeePerGasGwei, "gwei"),
          replaceAfterMs: config.gas.replaceAfterSeconds * 1000,
          bumpPercent: config.gas.bumpPercent,
        },
        log.child({ component: "tx" }),
      );
      const metrics = new KeeperMetrics();
      const interfaces = [market.interface, vault.interface, IndexOracle__factory.createInterface()];
      const caps = { maxFeePerGas: parseUnits(config.gas.maxFeePerGasGwei, "gwei"), priorityFeePerGas: parseUnits(config.gas.priorityFeePerGasGwei, "gwei") };
      const sender = new Sender(provider, wallet.address, tx, interfaces, caps, metrics, log.child({ component: "tx" }));
      const scanner = new Scanner(provider, vault, market, deployment.vault, deployment.market, state, config.scan.chunkBlocks, log.child({ component: "scan" }));
      let self: Keeper | undefined;
      const server = await startServer(() => self?.health() ?? { ok: false, checks: { keeper: "starting" } }, metrics, config.listen.host, config.listen.port);
      self = new Keeper({
        config,
        address: wallet.address,
        provider,
        ownsProvider,
        market,
        marketAddress: deployment.market,
        state,
        scanner,
        reads: new Reads(market, vault),
        sender,
        server,
        metrics,
        log,
        clock,
      });
      log.info({ address: wallet.address, url: server.url, market: deployment.market, chainId: chainId.toString(), fromBlock: state.nextBlock }, "keeper started");
      return self;
    } catch (error) {
      if (ownsProvider) provider.destroy();
      throw error;
    }
  }

  get address(): string {
    return this.p.address;
  }

  get url(): string {
    return this.p.server.url;
  }

  get metrics(): KeeperMetrics {
    return this.p.metrics;
  }

  /** The first block the next scan reads. */
  get nextBlock(): number {
    return this.p.state.nextBlock;
  }

  /** The accounts known from events. */
  get accounts(): string[] {
    return [...this.p.state.accounts];
  }

  /** The series known from events. */
  get series(): string[] {
    return [...this.p.state.series.keys()];
  }

  /** Runs `tick` every intervalSeconds until `stop`; a failed tick is logged and the loop goes on. */
  run(): void {
    const loop = async () => {
      await this.tick().catch(() => undefined); // counted and logged by tick
      if (!this.stopped) this.timer = setTimeout(loop, this.p.config.intervalSeconds * 1000);
    };
    void loop();
  }

  /** Stops the loop, lets a running tick finish its current step, closes the HTTP endpoints. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.queue.catch(() => undefined);
    await this.p.server.close();
    if (this.p.ownsProvider) this.p.provider.destroy();
    this.p.log.info({}, "keeper stopped");
  }

  /** One round of work; rejects (after logging and counting it) when the RPC fails. */
  tick(): Promise<TickSummary> {
    const next = this.queue.then(() => this.tickOnce());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async tickOnce(): Promise<TickSummary> {
    const { p } = this;
    try {
      const head = await p.provider.getBlockNumber();
      this.lastRpcOk = p.clock();
      const { scannedTo, events } = await p.scanner.scanTo(head - p.config.scan.confirmations);
      const latest = await p.provider.getBlock("latest");
      if (latest === null) throw new Error("the RPC has no latest block");
      const ctx = await this.context(BigInt(latest.timestamp));
      p.metrics.lastScannedBlock.set(scannedTo);
      p.metrics.accountsTracked.set(p.state.accounts.size);
      p.metrics.seriesTracked.set(p.state.series.size);

      const seriesSettled = await settleExpiredSeries(ctx);
      const { inDebt, belowMaintenance } = await this.classify(ctx);
      const deleveraged = await deleverageBankrupt(ctx, inDebt);
      const liquidations: LiquidationResult[] = [];
      for (const account of belowMaintenance) {
        if (this.stopped) break;
        liquidations.push(...(await liquidateAccount(ctx, account)));
      }
      const accountsSettled = await settleAccountsDue(ctx);
      await p.state.save();
      this.lastRpcOk = this.lastTickOk = p.clock();
      p.metrics.lastTick.set(this.lastTickOk);
      p.log.debug({ scannedTo, events }, "tick done");
      return { scannedTo, events, seriesSettled, deleveraged, liquidations, accountsSettled };
    } catch (error) {
      p.metrics.tickFailures.inc();
      p.log.error({ error: (error as { shortMessage?: string }).shortMessage ?? (error as Error).message }, "tick failed");
      throw error;
    }
  }

  private async context(chainTime: bigint): Promise<TickContext> {
    const { p } = this;
    return {
      keeper: p.address,
      market: p.market,
      marketAddress: p.marketAddress,
      reads: p.reads,
      sender: p.sender,
      state: p.state,
      metrics: p.metrics,
      log: p.log,
      chainTime,
      canDeleverage: await p.market.hasRole(DELEVERAGER_ROLE, p.address),
      minProfitWad: p.config.minProfitWad,
      ethPriceWad: p.config.ethPriceWad,
      batchSize: p.config.settlement.batchSize,
      stopping: () => this.stopped,
    };
  }

  /** Reads every account with a position: those in debt, and those below maintenance margin. */
  private async classify(ctx: TickContext) {
    const inDebt: string[] = [];
    const belowMaintenance: string[] = [];
    let withPositions = 0;
    for (const account of this.p.state.accountsWithPositions()) {
      const m = await ctx.reads.margin(account);
      if (m.openPositions === 0n) continue;
      withPositions++;
      if (m.equity < 0n) inDebt.push(account);
      if (m.equity < m.maintenanceMargin && account !== this.p.address.toLowerCase()) belowMaintenance.push(account);
    }
    this.p.metrics.accountsWithPositions.set(withPositions);
    return { inDebt, belowMaintenance };
  }

  /** 200 while the RPC answered and a tick completed within healthMaxAgeSeconds. */
  health(): Health {
    const now = this.p.clock();
    const maxAge = this.p.config.healthMaxAgeSeconds;
    const age = (at: number, ok: string) => (at === 0 ? "none yet" : now - at <= maxAge ? ok : `${now - at} s ago`);
    const checks = { rpc: age(this.lastRpcOk, "reachable"), tick: age(this.lastTickOk, "recent") };
    if (checks.rpc !== "reachable" && checks.rpc !== "none yet") checks.rpc = `unreachable for ${now - this.lastRpcOk} s`;
    const starting = this.lastTickOk === 0 && now - this.startedAt <= maxAge;
    const ok = (checks.rpc === "reachable" && checks.tick === "recent") || starting;
    return { ok, checks: starting ? { ...checks, keeper: "starting" } : checks };
  }
}
