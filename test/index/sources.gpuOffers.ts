/**
 * The `gpu-offers` adapter (Vast.ai's offer list) against a local server: the shipped
 * (illustrative) snapshot, the filters, the exact per-GPU division and bad offers.
 */
import { expect } from "chai";

import { fetchSource, type GpuOffersConfig, type SourceOutcome } from "../../src/index/sources/index.js";
import { file, json, startPriceServer, type PriceServer } from "../helpers/priceServers.js";
import { vastOffersSource } from "./sources-fixtures.js";

const SNAPSHOT = "data/snapshots/vast-offers-h100-2026-10-19.json";
const PATH = "/api/v0/bundles/";
const NOW = 1_792_368_000; // 2026-10-19T00:00:00Z
const UNIT = "USD per H100-80GB SXM on-demand GPU-hour";
const ctx = { now: NOW, unit: UNIT };

const offersSource = vastOffersSource;

/** [price, weight] of each quote, in answer order. */
function priced(outcome: SourceOutcome): [bigint, bigint | undefined][] {
  expect(outcome.ok, outcome.ok ? "" : outcome.error).to.equal(true);
  return outcome.ok ? outcome.quotes.map((q) => [q.price, q.weight]) : [];
}

/** A counted (verified, rentable, reliable) H100 SXM offer with these fields changed. */
function offer(fields: Record<string, unknown>): Record<string, unknown> {
  return { id: 7, gpu_name: "H100 SXM", num_gpus: 1, dph_total: 2.5, verified: true, rentable: true, rented: false, reliability: 0.99, ...fields };
}

describe("sources: gpu-offers", function () {
  let server: PriceServer;

  before(async function () {
    server = await startPriceServer({ [PATH]: file(SNAPSHOT) });
  });

  after(async function () {
    await server.stop();
  });

  it("quotes every counted offer of the shipped snapshot per GPU, weighted by its GPUs", async function () {
    const outcome = await fetchSource(offersSource(server.url(PATH)), ctx);
    expect(priced(outcome)).to.deep.equal([
      [2_251100000000000000n, 1n], // 31000001: 2.2511 / 1
      [2_368700000000000000n, 1n], // 31000002: 2.3687 / 1
      [2_436100000000000000n, 1n], // 31000003: 2.4361 / 1
      [2_603300000000000000n, 1n], // 31000004: 2.6033 / 1
      [2_402400000000000000n, 8n], // 31000005: 19.2192 / 8
    ]);
    expect(outcome.rejected).to.deep.equal([]);
  });

  it("stamps quotes with the constituent, the feed's unit, the configured kind and the round's time", async function () {
    const outcome = await fetchSource(offersSource(server.url(PATH)), ctx);
    expect(outcome.ok && outcome.quotes[0]).to.deep.equal({
      source: "vast-offers",
      constituent: "vast-ai",
      price: 2_251100000000000000n,
      unit: UNIT,
      kind: "firm",
      observedAt: NOW,
      weight: 1n,
    });
  });

  it("counts a less reliable host when minReliability allows it", async function () {
    const outcome = await fetchSource(offersSource(server.url(PATH), { minReliability: 0.9 }), ctx);
    expect(priced(outcome)).to.deep.include([2_050000000000000000n, 1n]); // 31000007, reliability 0.91
    expect(priced(outcome)).to.have.length(6);
  });

  it("selects another GPU by name", async function () {
    const outcome = await fetchSource(offersSource(server.url(PATH), { gpuName: "H100 PCIE" }), ctx);
    expect(priced(outcome)).to.deep.equal([[1_990000000000000000n, 1n]]);
  });

  it("is a source error when no offer passes the filters", async function () {
    const outcome = await fetchSource(offersSource(server.url(PATH), { gpuName: "B200" }), ctx);
    expect(outcome.ok ? "" : outcome.error).to.equal(
      'source vast-offers: no usable offer (gpu_name "B200", verified, rentable, reliability >= 0.95) among 10',
    );
  });
});

