/**
 * Why a call reverted, as a custom error name and arguments (`NotLiquidatable(0xab.., -5, 10)`),
 * decoded with the market's, vault's and oracle's ABIs. The revert data sits in a different
 * place depending on the provider (ethers' JsonRpcProvider, Hardhat's in-process provider), so
 * the error is searched for the first hex string that decodes.
 */
import type { Interface } from "ethers";

export interface Revert {
  /** The custom error's name, or "Error" / "Panic", or "unknown" when nothing decodes. */
  name: string;
  args: readonly unknown[];
  /** `Name(arg, arg)`, for logs. */
  text: string;
}

export function decodeRevert(error: unknown, interfaces: Interface[]): Revert {
  for (const data of revertData(error)) {
    for (const iface of interfaces) {
      try {
        const parsed = iface.parseError(data);
        if (parsed !== null) return withText(parsed.name, [...parsed.args]);
      } catch {
        // not this ABI's error
      }
    }
  }
  const e = error as { revert?: { name: string; args: unknown[] }; shortMessage?: string; message?: string };
  if (e?.revert?.name !== undefined) return withText(e.revert.name, e.revert.args);
  const message = e?.shortMessage ?? e?.message ?? String(error);
  return { name: "unknown", args: [], text: message.split("\n")[0] };
}

/** True when the error is a contract's refusal (revert data present), not a transport failure. */
export function isRevert(error: unknown): boolean {
  return revertData(error).length > 0 || (error as { code?: string })?.code === "CALL_EXCEPTION";
}

function withText(name: string, args: readonly unknown[]): Revert {
  return { name, args, text: `${name}(${args.map((a) => String(a)).join(", ")})` };
}

/** Every 0x-hex string of at least a selector found under `data` fields, breadth first. */
function revertData(error: unknown): string[] {
  const found: string[] = [];
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0 && seen.size < 50) {
    const item = queue.shift();
    if (item === null || typeof item !== "object" || seen.has(item)) continue;
    seen.add(item);
    const record = item as Record<string, unknown>;
    const data = record.data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(data)) found.push(data);
    for (const key of ["error", "info", "cause", "data", "value"]) {
      if (typeof record[key] === "object") queue.push(record[key]);
    }
  }
  return found;
}
