/**
 * Starts keepers in-process against a market fixture: a fresh keeper wallet funded with ETH by the
 * admin, collateral deposited for it (the operator's job), and a configuration built like a YAML
 * file would be, with the fixture's provider, wallet and contracts injected.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, id, parseEther, type Provider } from "ethers";
import pino from "pino";

import { Keeper, parseKeeperConfig } from "../../src/keeper/index.js";
import { USD, fundAccount, type MarketFx } from "../helpers/market.js";

export const DELEVERAGER_ROLE = id("DELEVERAGER_ROLE");

export interface KeeperSetup {
  minProfitUsd?: string;
  ethPriceUsd?: string;
  batchSize?: number;
  chunkBlocks?: number;
  /** Reuse a state directory (a restart); a fresh one by default. */
  stateDir?: string;
  /** Reuse a wallet (a restart); a fresh funded one by default. */
  wallet?: Wallet;
  /** Collateral deposited for the keeper's account (USD units), once, with a fresh wallet. */
  collateral?: bigint;
  deleverager?: boolean;
}

export interface StartedKeeper {
  keeper: Keeper;
  wallet: Wallet;
  stateDir: string;
}

/** Stops a keeper a test started and removes its state directory (for afterEach hooks). */
export async function stopKeeper(started: StartedKeeper | undefined): Promise<void> {
  if (started === undefined) return;
  await started.keeper.stop();
  await rm(started.stateDir, { recursive: true, force: true });
}

let walletCount = 0;

/** A deterministic, distinct key per keeper started in this process. */
export function keeperWallet(provider: Provider): Wallet {
  return new Wallet(id(`keeper-test-${walletCount++}`), provider);
}

export async function startKeeper(fx: MarketFx, setup: KeeperSetup = {}): Promise<StartedKeeper> {
  const provider = fx.ethers.provider;
  let wallet = setup.wallet;
  if (wallet === undefined) {
    wallet = keeperWallet(provider);
    await (await fx.admin.sendTransaction({ to: wallet.address, value: parseEther("10") })).wait();
    const collateral = setup.collateral ?? 1_000n * USD;
    if (collateral > 0n) await fundAccount(fx, wallet.address, collateral);
    if (setup.deleverager === true) await (await fx.market.grantRole(DELEVERAGER_ROLE, wallet.address)).wait();
  }
  const stateDir = setup.stateDir ?? (await mkdtemp(join(tmpdir(), "cfx-keeper-")));
  const config = parseKeeperConfig(
    {
      listen: { port: 0 },
      stateDir,
      intervalSeconds: 1,
      scan: { chunkBlocks: setup.chunkBlocks ?? 2_000 },
      liquidation: { minProfitUsd: setup.minProfitUsd ?? "1", ethPriceUsd: setup.ethPriceUsd ?? "3000" },
      settlement: { batchSize: setup.batchSize ?? 50 },
      gas: { replaceAfterSeconds: 5 },
      log: { level: "silent" },
    },
    join(stateDir, "keeper.yaml"),
  );
  const keeper = await Keeper.start(config, {
    provider,
    wallet,
    deployment: { vault: fx.vaultAddress, market: fx.marketAddress, startBlock: 0 },
    logger: pino({ level: process.env.KEEPER_TEST_LOG ?? "silent" }),
  });
  return { keeper, wallet, stateDir };
}

/** Transactions the address has sent (its nonce). */
export function sentBy(fx: MarketFx, address: string): Promise<number> {
  return fx.ethers.provider.getTransactionCount(address, "latest");
}
