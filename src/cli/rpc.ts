/**
 * The command line's JSON-RPC connection. The chain id is asked once, with a timeout, so a dead
 * RPC fails at once with its URL (ethers would retry its network detection forever); then a
 * provider with that network fixed and no response cache (ethers caches for 250 ms otherwise,
 * and a command reads right after its own transactions).
 */
import { FetchRequest, JsonRpcProvider, Network } from "ethers";

import { UsageError } from "./errors.js";

const PROBE_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 60_000;

export async function openProvider(url: string): Promise<{ provider: JsonRpcProvider; chainId: bigint }> {
  const chainId = await chainIdAt(url);
  const request = new FetchRequest(url);
  request.timeout = REQUEST_TIMEOUT_MS;
  const network = Network.from(chainId);
  const provider = new JsonRpcProvider(request, network, { staticNetwork: network, cacheTimeout: -1, pollingInterval: 500 });
  return { provider, chainId };
}

/** The RPC's chain id; a refused connection, a timeout or a non-RPC answer says which URL. */
export async function chainIdAt(url: string): Promise<bigint> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--rpc: "${url}" is not a URL (e.g. http://127.0.0.1:8545)`);
  }
  // Only the origin is ever printed: a provider's path may hold an API key.
  const where = parsed.origin;
  let body: { result?: unknown; error?: { message?: string } };
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new UsageError(`cannot reach the RPC at ${where} (${reason(error)}): is the node running? (npx hardhat node)`);
  }
  if (typeof body.result !== "string") {
    throw new UsageError(`the RPC at ${where} gave no chain id: ${body.error?.message ?? "not a JSON-RPC endpoint"}`);
  }
  return BigInt(body.result);
}

/** "connection refused", "timed out after 5 s": fetch hides the cause under "fetch failed". */
function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused";
  if (cause?.code === "ENOTFOUND") return "host not found";
  if ((error as Error).name === "TimeoutError") return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
  if (error instanceof SyntaxError) return "the answer is not JSON";
  return cause?.code ?? (error as Error).message;
}
