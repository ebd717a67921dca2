/**
 * The keeper's HTTP endpoints, on node:http:
 *   GET /metrics   Prometheus metrics
 *   GET /healthz   200 when the RPC answered and a tick completed recently, else 503; the body
 *                  says which check failed
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { KeeperMetrics } from "./metrics.js";

export interface Health {
  ok: boolean;
  checks: Record<string, string>;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(health: () => Health, metrics: KeeperMetrics, host: string, port: number): Promise<RunningServer> {
  const server = createServer((request, response) => {
    handle(health, metrics, request, response).catch((error: unknown) => {
      send(response, 500, { error: `internal error: ${(error as Error).message}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { url: `http://${host}:${address.port}`, close: () => closeServer(server) };
}

async function handle(health: () => Health, metrics: KeeperMetrics, request: IncomingMessage, response: ServerResponse) {
  if (request.method !== "GET") return send(response, 405, { error: `${request.method} is not allowed: use GET` });
  const path = new URL(request.url ?? "/", "http://keeper").pathname;
  if (path === "/metrics") {
    response.writeHead(200, { "content-type": metrics.registry.contentType });
    return response.end(await metrics.registry.metrics());
  }
  if (path === "/healthz") {
    const result = health();
    return send(response, result.ok ? 200 : 503, result);
  }
  return send(response, 404, { error: `no route ${path}: try /metrics or /healthz` });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
