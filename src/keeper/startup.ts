/**
 * What `Keeper.start` resolves before anything runs: the provider (injected, or a connection to
 * config.rpcUrl), the deployment, the wallet, and a check that the contracts are there and
 * belong together. Each missing or wrong piece is a ConfigError naming the field.
 */
import type { Provider, Wallet } from "ethers";

import type { FuturesMarket } from "../../types/ethers-contracts/index.js";
import { loadWallet } from "../relayer/keys.js";
import { ConfigError, type KeeperConfig } from "./config.js";
import { resolveDeployment, type KeeperDeployment } from "./deployment.js";
import type { KeeperOptions } from "./keeper.js";
import { connectRpc } from "./rpc.js";

export async function providerFor(config: KeeperConfig, options: KeeperOptions) {
  if (options.provider !== undefined) {
    const { chainId } = await options.provider.getNetwork();
    return { provider: options.provider, chainId, ownsProvider: false };
  }
  if (config.rpcUrl === undefined) throw new ConfigError(`${config.file}: rpcUrl: required`);
  const { provider, chainId } = await connectRpc(config.rpcUrl, config.rpcTimeoutSeconds);
  return { provider, chainId, ownsProvider: true };
}

export async function deploymentFor(config: KeeperConfig, options: KeeperOptions): Promise<KeeperDeployment> {
  if (options.deployment !== undefined) return options.deployment;
  if (config.deployment === undefined) {
    throw new ConfigError(`${config.file}: deployment: required (a deployment file, or { vault, market, startBlock })`);
  }
  return resolveDeployment(config.deployment, config.file);
}

export async function walletFor(config: KeeperConfig, options: KeeperOptions): Promise<Wallet> {
  if (options.wallet !== undefined) return options.wallet;
  if (config.key === undefined) throw new ConfigError(`${config.file}: key: required ({ env: NAME } or a keystore)`);
  return loadWallet(config.key, options.env);
}

/** The market and the vault are deployed and belong together. */
export async function checkContracts(provider: Provider, market: FuturesMarket, deployment: KeeperDeployment, file: string) {
  for (const [field, address] of [["market", deployment.market], ["vault", deployment.vault]] as const) {
    if ((await provider.getCode(address)) === "0x") throw new ConfigError(`${file}: deployment.${field}: no contract at ${address}`);
  }
  const marketVault = await market.vault();
  if (marketVault.toLowerCase() !== deployment.vault.toLowerCase()) {
    throw new ConfigError(`${file}: deployment.vault: the market uses vault ${marketVault}, not ${deployment.vault}`);
  }
}
