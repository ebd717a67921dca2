/**
 * What the command line prints when a command fails: one line saying what to fix. Errors the
 * user can act on (a bad argument, a missing key or deployment, a dead RPC, a revert) become
 * that line; the stack trace only appears with CFX_DEBUG=1 (main.ts).
 */
import { ParametersError } from "../../deploy/parameters.js";
import { CfxError, InvalidInputError, NetworkMismatchError } from "../client/index.js";
import { ConfigError } from "../relayer/config.js";
import { KeyError } from "../relayer/keys.js";

/** A mistake in the command line itself: the message says what to pass instead. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Re-labels an InvalidInputError about a client field ("size", "price") with the option the
 * user typed ("--size"), so the message points at the command line, not at the SDK.
 */
export function asOptionError(error: unknown, optionOf: Record<string, string>): unknown {
  if (!(error instanceof InvalidInputError)) return error;
  const option = optionOf[error.field];
  if (option === undefined) return error;
  return new UsageError(`${option}${error.message.slice(error.field.length)}`);
}

/**
 * What `cfx: …` says for any error: its first line, except for a configuration or parameters
 * file, whose every line names a field to fix.
 */
export function errorLine(error: unknown): string {
  if (error instanceof ConfigError || error instanceof ParametersError) return error.message;
  if (error instanceof NetworkMismatchError) {
    return `${error.message}: check --rpc and --network (or --deployment)`;
  }
  // A missing or malformed key variable: say where else a key can come from.
  if (error instanceof KeyError && /^environment variable \S+ is not (set|a private key)/.test(error.message)) {
    return `${firstLine(error.message)}: give a key with --key-env <VAR> (default CFX_PRIVATE_KEY) or --keystore <file>`;
  }
  if (error instanceof CfxError || error instanceof Error) return firstLine(error.message);
  return firstLine(String(error));
}

/** Providers and Hardhat put details on later lines (JSON, help links): one line is enough. */
function firstLine(message: string): string {
  const line = message.split("\n").find((l) => l.trim() !== "") ?? message;
  return line.length > 400 ? `${line.slice(0, 400)}…` : line.trim();
}
