/**
 * Serves an in-process EIP-1193 provider (Hardhat's simulated network) as JSON-RPC over HTTP on
 * 127.0.0.1, so that the demo's relayers and keeper talk to the chain through the same HTTP
 * client code they use against a real node, with no other process to start.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

interface JsonRpcRequest {
  id?: number | string | null;
  method?: unknown;
  params?: unknown;
}

export interface RpcBridge {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function answer(provider: Eip1193, call: JsonRpcRequest) {
  const id = call.id ?? null;
  if (typeof call.method !== "string") return { jsonrpc: "2.0", id, error: { code: -32600, message: "invalid request" } };
  try {
    const params = Array.isArray(call.params) ? call.params : [];
    return { jsonrpc: "2.0", id, result: await provider.request({ method: call.method, params }) };
  } catch (error) {
    // Hardhat's provider errors carry the JSON-RPC code and, for reverts, the revert data.
    const e = error as { code?: number; message?: string; data?: unknown };
    return { jsonrpc: "2.0", id, error: { code: e.code ?? -32603, message: e.message ?? String(error), data: e.data } };
  }
}

/** Starts the bridge on a free loopback port. */
export async function startRpcBridge(provider: Eip1193): Promise<RpcBridge> {
  const server = createServer((request, response) => {
    void (async () => {
      let body: unknown;
      try {
        body = JSON.parse(await readBody(request));
      } catch {
        response.writeHead(400, { "content-type": "application/json" });
        response.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }));
        return;
      }
      const result = Array.isArray(body)
        ? await Promise.all(body.map((call) => answer(provider, call as JsonRpcRequest)))
        : await answer(provider, body as JsonRpcRequest);
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(result, (_, value) => (typeof value === "bigint" ? `0x${value.toString(16)}` : value)));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
