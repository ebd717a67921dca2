/**
 * Node-only helpers of the client (not exported from index.ts, which stays browser-safe).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

import { parseDeployment, type Deployment } from "./deployment.js";
import { InvalidInputError } from "./errors.js";

/**
 * Loads a deployment description: a network name reads `deployments/<network>.json` under
 * `root` (the current directory by default); anything with a slash or ending in ".json" is a path.
 */
export async function loadDeployment(networkOrPath: string, root: string = process.cwd()): Promise<Deployment> {
  if (networkOrPath.trim() === "") throw new InvalidInputError("network", "is empty");
  const isPath = networkOrPath.endsWith(".json") || networkOrPath.includes("/") || networkOrPath.includes(path.sep);
  const file = isPath ? path.resolve(root, networkOrPath) : path.join(root, "deployments", `${networkOrPath}.json`);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new InvalidInputError("network", `cannot read the deployment ${file}: ${why}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError("network", `${file} is not valid JSON`, { cause: error });
  }
  try {
    return parseDeployment(json, file);
  } catch (error) {
    throw new InvalidInputError("network", (error as Error).message, { cause: error });
  }
}
