/**
 * The relayer's HTTP API, on node:http:
 *   GET /v1/feeds/:id/observation   the latest signed observation of a feed (config id or bytes32)
 *   GET /v1/snapshots/:inputsHash   the input snapshot an observation's inputsHash commits to
 *   GET /metrics                    Prometheus metrics
 *   GET /healthz                    200 when the relayer has a fresh observation and a reachable RPC
 * (src/service/httpServer.ts serves /metrics and /healthz.)
 */
import { startHttpServer, type RouteAnswer, type RunningServer } from "../service/httpServer.js";
import type { ObservationJson } from "./observationWire.js";
import type { RelayerMetrics } from "./metrics.js";

export type { RunningServer };

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

const OBSERVATION = /^\/v1\/feeds\/([^/]+)\/observation$/;
const SNAPSHOT = /^\/v1\/snapshots\/(0x[0-9a-fA-F]{64})$/;

export function startServer(view: RelayerView, metrics: RelayerMetrics, host: string, port: number): Promise<RunningServer> {
  return startHttpServer(
    { registry: metrics.registry, health: () => view.health(), route: (path) => route(view, path), hint: "/v1/feeds/:id/observation, /v1/snapshots/:inputsHash, /metrics or /healthz" },
    host,
    port,
  );
}

function route(view: RelayerView, path: string): RouteAnswer {
  const observation = OBSERVATION.exec(path);
  if (observation !== null) {
    const feed = decodeURIComponent(observation[1]);
    if (!view.knowsFeed(feed)) return { status: 404, body: { error: `unknown feed ${feed}` } };
    const latest = view.observation(feed);
    if (latest === undefined) return { status: 404, body: { error: `no observation of ${feed} yet` } };
    return { status: 200, body: latest };
  }
  const snapshot = SNAPSHOT.exec(path);
  if (snapshot !== null) {
    const body = view.snapshot(snapshot[1].toLowerCase());
    if (body === undefined) return { status: 404, body: { error: `no snapshot ${snapshot[1]}` } };
    return { status: 200, body };
  }
  return undefined;
}
