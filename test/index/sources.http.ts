/**
 * The network faults every HTTP adapter shares (src/index/sources/http.ts), exercised through
 * `fetchSource` against a local server: timeouts with retries, 5xx/429 then success, 4xx without
 * retry, oversize bodies, garbage, wrong content types and wrong shapes.
 */
import { expect } from "chai";

import { fetchSource, type GpuOffersConfig, type SourceOutcome } from "../../src/index/sources/index.js";
import {
  drip,
  file,
  garbage,
  json,
  oversize,
  raw,
  sequence,
  slow,
  startPriceServer,
  status,
  type PriceServer,
} from "../helpers/priceServers.js";
import { vastOffersSource } from "./sources-fixtures.js";

const OFFERS = "data/snapshots/vast-offers-h100-2026-10-19.json";
const PATH = "/api/v0/bundles/";
const NOW = 1_792_368_000; // 2026-10-19T00:00:00Z
const ctx = { now: NOW, unit: "USD per H100-80GB SXM on-demand GPU-hour" };

/** The Vast.ai source with quick timeouts and two retries, for the network-limit tests. */
function offersSource(url: string, limits: Partial<GpuOffersConfig> = {}): GpuOffersConfig {
  return vastOffersSource(url, { timeoutMs: 150, retries: 2, backoffMs: 5, ...limits });
}

function expectError(outcome: SourceOutcome, pattern: RegExp): void {
  expect(outcome.ok, "the source must fail").to.equal(false);
  if (outcome.ok) return;
  expect(outcome.source).to.equal("vast-offers");
  expect(outcome.error).to.match(/^source vast-offers: /);
  expect(outcome.error).to.match(pattern);
}

