/**
 * The keeper's HTTP endpoints (src/service/httpServer.ts):
 *   GET /metrics   Prometheus metrics
 *   GET /healthz   200 when the RPC answered and a tick completed recently, else 503; the body
 *                  says which check failed
 */
import { startHttpServer, type Health, type RunningServer } from "../service/httpServer.js";
import type { KeeperMetrics } from "./metrics.js";

export type { Health, RunningServer };

export function startServer(health: () => Health, metrics: KeeperMetrics, host: string, port: number): Promise<RunningServer> {
  return startHttpServer({ registry: metrics.registry, health, hint: "/metrics or /healthz" }, host, port);
}
