/**
 * What the scripts in scripts/ read from the environment (Hardhat scripts take no arguments),
 * with their defaults in one place. Documented in docs/deploy.md.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { parseDeployment, type Deployment } from "../src/client/deployment.js";
import { parseMonth, type Month } from "./series.js";

export const DEFAULT_PARAMETERS = "deploy/parameters/local.json";
export const DEFAULT_DEPLOYMENTS_DIR = "deployments";

/** CFX_DEPLOY_PARAMS: the parameters file. */
export function parametersFile(env = process.env): string {
  return env.CFX_DEPLOY_PARAMS ?? DEFAULT_PARAMETERS;
}

/** CFX_DEPLOYMENTS_DIR: where deployments/<network>.json is written. */
export function deploymentsDir(env = process.env): string {
  return env.CFX_DEPLOYMENTS_DIR ?? DEFAULT_DEPLOYMENTS_DIR;
}

/** CFX_DEPLOYMENT: the deployment file; default <CFX_DEPLOYMENTS_DIR>/<network>.json. */
export function deploymentFile(network: string, env = process.env): string {
  return env.CFX_DEPLOYMENT ?? join(deploymentsDir(env), `${network}.json`);
}

export async function readDeployment(file: string): Promise<Deployment> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new Error(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}); run scripts/deploy.ts first`);
  }
  return parseDeployment(JSON.parse(text), file);
}

/** A YYYY-MM variable, or undefined when unset; the error names the variable. */
export function monthVariable(name: string, env = process.env): Month | undefined {
  const text = env[name];
  if (text === undefined || text === "") return undefined;
  try {
    return parseMonth(text);
  } catch {
    throw new Error(`${name}: expected a month as YYYY-MM, got "${text}"`);
  }
}

/** A comma-separated list of YYYY-MM, or undefined when unset. */
export function monthsVariable(name: string, env = process.env): Month[] | undefined {
  const text = env[name];
  if (text === undefined || text === "") return undefined;
  return text.split(",").map((part) => monthVariable(name, { [name]: part.trim() })!);
}