describe("sources: HTTP faults", function () {
  let server: PriceServer;

  beforeEach(async function () {
    server = await startPriceServer();
  });

  afterEach(async function () {
    await server.stop();
  });

  it("serves the snapshot with one request when all is well", async function () {
    server.set(PATH, file(OFFERS));
    const outcome = await fetchSource(offersSource(server.url(PATH)), ctx);
    expect(outcome.ok).to.equal(true);
    expect(server.requests(PATH)).to.equal(1);
  });

  it("gives up after 1 + retries attempts when every attempt times out", async function () {
    server.set(PATH, slow(2_000, file(OFFERS)));
    const started = Date.now();
    const outcome = await fetchSource(offersSource(server.url(PATH), { timeoutMs: 100, retries: 2 }), ctx);
    expectError(outcome, /timed out after 100 ms from http:\/\/127\.0\.0\.1:\d+\/api\/v0\/bundles\/ \(3 attempts\)$/);
    expect(server.requests(PATH)).to.equal(3);
    expect(Date.now() - started).to.be.below(1_500);
  });

  it("times out a body that trickles in slower than the timeout", async function () {
    const body = JSON.stringify({ offers: [], note: "x".repeat(40) }); // 15 chunks of 4 bytes, 60 ms apart
    server.set(PATH, drip(body, 60, 4));
    const outcome = await fetchSource(offersSource(server.url(PATH), { timeoutMs: 150, retries: 1 }), ctx);
    expectError(outcome, /timed out after 150 ms .*\(2 attempts\)/);
    expect(server.requests(PATH)).to.equal(2);
  });

  it("retries a 500 and uses the answer that follows", async function () {
    server.set(PATH, sequence(status(500), file(OFFERS)));
    const outcome = await fetchSource(offersSource(server.url(PATH)), ctx);
    expect(outcome.ok).to.equal(true);
    expect(server.requests(PATH)).to.equal(2);
  });

  it("reports the status after the last retry of a persistent 503", async function () {
    server.set(PATH, status(503));
    const outcome = await fetchSource(offersSource(server.url(PATH), { retries: 3 }), ctx);
    expectError(outcome, /HTTP 503 Service Unavailable from .* \(4 attempts\)$/);
    expect(server.requests(PATH)).to.equal(4);
  });

  it("waits backoffMs, then twice as long, between attempts", async function () {
    server.set(PATH, status(500));
    const started = Date.now();
    const outcome = await fetchSource(offersSource(server.url(PATH), { retries: 2, backoffMs: 150 }), ctx);
    const elapsed = Date.now() - started;
    expectError(outcome, /HTTP 500 .*\(3 attempts\)$/);
    expect(elapsed).to.be.at.least(450); // 150 + 300
    expect(elapsed).to.be.below(1_500);
  });

  it("retries a 429 (rate limited)", async function () {
    server.set(PATH, sequence(status(429), status(429), file(OFFERS)));
    const outcome = await fetchSource(offersSource(server.url(PATH)), ctx);
    expect(outcome.ok).to.equal(true);
    expect(server.requests(PATH)).to.equal(3);
  });

  it("does not retry a 404", async function () {
    const outcome = await fetchSource(offersSource(server.url("/no/such/path")), ctx);
    expectError(outcome, /HTTP 404 Not Found from .* \(1 attempt, not retried\)$/);
    expect(server.requests("/no/such/path")).to.equal(1);
  });

  it("does not retry a 401", async function () {
    server.set(PATH, status(401));
    const outcome = await fetchSource(offersSource(server.url(PATH)), ctx);
    expectError(outcome, /HTTP 401 Unauthorized .*not retried/);
    expect(server.requests(PATH)).to.equal(1);
  });

  it("stops reading a streamed body past maxBytes", async function () {
    server.set(PATH, oversize(20_000_000));
    const outcome = await fetchSource(offersSource(server.url(PATH), { maxBytes: 10_000 }), ctx);
    expectError(outcome, /response exceeds maxBytes 10000 \(refused after (\d+) bytes\)/);
    const read = Number(/refused after (\d+) bytes/.exec(outcome.ok ? "" : outcome.error)![1]);
    expect(read).to.be.above(10_000).and.below(10_000 + 65_537); // at most one more chunk
    expect(server.requests(PATH)).to.equal(1);
  });

  it("refuses a body whose declared Content-Length is over maxBytes, unread", async function () {
    server.set(PATH, oversize(2_000_000, true));
    const outcome = await fetchSource(offersSource(server.url(PATH), { maxBytes: 10_000 }), ctx);
    expectError(outcome, /response of 2000000 bytes exceeds maxBytes 10000 .*not retried/);
  });

  it("refuses a body that is not UTF-8 text", async function () {
    server.set(PATH, garbage());
    const outcome = await fetchSource(offersSource(server.url(PATH)), ctx);
    expectError(outcome, /body is not UTF-8 text .*\(1 attempt, not retried\)/);
    expect(server.requests(PATH)).to.equal(1);
  });

  it("refuses a JSON content type whose body is not JSON", async function () {
    server.set(PATH, raw("<html>maintenance</html>", "application/json"));
    const outcome = await fetchSource(offersSource(server.url(PATH)), ctx);
    expectError(outcome, /body is not JSON \(/);
  });

  it("refuses a content type that is not JSON", async function () {
    server.set(PATH, raw(JSON.stringify({ offers: [] }), "text/html; charset=utf-8"));
    const outcome = await fetchSource(offersSource(server.url(PATH)), ctx);
    expectError(outcome, /content type "text\/html; charset=utf-8" is not JSON/);
  });

  it("accepts a JSON content type with parameters and a +json subtype", async function () {
    const body = JSON.stringify({ offers: [{ id: 1, gpu_name: "H100 SXM", num_gpus: 1, dph_total: 2.5, verified: true, rentable: true, reliability: 0.99 }] });
    server.set(PATH, raw(body, "application/vnd.vast+json; charset=utf-8"));
    const outcome = await fetchSource(offersSource(server.url(PATH)), ctx);
    expect(outcome.ok).to.equal(true);
  });

  it("refuses JSON of the wrong shape, naming the field", async function () {
    server.set(PATH, json({ data: [] }));
    const outcome = await fetchSource(offersSource(server.url(PATH)), ctx);
    expectError(outcome, /answer is not an offer list: offers: Invalid input: expected array, received undefined/);
  });

  it("reports an unreachable host as a network error after the retries", async function () {
    const url = server.url(PATH);
    await server.stop();
    const outcome = await fetchSource(offersSource(url, { retries: 1 }), ctx);
    expectError(outcome, /network error: .* \(2 attempts\)$/);
  });

  it("keeps the query string (where API keys live) out of errors", async function () {
    server.set(PATH, status(500));
    const outcome = await fetchSource(offersSource(`${server.url(PATH)}?api_key=s3cret`, { retries: 0 }), ctx);
    expectError(outcome, /HTTP 500/);
    expect(outcome.ok ? "" : outcome.error).not.to.include("s3cret");
  });

  it("stops at once when the caller aborts", async function () {
    server.set(PATH, slow(5_000));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const outcome = await fetchSource(offersSource(server.url(PATH), { timeoutMs: 10_000, retries: 5 }), {
      ...ctx,
      signal: controller.signal,
    });
    expectError(outcome, /aborted .*\(1 attempt, not retried\)/);
    expect(Date.now() - started).to.be.below(1_000);
    expect(server.requests(PATH)).to.equal(1);
  });
});
