/**
 * The relayer's HTTP API, on node:http:
 *   GET /v1/feeds/:id/observation   the latest signed observation of a feed (config id or bytes32)
 *   GET /v1/snapshots/:inputsHash   the input snapshot an observation's inputsHash commits to
 *   GET /metrics                    Prometheus metrics
 *   GET /healthz                    200 when the relayer has a fresh observation and a reachable RPC
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { ObservationJson } from "./observationWire.js";
import type { RelayerMetrics } from "./metrics.js";

/** What the server reads from the running relayer. */
export interface RelayerView {
  /** The latest observation of a feed, by its config id or its bytes32 id; undefined if none. */
  observation(feed: string): ObservationJson | undefined;
  /** Whether `feed` is one of the relayer's feeds. */
  knowsFeed(feed: string): boolean;
  /** The JSON snapshot committed to by `inputsHash`, if this relayer produced it. */
  snapshot(inputsHash: string): unknown | undefined;
  health(): { ok: boolean; checks: Record<string, string> };
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

const OBSERVATION = /^\/v1\/feeds\/([^/]+)\/observation$/;
const SNAPSHOT = /^\/v1\/snapshots\/(0x[0-9a-fA-F]{64})$/;

export async function startServer(view: RelayerView, metrics: RelayerMetrics, host: string, port: number): Promise<RunningServer> {
  const server = createServer((request, response) => {
    handle(view, metrics, request, response).catch((error: unknown) => {
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

async function handle(view: RelayerView, metrics: RelayerMetrics, request: IncomingMessage, response: ServerResponse) {
  if (request.method !== "GET") return send(response, 405, { error: `${request.method} is not allowed: use GET` });
  const path = new URL(request.url ?? "/", "http://relayer").pathname;
  const observation = OBSERVATION.exec(path);
  if (observation !== null) {
    const feed = decodeURIComponent(observation[1]);
    if (!view.knowsFeed(feed)) return send(response, 404, { error: `unknown feed ${feed}` });
    const latest = view.observation(feed);
    if (latest === undefined) return send(response, 404, { error: `no observation of ${feed} yet` });
    return send(response, 200, latest);
  }
  const snapshot = SNAPSHOT.exec(path);
  if (snapshot !== null) {
    const body = view.snapshot(snapshot[1].toLowerCase());
    if (body === undefined) return send(response, 404, { error: `no snapshot ${snapshot[1]}` });
    return send(response, 200, body);
  }
  if (path === "/metrics") {
    response.writeHead(200, { "content-type": metrics.registry.contentType });
    return response.end(await metrics.registry.metrics());
  }
  if (path === "/healthz") {
    const health = view.health();
    return send(response, health.ok ? 200 : 503, health);
  }
  return send(response, 404, { error: `no route ${path}` });
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
