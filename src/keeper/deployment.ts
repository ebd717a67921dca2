/**
 * Which contracts the keeper watches: a deployment file (src/client/deployment.ts, written by the
 * deploy), the addresses given inline in the config, or a `Deployment` passed in-process.
 */
import { readFile } from "node:fs/promises";

import { parseDeployment, type Deployment } from "../client/deployment.js";
import { ConfigError } from "../relayer/config.js";

/** What the keeper needs of a deployment (a client `Deployment` has it all). */
export interface KeeperDeployment {
  vault: string;
  market: string;
  /** Event scans start here. */
  startBlock: number;
  /** When known, the chain the contracts live on. */
  chainId?: number;
}

/** Reads a deployment file, or takes the inline addresses; errors name the config file and field. */
export async function resolveDeployment(
  source: string | KeeperDeployment | Deployment,
  configFile: string,
): Promise<KeeperDeployment> {
  if (typeof source !== "string") return source;
  let text: string;
  try {
    text = await readFile(source, "utf8");
  } catch (error) {
    throw new ConfigError(`${configFile}: deployment: ${source} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    return parseDeployment(JSON.parse(text), source);
  } catch (error) {
    throw new ConfigError(`${configFile}: deployment: ${(error as Error).message}`);
  }
}