describe("sources: gpu-offers arithmetic and bad offers", function () {
  let server: PriceServer;

  before(async function () {
    server = await startPriceServer();
  });

  after(async function () {
    await server.stop();
  });

  async function fetchOffers(offers: unknown[], extra: Partial<GpuOffersConfig> = {}): Promise<SourceOutcome> {
    server.set(PATH, json({ offers }));
    return fetchSource(offersSource(server.url(PATH), extra), ctx);
  }

  it("rounds the per-GPU price down to 1e-18 USD", async function () {
    // 10 / 3 = 3.333... -> 3.333333333333333333
    const outcome = await fetchOffers([offer({ num_gpus: 3, dph_total: 10 })]);
    expect(priced(outcome)).to.deep.equal([[3_333333333333333333n, 3n]]);
  });

  it("reads a float through its shortest round-trip decimal, String(n)", async function () {
    // 0.1 + 0.2 is the double whose shortest decimal is "0.30000000000000004"
    const outcome = await fetchOffers([offer({ dph_total: 0.1 + 0.2 })]);
    expect(priced(outcome)).to.deep.equal([[300000000000000040n, 1n]]);
  });

  it("counts an offer verified through `verification` and reliable through `reliability2`", async function () {
    const outcome = await fetchOffers([offer({ verified: undefined, verification: "verified", reliability: undefined, reliability2: 0.97 })]);
    expect(priced(outcome)).to.deep.equal([[2_500000000000000000n, 1n]]);
  });

  it("leaves out a rented offer and one without a reliability", async function () {
    const outcome = await fetchOffers([offer({ id: 1, rented: true }), offer({ id: 2, reliability: undefined }), offer({ id: 3 })]);
    expect(priced(outcome)).to.deep.equal([[2_500000000000000000n, 1n]]);
    expect(outcome.rejected).to.deep.equal([]);
  });

  it("rejects a zero dph_total", async function () {
    const outcome = await fetchOffers([offer({ id: 11, dph_total: 0 }), offer({})]);
    expect(outcome.rejected).to.deep.equal([
      { item: "offer 11", constituent: "vast-ai", reason: "zero price per GPU-hour (dph_total 0 / 1 GPUs = 0)" },
    ]);
  });

  it("rejects a negative dph_total", async function () {
    const outcome = await fetchOffers([offer({ id: 12, dph_total: -2.5 }), offer({})]);
    expect(outcome.rejected).to.deep.equal([{ item: "offer 12", constituent: "vast-ai", reason: 'dph_total: invalid decimal "-2.5": negative' }]);
  });

  it("rejects a dph_total sent as a string", async function () {
    const outcome = await fetchOffers([offer({ id: 13, dph_total: "2.5" }), offer({})]);
    expect(outcome.rejected).to.deep.equal([
      { item: "offer 13", constituent: "vast-ai", reason: "malformed: dph_total: Invalid input: expected number, received string" },
    ]);
  });

  it("rejects an offer of zero GPUs", async function () {
    const outcome = await fetchOffers([offer({ id: 14, num_gpus: 0 }), offer({})]);
    expect(outcome.rejected).to.have.length(1);
    expect(outcome.rejected[0]!.item).to.equal("offer 14");
    expect(outcome.rejected[0]!.reason).to.match(/^malformed: num_gpus: Too small/);
  });

  it("rejects a fractional GPU count", async function () {
    const outcome = await fetchOffers([offer({ id: 15, num_gpus: 1.5 }), offer({})]);
    expect(outcome.rejected[0]!.reason).to.match(/^malformed: num_gpus: Invalid input: expected int/);
  });

  it("rejects an absurd per-GPU price above maxPrice", async function () {
    const outcome = await fetchOffers([offer({ id: 16, num_gpus: 2, dph_total: 1600 }), offer({})]);
    expect(outcome.rejected).to.deep.equal([
      { item: "offer 16", constituent: "vast-ai", reason: "absurd price 800 above maxPrice 100 per GPU-hour (dph_total 1600 / 2 GPUs = 800)" },
    ]);
  });

  it("rejects an offer without a gpu_name, by its position", async function () {
    const outcome = await fetchOffers([{ id: 17, num_gpus: 1, dph_total: 2 }, offer({})]);
    expect(outcome.rejected).to.deep.equal([
      { item: "offer #0", constituent: "vast-ai", reason: "malformed: gpu_name: Invalid input: expected string, received undefined" },
    ]);
  });

  it("keeps the good offers next to rejected ones", async function () {
    const outcome = await fetchOffers([offer({ id: 18, dph_total: 0 }), offer({ id: 19, dph_total: 2.4 })]);
    expect(priced(outcome)).to.deep.equal([[2_400000000000000000n, 1n]]);
  });

  it("is a source error naming the rejections when every counted offer is bad", async function () {
    const outcome = await fetchOffers([offer({ id: 20, dph_total: 0 })]);
    expect(outcome.ok ? "" : outcome.error).to.equal(
      'source vast-offers: no usable offer (gpu_name "H100 SXM", verified, rentable, reliability >= 0.95) among 1 (offer 20: zero price per GPU-hour (dph_total 0 / 1 GPUs = 0))',
    );
    expect(outcome.rejected).to.have.length(1);
  });
});
