/**
 * Which deployment a command talks to: `--deployment <file>`, else deployments/<network>.json
 * (the folder `cfx deploy` writes to: $CFX_DEPLOYMENTS_DIR if set); and which RPC serves it. A
 * missing file says how to make one.
 */
import { access } from "node:fs/promises";
import path from "node:path";

import { deploymentsDir } from "../../deploy/scriptEnv.js";
import type { Deployment } from "../client/index.js";
import { loadDeployment } from "../client/node.js";
import { UsageError } from "./errors.js";
import { LOCALHOST_RPC, RPC_URL_ENV, type ConnectionOptions } from "./options.js";

export function deploymentPath(options: Pick<ConnectionOptions, "network" | "deployment">): string {
  return options.deployment ?? path.join(deploymentsDir(), `${options.network}.json`);
}

export async function resolveDeployment(options: Pick<ConnectionOptions, "network" | "deployment">): Promise<Deployment> {
  const file = deploymentPath(options);
  try {
    await access(file);
  } catch {
    const how =
      options.deployment === undefined
        ? `deploy first (cfx deploy --network ${options.network}) or pass --deployment <file>`
        : "check the path, or deploy first (cfx deploy)";
    throw new UsageError(`no deployment file ${file}: ${how}`);
  }
  // A path with a slash: loadDeployment must not take "x.json" for a network name.
  return loadDeployment(path.resolve(file));
}

/** --rpc, else 127.0.0.1:8545 for a localhost deployment, else $CFX_RPC_URL. */
export function rpcUrl(options: Pick<ConnectionOptions, "rpc">, deployment: Deployment, env = process.env): string {
  if (options.rpc !== undefined) return options.rpc;
  if (deployment.network === "localhost") return LOCALHOST_RPC;
  const fromEnv = env[RPC_URL_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  throw new UsageError(`no RPC for the ${deployment.network} deployment: pass --rpc <url> or set ${RPC_URL_ENV}`);
}
