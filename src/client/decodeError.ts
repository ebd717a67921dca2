/**
 * Turns whatever a failed call, estimateGas or transaction threw into a `CfxError`: the revert
 * data is found wherever the provider put it (ethers, Hardhat, browser wallets nest it
 * differently), decoded against the errors of every contract of the deployment — a market call
 * can revert with the vault's, the oracle's or the token's error — and given its message.
 */
import { Interface, isError, type ErrorFragment, type InterfaceAbi, type Result } from "ethers";

import {
  CfxError,
  ContractError,
  TransactionError,
  UnknownRevertError,
  UserRejectedError,
  type ContractErrorArg,
} from "./errors.js";
import { ERROR_MESSAGES, messageFormat, type MessageFormat, type MessageFormatOptions } from "./errorMessages.js";

const HEX_DATA = /^0x(?:[0-9a-fA-F]{2})*$/;
/** Where providers and wallets nest a JSON-RPC error's revert data. Never `transaction`: its data is calldata. */
const NESTING_KEYS = ["data", "error", "info", "cause", "revert", "originalError"] as const;
const MAX_DEPTH = 6;

/**
 * The revert data in a thrown error: the first hex string with at least a selector, searched
 * breadth-first through the keys providers nest errors under. "0x" when only empty revert data
 * is found; undefined when none.
 */
export function findRevertData(error: unknown): string | undefined {
  let empty = false;
  let level: unknown[] = [error];
  const seen = new Set<unknown>();
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: unknown[] = [];
    for (const value of level) {
      if (typeof value === "string") {
        if (HEX_DATA.test(value)) {
          if (value.length >= 10) return value;
          empty = true;
        }
        continue;
      }
      if (typeof value !== "object" || value === null || seen.has(value)) continue;
      seen.add(value);
      for (const key of NESTING_KEYS) next.push((value as Record<string, unknown>)[key]);
    }
    level = next;
  }
  return empty ? "0x" : undefined;
}

/** ethers' Result (an array subclass) and nested ones as plain arrays. */
function plain(value: unknown): ContractErrorArg {
  if (Array.isArray(value)) return Array.from(value as unknown[], plain);
  return value as ContractErrorArg;
}

function namedArgs(fragment: ErrorFragment, values: Result): Record<string, ContractErrorArg> {
  const args: Record<string, ContractErrorArg> = {};
  fragment.inputs.forEach((input, i) => {
    args[input.name === "" ? `arg${i}` : input.name] = plain(values[i]);
  });
  return args;
}

const NETWORK_CODES = new Set(["NETWORK_ERROR", "TIMEOUT", "SERVER_ERROR", "BAD_DATA"]);

/** Decodes reverts of a set of ABIs into ContractErrors with readable messages. */
export class ErrorDecoder {
  private readonly iface: Interface;
  readonly format: MessageFormat;

  constructor(abis: InterfaceAbi[], options: MessageFormatOptions) {
    // One interface holding every error once (shared OpenZeppelin errors appear in several ABIs).
    const fragments = new Map<string, ErrorFragment>();
    for (const abi of abis) {
      new Interface(abi).forEachError((fragment) => fragments.set(fragment.selector, fragment));
    }
    this.iface = new Interface([...fragments.values()]);
    this.format = messageFormat(options);
  }

  /** Decodes revert data; unknown or empty data gives an UnknownRevertError. */
  decodeRevert(data: string, cause?: unknown): ContractError | UnknownRevertError {
    if (data === "0x" || data.length < 10) {
      return new UnknownRevertError(data, "the call reverted without a reason", { cause });
    }
    let parsed: ReturnType<Interface["parseError"]> = null;
    try {
      parsed = this.iface.parseError(data);
    } catch {
      parsed = null; // a known selector with malformed arguments
    }
    if (parsed === null) {
      return new UnknownRevertError(data, `the call reverted with an unknown error ${data.slice(0, 10)}`, { cause });
    }
    const fragment = parsed.fragment;
    let args = namedArgs(fragment, parsed.args);
    // The built-ins have unnamed parameters.
    if (parsed.signature === "Error(string)") args = { message: args.arg0 };
    if (parsed.signature === "Panic(uint256)") args = { code: args.arg0 };
    const message = ERROR_MESSAGES[parsed.signature]?.(args, this.format) ?? `${parsed.signature} reverted`;
    return new ContractError(parsed.name, parsed.signature, args, data, message, { cause });
  }

  /**
   * Any error thrown while calling, estimating or sending as a CfxError; `action` names what
   * was attempted for the errors that are not reverts ("deposit", "sign order").
   */
  toCfxError(error: unknown, action: string): CfxError {
    if (error instanceof CfxError) return error;
    if (isError(error, "ACTION_REJECTED")) return new UserRejectedError(action, { cause: error });
    const data = findRevertData(error);
    if (data !== undefined && data !== "0x") return this.decodeRevert(data, error);
    if (isError(error, "CALL_EXCEPTION") || data === "0x") {
      const hash = isError(error, "CALL_EXCEPTION") ? error.receipt?.hash : undefined;
      const where = hash === undefined ? "" : ` (transaction ${hash})`;
      return new UnknownRevertError(data ?? "0x", `${action} reverted without a reason${where}`, { cause: error });
    }
    const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
    const retryable = typeof code === "string" && NETWORK_CODES.has(code);
    const reason = error instanceof Error ? error.message : String(error);
    return new TransactionError(`${action} failed: ${reason}`, { cause: error, retryable });
  }
}
