/**
 * The options every trading and operations command shares, declared once: where the deployment
 * is, which RPC to use, whose key signs, and whether to print JSON for a script.
 */
import { Command, Option } from "commander";

export const DEFAULT_NETWORK = "localhost";
export const DEFAULT_KEY_ENV = "CFX_PRIVATE_KEY";
export const RPC_URL_ENV = "CFX_RPC_URL";
export const LOCALHOST_RPC = "http://127.0.0.1:8545";

export interface ConnectionOptions {
  network: string;
  deployment?: string;
  rpc?: string;
  params?: string;
  json?: boolean;
}

export interface KeyOptions {
  keyEnv: string;
  keystore?: string;
  passphraseEnv?: string;
  passphraseFile?: string;
}

export type CommonOptions = ConnectionOptions & KeyOptions;

const CONNECTION = "Deployment and output:";
const KEY = "Signing key:";

/** --network, --deployment, --rpc, --params, --json (after the command's own options in --help). */
export function withConnection(command: Command): Command {
  const options = [
    new Option("--network <name>", "the deployment deployments/<name>.json").default(DEFAULT_NETWORK),
    new Option("--deployment <file>", "a deployment file (overrides --network)"),
    new Option("--rpc <url>", `JSON-RPC endpoint (default: ${LOCALHOST_RPC} for localhost, else $${RPC_URL_ENV})`),
    new Option(
      "--params <file>",
      "deploy parameters, to name series as the deploy does (H100-2026-12); default $CFX_DEPLOY_PARAMS, deploy/parameters/<network>.json, or local.json on chain 31337",
    ),
    new Option("--json", "print JSON for scripts (numbers as decimal strings, no progress output)"),
  ];
  for (const option of options) command.addOption(option.helpGroup(CONNECTION));
  return command;
}

/** --key-env, --keystore, --passphrase-env, --passphrase-file. */
export function withKey(command: Command): Command {
  const options = [
    new Option("--key-env <VAR>", "environment variable holding the private key").default(DEFAULT_KEY_ENV),
    new Option("--keystore <file>", "an encrypted JSON keystore instead of --key-env"),
    new Option("--passphrase-env <VAR>", "environment variable holding the keystore's passphrase"),
    new Option("--passphrase-file <file>", "file holding the keystore's passphrase"),
  ];
  for (const option of options) command.addOption(option.helpGroup(KEY));
  return command;
}
