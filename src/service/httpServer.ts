/**
 * The small HTTP server the relayer and the keeper share, on node:http: GET only, JSON answers,
 * `/metrics` (Prometheus, from a prom-client registry) and `/healthz` (200 or 503 with the checks),
 * plus whatever routes the service adds. Closing it drops open connections, so a service stops at
 * once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface Health {
  ok: boolean;
  checks: Record<string, string>;
}

/** A service route's answer; undefined when the path is not one of its routes. */
export type RouteAnswer = { status: number; body: unknown } | undefined;

export interface ServiceEndpoints {
  registry: Registry;
  health(): Health;
  /** The service's own routes, by path (decoded by the caller); `/metrics` and `/healthz` come first. */
  route?(path: string): RouteAnswer;
  /** Listed in the 404 answer for an unknown path. */
  hint: string;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(endpoints: ServiceEndpoints, host: string, port: number): Promise<RunningServer> {
  const server = createServer((request, response) => {
    handle(endpoints, request, response).catch((error: unknown) => {
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

async function handle(endpoints: ServiceEndpoints, request: IncomingMessage, response: ServerResponse) {
  if (request.method !== "GET") return send(response, 405, { error: `${request.method} is not allowed: use GET` });
  const path = new URL(request.url ?? "/", "http://service").pathname;
  if (path === "/metrics") {
    response.writeHead(200, { "content-type": endpoints.registry.contentType });
    return response.end(await endpoints.registry.metrics());
  }
  if (path === "/healthz") {
    const health = endpoints.health();
    return send(response, health.ok ? 200 : 503, health);
  }
  const answer = endpoints.route?.(path);
  if (answer !== undefined) return send(response, answer.status, answer.body);
  return send(response, 404, { error: `no route ${path}: try ${endpoints.hint}` });
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
