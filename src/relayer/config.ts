/**
 * A relayer's configuration (YAML, `cfx relayer start --config <file>`), validated at start-up:
 * a bad field stops the relayer with a message naming the file and the field.
 */
import { dirname, resolve } from "node:path";
import { z } from "zod";

import { ConfigError, readYamlConfig, validateConfig } from "../service/configFile.js";

const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address");
const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "expected an environment variable name (A-Z, 0-9, _)");
const Gwei = z.string().regex(/^\d+(\.\d{1,9})?$/, "expected gwei as a decimal string, e.g. \"1.5\"");

const KeySchema = z.union([
  z.strictObject({ env: EnvName }),
  z.strictObject({ keystore: z.string().min(1), passphraseEnv: EnvName }),
  z.strictObject({ keystore: z.string().min(1), passphraseFile: z.string().min(1) }),
]);

export const RelayerConfigSchema = z.strictObject({
  /** A name for logs and the default state directory. */
  name: z.string().regex(/^[a-z0-9-]+$/, "lower-case letters, digits and '-'").default("relayer"),
  rpcUrl: z.url(),
  /** When set, the relayer refuses to start against another chain. */
  chainId: z.number().int().positive().optional(),
  /** The IndexOracle the relayer publishes to. */
  oracle: Address,
  /** The signing key: an environment variable, or an encrypted keystore and its passphrase. */
  key: KeySchema,
  listen: z.strictObject({
    host: z.string().min(1).default("127.0.0.1"),
    port: z.number().int().min(0).max(65_535),
  }),
  /** The other relayers' base URLs: the transmitter gathers their observations. */
  peers: z.array(z.url()).default([]),
  /** Feed files (config/feeds/*.yaml), relative to this file. */
  feeds: z.array(z.string().min(1)).min(1),
  schedule: z
    .strictObject({
      /** Seconds between two observation rounds. */
      intervalSeconds: z.number().int().min(1).max(3_600).default(15),
      /** Seconds a transmitter has before the next relayer in order takes its turn. */
      graceSeconds: z.number().int().min(1).max(3_600).default(30),
      peerTimeoutMs: z.number().int().min(50).max(60_000).default(2_000),
      /**
       * What "now" is: the machine's clock, or the chain's (the timestamp the node would give its
       * next block), for local chains whose time is not today's: a node started inside the replay
       * histories, or moved with evm_increaseTime.
       */
      clock: z.enum(["wall", "chain"]).default("wall"),
    })
    .default({ intervalSeconds: 15, graceSeconds: 30, peerTimeoutMs: 2_000, clock: "wall" }),
  gas: z
    .strictObject({
      maxFeePerGasGwei: Gwei.default("500"),
      priorityFeePerGasGwei: Gwei.default("1"),
      replaceAfterSeconds: z.number().int().min(1).max(3_600).default(30),
      bumpPercent: z.number().int().min(10).max(200).default(15),
    })
    .default({ maxFeePerGasGwei: "500", priorityFeePerGasGwei: "1", replaceAfterSeconds: 30, bumpPercent: 15 }),
  /** Where the relayer keeps its nonce state; default `.relayer/<name>` next to this file. */
  stateDir: z.string().min(1).optional(),
  log: z.strictObject({ level: z.enum(["debug", "info", "warn", "error"]).default("info") }).default({ level: "info" }),
});

/** A validated configuration, its paths resolved. */
export type RelayerConfig = Omit<z.infer<typeof RelayerConfigSchema>, "stateDir"> & {
  stateDir: string;
  file: string;
  baseDir: string;
};

/** A configuration that cannot be used: each line names a field and what is wrong with it. */
export { ConfigError };

/** Reads and validates a relayer configuration file; relative paths resolve against its folder. */
export async function loadRelayerConfig(file: string): Promise<RelayerConfig> {
  return parseRelayerConfig(await readYamlConfig(file), file);
}

/** Validates an already parsed configuration; `file` names it in errors and anchors paths. */
export function parseRelayerConfig(raw: unknown, file: string): RelayerConfig {
  const config = validateConfig(RelayerConfigSchema, raw, file);
  const baseDir = dirname(resolve(file));
  const key = "env" in config.key ? config.key : { ...config.key, keystore: resolve(baseDir, config.key.keystore) };
  if ("passphraseFile" in key) key.passphraseFile = resolve(baseDir, key.passphraseFile);
  return {
    ...config,
    key,
    feeds: config.feeds.map((feed) => resolve(baseDir, feed)),
    stateDir: resolve(baseDir, config.stateDir ?? `.relayer/${config.name}`),
    file,
    baseDir,
  };
}
