/**
 * Ignition's deployment folder (deploy/deployments/<deploymentId>/) on networks other than the
 * in-process one: its journal lets a failed testnet deploy resume where it stopped, and records
 * the block of every transaction.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Provider } from "ethers";

import { LOCAL_CHAIN_IDS } from "./plan.js";
import { formatMonth, parseMonth, type Month } from "./series.js";

/** Our own record next to Ignition's journal: the launch's first month, chosen by the first run. */
const LAUNCH_FILE = "cfx-launch.json";

/** Ignition's default deployment id. */
export function defaultDeploymentId(chainId: number): string {
  return `chain-${chainId}`;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * A journal whose recorded contracts have no code on the chain belongs to an earlier chain (a
 * restarted `hardhat node`): Ignition would trust it and return addresses where nothing lives.
 * On a local chain it is removed (returns true); elsewhere that is an error for the operator.
 */
export async function discardStaleJournal(provider: Provider, dir: string, chainId: number): Promise<boolean> {
  const text = await readIfExists(join(dir, "deployed_addresses.json"));
  if (text === undefined) return false;
  const recorded = Object.entries(JSON.parse(text) as Record<string, string>);
  const missing: string[] = [];
  for (const [future, address] of recorded) {
    if ((await provider.getCode(address)) === "0x") missing.push(`${future} at ${address}`);
  }
  if (missing.length === 0) return false;
  if (!LOCAL_CHAIN_IDS.includes(chainId)) {
    throw new Error(
      `${dir} records contracts that chain ${chainId} does not have (${missing.join(", ")}); ` +
        "move the folder away if it belongs to another chain",
    );
  }
  await rm(dir, { recursive: true, force: true });
  return true;
}

/** The lowest block in which the journal saw one of `addresses` created, if it saw any. */
export async function journalCreationBlock(dir: string, addresses: string[]): Promise<number | undefined> {
  const text = await readIfExists(join(dir, "journal.jsonl"));
  if (text === undefined) return undefined;
  const wanted = new Set(addresses.map((a) => a.toLowerCase()));
  let first: number | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const message = JSON.parse(line) as { type?: string; receipt?: { blockNumber?: number; contractAddress?: string } };
    const created = message.receipt?.contractAddress?.toLowerCase();
    if (message.type !== "TRANSACTION_CONFIRM" || created === undefined || !wanted.has(created)) continue;
    const block = message.receipt!.blockNumber!;
    if (first === undefined || block < first) first = block;
  }
  return first;
}

/** The address Ignition recorded for a future (e.g. "FuturesMarket#FuturesMarket"), if any. */
export async function recordedAddress(dir: string, futureId: string): Promise<string | undefined> {
  const text = await readIfExists(join(dir, "deployed_addresses.json"));
  return text === undefined ? undefined : (JSON.parse(text) as Record<string, string>)[futureId];
}

/**
 * The first launch month an earlier run of this deployment planned. A resumed or repeated
 * deploy plans the same months, even in a later month: otherwise Ignition would see a changed
 * module and list a new month with a deployer that may have renounced LISTER_ROLE.
 */
export async function readLaunchMonth(dir: string): Promise<Month | undefined> {
  const text = await readIfExists(join(dir, LAUNCH_FILE));
  return text === undefined ? undefined : parseMonth((JSON.parse(text) as { firstMonth: string }).firstMonth);
}

export async function writeLaunchMonth(dir: string, month: Month): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, LAUNCH_FILE), `${JSON.stringify({ firstMonth: formatMonth(month) }, null, 2)}\n`);
}
