/**
 * The keeper's JSON-RPC connection: the chain id asked once with a timeout (a dead RPC fails
 * start-up with a message, not ethers' endless network detection), then a provider with a static
 * network, no response cache (after a block the keeper must see it) and a per-request timeout (a
 * hung connection fails the tick instead of stalling it).
 */
import { FetchRequest, JsonRpcProvider, Network } from "ethers";

export async function connectRpc(rpcUrl: string, timeoutSeconds: number): Promise<{ provider: JsonRpcProvider; chainId: bigint }> {
  const chainId = await chainIdOf(rpcUrl, timeoutSeconds * 1000);
  const request = new FetchRequest(rpcUrl);
  request.timeout = timeoutSeconds * 1000;
  const network = Network.from(chainId);
  const provider = new JsonRpcProvider(request, network, { staticNetwork: network, pollingInterval: 250, cacheTimeout: -1 });
  return { provider, chainId };
}

async function chainIdOf(rpcUrl: string, timeoutMs: number): Promise<bigint> {
  const origin = new URL(rpcUrl).origin; // never the path: it may hold an API key
  let body: { result?: string; error?: { message?: string } };
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new Error(`cannot reach the RPC at ${origin}: ${(error as Error).message}`);
  }
  if (typeof body.result !== "string") throw new Error(`the RPC at ${origin} gave no chain id: ${body.error?.message ?? "no result"}`);
  return BigInt(body.result);
}
