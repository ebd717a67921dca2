/**
 * Signed orders on disk or a pipe: read one from a file or stdin ("-") and check it strictly
 * against this market (client.parseSignedOrder: an edited order or one for another deployment
 * is refused before it costs gas), and describe one in a line.
 */
import { readFile } from "node:fs/promises";

import { POST_ONLY, REDUCE_ONLY, formatSize, type CfxClient, type Order, type SignedOrder } from "../client/index.js";
import { UsageError } from "./errors.js";
import { price, utc } from "./format.js";

export async function readSignedOrder(source: string, client: CfxClient): Promise<SignedOrder> {
  const text = source === "-" ? await readStdin() : await readOrderFile(source);
  if (text.trim() === "") throw new UsageError(`${source === "-" ? "stdin" : source}: empty: expected a signed order (cfx order prints one)`);
  try {
    return client.parseSignedOrder(text.trim());
  } catch (error) {
    throw new UsageError(`${source === "-" ? "stdin" : source}: not a signed order for this market: ${(error as Error).message}`);
  }
}

async function readOrderFile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the signed order ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('"-" reads the signed order from stdin: pipe it in (cfx order ... | cfx fill -)');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** "sell 10 H100-2026-12 @ 2.50 (post-only), expires 2026-12-25T07:00:00Z". */
export function describeOrder(order: Order, seriesName: string): string {
  const flags = [order.flags & POST_ONLY ? "post-only" : "", order.flags & REDUCE_ONLY ? "reduce-only" : ""].filter((f) => f !== "");
  const side = order.isBuy ? "buy" : "sell";
  const extra = flags.length === 0 ? "" : ` (${flags.join(", ")})`;
  return `${side} ${formatSize(order.size)} ${seriesName} @ ${price(order.limitPrice, "nearest", 18)}${extra}, expires ${utc(order.expiry)}`;
}
