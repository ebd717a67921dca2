import { expect } from "chai";
import { Wallet, id } from "ethers";

import { oracleDomain, signObservation } from "../../src/oracle/observation.js";
import { RelayerMetrics } from "../../src/relayer/metrics.js";
import { toJson, type ObservationJson } from "../../src/relayer/observationWire.js";
import { startServer, type RelayerView, type RunningServer } from "../../src/relayer/server.js";

const FEED = id("H100-HOUR");
const INPUTS = id("inputs");

describe("relayer HTTP API", function () {
  let server: RunningServer;
  let observation: ObservationJson;
  let healthy = true;
  const metrics = new RelayerMetrics();

  before(async function () {
    const wallet = new Wallet("0x" + "07".padStart(64, "0"));
    const signed = await signObservation(wallet, oracleDomain(31337n, "0x" + "5f".repeat(20)), {
      feed: FEED,
      value: 2_500_000_000_000_000_000n,
      observedAt: 1_800_000_000n,
      inputsHash: INPUTS,
    });
    observation = toJson("H100-HOUR", signed);
    const view: RelayerView = {
      knowsFeed: (feed) => feed === "H100-HOUR" || feed === FEED || feed === "TOKEN-OUT",
      observation: (feed) => (feed === "H100-HOUR" || feed === FEED ? observation : undefined),
      snapshot: (hash) => (hash === INPUTS.toLowerCase() ? { quotes: [{ source: "sheet", price: "2.5" }] } : undefined),
      health: () => (healthy ? { ok: true, checks: { rpc: "ok" } } : { ok: false, checks: { rpc: "unreachable for 45 s" } }),
    };
    metrics.observed("H100-HOUR", 2_500_000_000_000_000_000n, Math.floor(Date.now() / 1000) - 5);
    metrics.sourceErrors.inc({ feed: "H100-HOUR", source: "vast" });
    server = await startServer(view, metrics, "127.0.0.1", 0);
  });

  after(async function () {
    await server.close();
  });

  async function get(path: string, init?: RequestInit) {
    const response = await fetch(server.url + path, init);
    return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
  }

  it("serves the latest observation by config id and by bytes32 id", async function () {
    for (const feed of ["H100-HOUR", FEED]) {
      const { status, text } = await get(`/v1/feeds/${feed}/observation`);
      expect([status, JSON.parse(text)]).to.deep.equal([200, observation]);
    }
  });

  it("answers 404 with a reason for an unknown feed and for a feed not yet observed", async function () {
    expect(await get("/v1/feeds/NOPE/observation")).to.deep.include({ status: 404, text: JSON.stringify({ error: "unknown feed NOPE" }) });
    expect(await get("/v1/feeds/TOKEN-OUT/observation")).to.deep.include({
      status: 404,
      text: JSON.stringify({ error: "no observation of TOKEN-OUT yet" }),
    });
  });

  it("serves the snapshot an inputsHash commits to, in any case, and 404 for others", async function () {
    const found = await get(`/v1/snapshots/${INPUTS.toUpperCase().replace("0X", "0x")}`);
    expect([found.status, JSON.parse(found.text)]).to.deep.equal([200, { quotes: [{ source: "sheet", price: "2.5" }] }]);
    const missing = id("other");
    expect(await get(`/v1/snapshots/${missing}`)).to.deep.include({ status: 404, text: JSON.stringify({ error: `no snapshot ${missing}` }) });
  });

  it("exposes Prometheus metrics: last value, observations, source errors, age", async function () {
    const { status, type, text } = await get("/metrics");
    expect([status, type]).to.deep.equal([200, metrics.registry.contentType]);
    expect(text).to.include('cfx_relayer_last_value{feed="H100-HOUR"} 2.5');
    expect(text).to.include('cfx_relayer_observations_total{feed="H100-HOUR"} 1');
    expect(text).to.include('cfx_relayer_source_errors_total{feed="H100-HOUR",source="vast"} 1');
    const age = /cfx_relayer_observation_age_seconds\{feed="H100-HOUR"\} (-?\d+)/.exec(text);
    expect(age, "the age is exported").not.to.equal(null);
    expect(Number(age![1]) >= 5 && Number(age![1]) < 60).to.equal(true);
  });

  it("reports health: 200 when healthy, 503 with the failing check otherwise", async function () {
    expect(await get("/healthz")).to.deep.include({ status: 200, text: JSON.stringify({ ok: true, checks: { rpc: "ok" } }) });
    healthy = false;
    expect(await get("/healthz")).to.deep.include({
      status: 503,
      text: JSON.stringify({ ok: false, checks: { rpc: "unreachable for 45 s" } }),
    });
    healthy = true;
  });

  it("refuses other methods and routes", async function () {
    expect(await get("/healthz", { method: "POST" })).to.deep.include({ status: 405, text: JSON.stringify({ error: "POST is not allowed: use GET" }) });
    expect(await get("/v2/anything")).to.deep.include({ status: 404, text: JSON.stringify({ error: "no route /v2/anything: try /v1/feeds/:id/observation, /v1/snapshots/:inputsHash, /metrics or /healthz" }) });
  });
});
