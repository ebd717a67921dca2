/**
 * A local HTTP server for price-source tests: each path answers with a given body or a fault
 * (an error status, a delay beyond the client's timeout, garbage, an oversize body, a body that
 * trickles in), on 127.0.0.1 and a free port. It counts requests per path, so tests can assert
 * retries, and a route can be changed while running (a price moves, a source breaks).
 *
 *   const server = await startPriceServer({ "/api/v1/models": file("data/snapshots/....json") });
 *   ... fetch(server.url("/api/v1/models")) ...
 *   server.requests("/api/v1/models");  // 1
 *   await server.stop();                // in an after/afterEach hook
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** What one path answers. */
export type Behaviour =
  /** 200 (or `status`) with `JSON.stringify(body)` as application/json. */
  | { kind: "json"; body: unknown; status?: number }
  /** The bytes of a file (relative to the repository root) as application/json. */
  | { kind: "file"; path: string; contentType?: string }
  /** Any bytes with any content type; `contentLength` overrides the header. */
  | { kind: "raw"; body: string | Uint8Array; status?: number; contentType?: string; contentLength?: number }
  /** An error status with a short JSON error body. */
  | { kind: "status"; status: number }
  /** Waits `delayMs` before answering with `then` (default: an empty JSON object). */
  | { kind: "slow"; delayMs: number; then?: Behaviour }
  /** Headers at once, then the body in `chunkBytes` pieces every `chunkDelayMs`. */
  | { kind: "drip"; body: string; chunkDelayMs: number; chunkBytes?: number }
  /** 200 application/json whose body is not JSON. */
  | { kind: "garbage" }
  /** 200 application/json streaming `bytes` bytes of a JSON array; Content-Length only if `declareLength`. */
  | { kind: "oversize"; bytes: number; declareLength?: boolean }
  /** The n-th request (0-based) gets `steps[n]`; later ones get the last step. */
  | { kind: "sequence"; steps: Behaviour[] };

export const json = (body: unknown, status?: number): Behaviour => ({ kind: "json", body, status });
export const file = (path: string): Behaviour => ({ kind: "file", path });
export const raw = (body: string | Uint8Array, contentType: string, status?: number): Behaviour => ({
  kind: "raw",
  body,
  contentType,
  status,
});
export const status = (code: number): Behaviour => ({ kind: "status", status: code });
export const slow = (delayMs: number, then?: Behaviour): Behaviour => ({ kind: "slow", delayMs, then });
export const drip = (body: string, chunkDelayMs: number, chunkBytes = 16): Behaviour => ({
  kind: "drip",
  body,
  chunkDelayMs,
  chunkBytes,
});
export const garbage = (): Behaviour => ({ kind: "garbage" });
export const oversize = (bytes: number, declareLength = false): Behaviour => ({ kind: "oversize", bytes, declareLength });
export const sequence = (...steps: Behaviour[]): Behaviour => ({ kind: "sequence", steps });

export interface PriceServer {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** The full URL of a path, e.g. `url("/api/v1/models")`. */
  url(path: string): string;
  /** Requests received on a path so far (query strings ignored). */
  requests(path: string): number;
  /** Replaces (or adds) the behaviour of a path; its request count is kept. */
  set(path: string, behaviour: Behaviour): void;
  /** Closes every connection and the server; pending slow answers are dropped. */
  stop(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const GARBAGE = Buffer.from([0x3c, 0x68, 0x74, 0x6d, 0x6c, 0x3e, 0xff, 0xfe, 0x00, 0x7b, 0x22]); // "<html>" + invalid UTF-8 + '{"'

/** Starts a server on 127.0.0.1 with a free port serving `routes` (path -> behaviour). */
export async function startPriceServer(routes: Record<string, Behaviour> = {}): Promise<PriceServer> {
  const table = new Map(Object.entries(routes));
  const counts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const answer = (behaviour: Behaviour, nth: number, res: ServerResponse): void => {
    if (res.destroyed) return;
    switch (behaviour.kind) {
      case "json":
        return send(res, behaviour.status ?? 200, "application/json", JSON.stringify(behaviour.body));
      case "file":
        return send(res, 200, behaviour.contentType ?? "application/json", readFileSync(fromRepo(behaviour.path)));
      case "raw":
        return send(res, behaviour.status ?? 200, behaviour.contentType, behaviour.body, behaviour.contentLength);
      case "status":
        return send(res, behaviour.status, "application/json", JSON.stringify({ error: { code: behaviour.status } }));
      case "slow":
        return later(behaviour.delayMs, () => answer(behaviour.then ?? json({}), nth, res));
      case "garbage":
        return send(res, 200, "application/json", GARBAGE);
      case "drip": {
        res.writeHead(200, { "content-type": "application/json" });
        const bytes = Buffer.from(behaviour.body);
        const size = behaviour.chunkBytes ?? 16;
        const next = (offset: number) => {
          if (res.destroyed) return;
          if (offset >= bytes.length) return void res.end();
          res.write(bytes.subarray(offset, offset + size));
          later(behaviour.chunkDelayMs, () => next(offset + size));
        };
        return next(0);
      }
      case "oversize": {
        const headers: Record<string, string | number> = { "content-type": "application/json" };
        if (behaviour.declareLength === true) headers["content-length"] = behaviour.bytes;
        res.writeHead(200, headers);
        const chunk = Buffer.alloc(64 * 1024, "1,");
        let left = behaviour.bytes;
        const pump = () => {
          while (left > 0 && !res.destroyed) {
            const piece = chunk.subarray(0, Math.min(left, chunk.length));
            left -= piece.length;
            if (!res.write(piece)) return void res.once("drain", pump);
          }
          if (!res.destroyed) res.end();
        };
        return pump();
      }
      case "sequence": {
        const steps = behaviour.steps;
        if (steps.length === 0) return answer(status(500), nth, res);
        return answer(steps[Math.min(nth, steps.length - 1)]!, nth, res);
      }
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.on("error", () => undefined); // a client that hangs up mid-answer is part of the tests
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const nth = counts.get(path) ?? 0;
    counts.set(path, nth + 1);
    const behaviour = table.get(path);
    if (behaviour === undefined) return send(res, 404, "application/json", JSON.stringify({ error: "no such path" }));
    try {
      answer(behaviour, nth, res);
    } catch (error) {
      send(res, 500, "text/plain", `fixture failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => done());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  let stopped = false;

  return {
    baseUrl,
    url: (path) => `${baseUrl}${path}`,
    requests: (path) => counts.get(path) ?? 0,
    set: (path, behaviour) => void table.set(path, behaviour),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function send(
  res: ServerResponse,
  code: number,
  contentType: string | undefined,
  body: string | Uint8Array,
  contentLength?: number,
): void {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const headers: Record<string, string | number> = { "content-length": contentLength ?? bytes.length };
  if (contentType !== undefined) headers["content-type"] = contentType;
  res.writeHead(code, headers);
  res.end(bytes);
}

function fromRepo(path: string): string {
  return isAbsolute(path) ? path : resolve(REPO_ROOT, path);
}
