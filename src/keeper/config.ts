/**
 * A keeper's configuration (YAML, `cfx keeper start --config <file>`), validated at start-up: a
 * bad field stops the keeper with a message naming the file and the field. Every field is
 * described in docs/keeper.md.
 *
 * `rpcUrl`, `deployment` and `key` may be left out only when the caller injects a provider, a
 * deployment and a wallet (tests, the demo); `Keeper.start` names whichever is missing.
 */
import { dirname, resolve } from "node:path";
import { z } from "zod";

import { parseWad } from "../index/decimal.js";
import { ConfigError, readYamlConfig, validateConfig } from "../service/configFile.js";

export { ConfigError };

const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address");
const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "expected an environment variable name (A-Z, 0-9, _)");
const Gwei = z.string().regex(/^\d+(\.\d{1,9})?$/, "expected gwei as a decimal string, e.g. \"1.5\"");
/** USD as an exact decimal string ("2.5"): it becomes a WAD bigint, never a float. */
const Usd = z.string().refine((text) => {
  try {
    parseWad(text);
    return true;
  } catch {
    return false;
  }
}, "expected USD as a decimal string, e.g. \"2.50\"");

const KeySchema = z.union([
  z.strictObject({ env: EnvName }),
  z.strictObject({ keystore: z.string().min(1), passphraseEnv: EnvName }),
  z.strictObject({ keystore: z.string().min(1), passphraseFile: z.string().min(1) }),
]);

/** The contracts the keeper needs, when no deployment file is given. */
const InlineDeployment = z.strictObject({
  vault: Address,
  market: Address,
  /** The block to scan events from: the deployment's first block. */
  startBlock: z.number().int().min(0),
});

const GAS_DEFAULTS = { maxFeePerGasGwei: "500", priorityFeePerGasGwei: "1", replaceAfterSeconds: 30, bumpPercent: 15 };

export const KeeperConfigSchema = z.strictObject({
  /** A name for logs and the default state directory. */
  name: z.string().regex(/^[a-z0-9-]+$/, "lower-case letters, digits and '-'").default("keeper"),
  rpcUrl: z.url().optional(),
  /** When set, the keeper refuses to start against another chain. */
  chainId: z.number().int().positive().optional(),
  /** A deployment file (deployments/<network>.json, relative to this file) or the addresses. */
  deployment: z.union([z.string().min(1), InlineDeployment]).optional(),
  /** The keeper's key: an environment variable, or an encrypted keystore and its passphrase. */
  key: KeySchema.optional(),
  listen: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      port: z.number().int().min(0).max(65_535),
    })
    .default({ host: "127.0.0.1", port: 0 }),
  /** Seconds between two ticks. */
  intervalSeconds: z.number().int().min(1).max(3_600).default(15),
  /** Seconds an RPC request may take before the tick gives up on it. */
  rpcTimeoutSeconds: z.number().int().min(1).max(300).default(10),
  scan: z
    .strictObject({
      /** Blocks per eth_getLogs request: public RPCs refuse large ranges. */
      chunkBlocks: z.number().int().min(1).max(100_000).default(2_000),
      /** Blocks to stay behind the head (0 on a chain without reorgs). */
      confirmations: z.number().int().min(0).max(1_000).default(0),
    })
    .default({ chunkBlocks: 2_000, confirmations: 0 }),
  liquidation: z
    .strictObject({
      /** A liquidation is sent only when reward - gas cost >= this. */
      minProfitUsd: Usd.default("0"),
      /** USD per ETH (the chain's gas token), to price gas. */
      ethPriceUsd: Usd.default("3000"),
    })
    .default({ minProfitUsd: "0", ethPriceUsd: "3000" }),
  settlement: z
    .strictObject({
      /** Accounts per settleAccounts transaction. */
      batchSize: z.number().int().min(1).max(500).default(50),
    })
    .default({ batchSize: 50 }),
  gas: z
    .strictObject({
      maxFeePerGasGwei: Gwei.default(GAS_DEFAULTS.maxFeePerGasGwei),
      priorityFeePerGasGwei: Gwei.default(GAS_DEFAULTS.priorityFeePerGasGwei),
      replaceAfterSeconds: z.number().int().min(1).max(3_600).default(GAS_DEFAULTS.replaceAfterSeconds),
      bumpPercent: z.number().int().min(10).max(200).default(GAS_DEFAULTS.bumpPercent),
    })
    .default(GAS_DEFAULTS),
  /** /healthz turns 503 when no tick succeeded (or the RPC answered) for this long; default max(60, 3 x interval). */
  healthMaxAgeSeconds: z.number().int().min(1).max(86_400).optional(),
  /** Where the keeper keeps its scan state and nonces; default `.keeper/<name>` next to this file. */
  stateDir: z.string().min(1).optional(),
  log: z.strictObject({ level: z.enum(["debug", "info", "warn", "error", "silent"]).default("info") }).default({ level: "info" }),
});

/** A validated configuration, its paths resolved and its USD amounts in WAD. */
export type KeeperConfig = Omit<z.infer<typeof KeeperConfigSchema>, "stateDir" | "healthMaxAgeSeconds"> & {
  stateDir: string;
  healthMaxAgeSeconds: number;
  minProfitWad: bigint;
  ethPriceWad: bigint;
  file: string;
  baseDir: string;
};

/** Reads and validates a keeper configuration file; relative paths resolve against its folder. */
export async function loadKeeperConfig(file: string): Promise<KeeperConfig> {
  return parseKeeperConfig(await readYamlConfig(file), file);
}

/** Validates an already parsed configuration; `file` names it in errors and anchors paths. */
export function parseKeeperConfig(raw: unknown, file: string): KeeperConfig {
  const config = validateConfig(KeeperConfigSchema, raw ?? {}, file);
  const baseDir = dirname(resolve(file));
  let key = config.key;
  if (key !== undefined && !("env" in key)) {
    key = { ...key, keystore: resolve(baseDir, key.keystore) };
    if ("passphraseFile" in key) key.passphraseFile = resolve(baseDir, key.passphraseFile);
  }
  const deployment = typeof config.deployment === "string" ? resolve(baseDir, config.deployment) : config.deployment;
  return {
    ...config,
    key,
    deployment,
    stateDir: resolve(baseDir, config.stateDir ?? `.keeper/${config.name}`),
    healthMaxAgeSeconds: config.healthMaxAgeSeconds ?? Math.max(60, 3 * config.intervalSeconds),
    minProfitWad: parseWad(config.liquidation.minProfitUsd),
    ethPriceWad: parseWad(config.liquidation.ethPriceUsd),
    file,
    baseDir,
  };
}
