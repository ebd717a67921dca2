/**
 * Where a deployed compute-futures system lives: everything the client, the CLI, the keeper and
 * the relayers need to find its contracts. The deploy writes it as `deployments/<network>.json`;
 * a web app can import the same JSON. Plain data, no Node API: safe for browsers.
 */

/** One oracle feed of the deployment. */
export interface DeployedFeed {
  /** The feed's name, e.g. "H100-HOUR" (its id is keccak256 of the name). */
  name: string;
  /** bytes32 feed id in the IndexOracle. */
  id: string;
  /** The feed's Chainlink AggregatorV3Interface adapter. */
  adapter: string;
}

export interface Deployment {
  /** The network name it was deployed with (e.g. "localhost", "sepolia", "demo"). */
  network: string;
  chainId: number;
  /** The block of the deployment's first contract: event scans start here. */
  startBlock: number;
  /** The USD stablecoin (MockUSD on local chains). */
  token: string;
  oracle: string;
  vault: string;
  market: string;
  feeds: DeployedFeed[];
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** Checks a parsed deployment file, naming the first bad field. */
export function parseDeployment(value: unknown, where = "deployment"): Deployment {
  const fail = (field: string, expected: string): never => {
    throw new Error(`${where}: ${field}: expected ${expected}`);
  };
  if (typeof value !== "object" || value === null) fail("(root)", "an object");
  const d = value as Record<string, unknown>;
  if (typeof d.network !== "string" || d.network === "") fail("network", "a network name");
  if (!Number.isSafeInteger(d.chainId) || (d.chainId as number) <= 0) fail("chainId", "a positive integer");
  if (!Number.isSafeInteger(d.startBlock) || (d.startBlock as number) < 0) fail("startBlock", "a block number");
  for (const field of ["token", "oracle", "vault", "market"]) {
    if (typeof d[field] !== "string" || !ADDRESS.test(d[field] as string)) fail(field, "a 0x-prefixed 20-byte address");
  }
  if (!Array.isArray(d.feeds)) fail("feeds", "a list of feeds");
  (d.feeds as unknown[]).forEach((feed, i) => {
    const f = (feed ?? {}) as Record<string, unknown>;
    if (typeof f.name !== "string" || f.name === "") fail(`feeds[${i}].name`, "a feed name");
    if (typeof f.id !== "string" || !BYTES32.test(f.id)) fail(`feeds[${i}].id`, "a 0x-prefixed 32-byte id");
    if (typeof f.adapter !== "string" || !ADDRESS.test(f.adapter)) fail(`feeds[${i}].adapter`, "a 0x-prefixed 20-byte address");
  });
  return d as unknown as Deployment;
}
