/**
 * The `replay` adapter: the shipped histories read at chosen times (the last row at or before
 * the round's time, per constituent, observed at that row's time), and bad files.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { fetchSource, type ReplayConfig, type SourceOutcome } from "../../src/index/sources/index.js";

const at = (iso: string) => Date.parse(iso) / 1000;

function replay(path: string, extra: Partial<ReplayConfig> = {}): ReplayConfig {
  return { id: "h100-replay", kind: "replay", quoteKind: "indicative", path, maxPrice: "100", ...extra };
}

/** constituent -> [price, observedAt]. */
function read(outcome: SourceOutcome): Record<string, [bigint, number]> {
  expect(outcome.ok, outcome.ok ? "" : outcome.error).to.equal(true);
  return outcome.ok ? Object.fromEntries(outcome.quotes.map((q) => [q.constituent, [q.price, q.observedAt]])) : {};
}

function errorOf(outcome: SourceOutcome): string {
  expect(outcome.ok, "the source must fail").to.equal(false);
  return outcome.ok ? "" : outcome.error;
}

describe("sources: replay (shipped histories)", function () {
  const h100 = (iso: string) =>
    fetchSource(replay("data/replay/h100-hour.csv"), { now: at(iso), unit: "USD per H100-80GB SXM on-demand GPU-hour" });

  it("reads every H100-HOUR constituent on the first day of the daily window", async function () {
    const day = at("2026-10-12T00:00:00Z");
    expect(read(await h100("2026-10-12T00:00:00Z"))).to.deep.equal({
      akash: [2_710000000000000000n, day],
      coreweave: [6_155000000000000000n, day],
      crusoe: [3_900000000000000000n, day],
      hyperstack: [3_200000000000000000n, day],
      jarvislabs: [2_690000000000000000n, day],
      lambda: [3_990000000000000000n, day],
      nebius: [3_850000000000000000n, day],
      openrelay: [2_600000000000000000n, day],
      paperspace: [3_090000000000000000n, day],
      "runpod-community": [2_690000000000000000n, day],
      "runpod-secure": [3_698300000000000000n, day], // 3.49 + (3.99 - 3.49) x 5/12 = 3.69833.. -> 3.6983
      "vast-ai": [4_587800000000000000n, day], // 6.1489 + (2.4024 - 6.1489) x 5/12 = 4.58785.. -> 4.5878
    });
  });

  it("reads the last row at or before the round's time, observed at that row's time", async function () {
    const quotes = read(await h100("2026-10-11T23:59:59Z"));
    expect(quotes["vast-ai"]).to.deep.equal([6_148900000000000000n, at("2026-10-07T00:00:00Z")]);
    expect(quotes["runpod-secure"]).to.deep.equal([3_490000000000000000n, at("2026-10-07T00:00:00Z")]);
    expect(quotes.lambda).to.deep.equal([3_990000000000000000n, at("2026-09-25T00:00:00Z")]);
  });

  it("moves with the history: the Vast.ai median at its 2026-10-19 reading", async function () {
    const quotes = read(await h100("2026-10-19T12:00:00Z"));
    expect(quotes["vast-ai"]).to.deep.equal([2_402400000000000000n, at("2026-10-19T00:00:00Z")]);
  });

  it("leaves out a constituent whose history has not started", async function () {
    const quotes = read(await h100("2026-08-20T00:00:00Z"));
    expect(Object.keys(quotes).sort()).to.deep.equal(["jarvislabs", "runpod-community", "runpod-secure"]);
  });

  it("is a source error before the first row", async function () {
    expect(errorOf(await h100("2026-06-01T00:00:00Z"))).to.equal(
      "source h100-replay: no row of data/replay/h100-hour.csv at or before 2026-06-01T00:00:00Z; it starts at 2026-06-21T00:00:00Z",
    );
  });

  it("reads the TOKEN-OUT basket", async function () {
    const outcome = await fetchSource(replay("data/replay/token-out.csv", { id: "token-out-replay", maxPrice: "1000" }), {
      now: at("2026-10-20T06:00:00Z"),
      unit: "USD per 1M output tokens",
    });
    const day = at("2026-10-20T00:00:00Z");
    expect(read(outcome)).to.deep.equal({
      "claude-sonnet-4.6": [15_000000000000000000n, day],
      "deepseek-v4-flash": [280000000000000000n, day],
      "gemini-3.5-flash": [9_000000000000000000n, day],
      "gpt-5.4": [15_000000000000000000n, day],
      "kimi-k2-thinking": [2_500000000000000000n, day],
      "qwen3.6-plus": [3_000000000000000000n, day],
    });
  });

  it("reads the Qwen3.8-27B providers on the day they were cited", async function () {
    const outcome = await fetchSource(replay("data/replay/qwen3.8-27b-out.csv", { id: "qwen-replay" }), {
      now: at("2026-10-07T00:00:00Z"),
      unit: "USD per 1M Qwen3.8-27B output tokens",
    });
    const quotes = read(outcome);
    expect(Object.keys(quotes)).to.have.length(16);
    expect(quotes.cerebras).to.deep.equal([1_490000000000000000n, at("2026-10-07T00:00:00Z")]);
    expect(quotes.mancer).to.deep.equal([2_500000000000000000n, at("2026-10-07T00:00:00Z")]);
    expect(quotes.reka).to.deep.equal([4_350000000000000000n, at("2026-10-07T00:00:00Z")]);
  });
});

describe("sources: replay (bad files)", function () {
  let dir: string;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "cfx-replay-"));
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  async function fetchFile(name: string, text: string): Promise<SourceOutcome> {
    await writeFile(join(dir, name), text);
    return fetchSource(replay(name), { now: at("2026-12-01T00:00:00Z"), unit: "USD per GPU-hour", baseDir: dir });
  }

  it("accepts times to the second and ignores extra columns", async function () {
    const text = "time,constituent,price,note\n2026-10-01T08:30:00Z,lambda,3.99,posted\n2026-10-01T09:30:00Z,lambda,3.89,cut\n";
    expect(read(await fetchFile("seconds.csv", text))).to.deep.equal({ lambda: [3_890000000000000000n, at("2026-10-01T09:30:00Z")] });
  });

  it("refuses a constituent's row that goes back in time, naming file and line", async function () {
    const text = "time,constituent,price\n2026-10-02,lambda,3.99\n2026-10-02,nebius,3.85\n2026-10-01,lambda,3.89\n";
    expect(errorOf(await fetchFile("order.csv", text))).to.equal(
      "source h100-replay: a bad row: order.csv:4: time 2026-10-01 of lambda is not after its row at order.csv:2",
    );
  });

  it("refuses two rows of one constituent at the same time", async function () {
    const text = "time,constituent,price\n2026-10-02,lambda,3.99\n2026-10-02,lambda,3.89\n";
    expect(errorOf(await fetchFile("twice.csv", text))).to.match(/^source h100-replay: a bad row: twice\.csv:3: time 2026-10-02 of lambda is not after/);
  });

  it("refuses unix seconds: times are ISO 8601 UTC", async function () {
    const text = "time,constituent,price\n1790000000,lambda,3.99\n";
    expect(errorOf(await fetchFile("unix.csv", text))).to.match(/^source h100-replay: a bad row: unix\.csv:2: time: "1790000000" is not an ISO 8601 UTC date/);
  });

  it("refuses a time with an offset", async function () {
    const text = "time,constituent,price\n2026-10-01T08:30:00+02:00,lambda,3.99\n";
    expect(errorOf(await fetchFile("offset.csv", text))).to.match(/offset\.csv:2: time: .* is not an ISO 8601 UTC date/);
  });

  it("refuses zero, negative and non-numeric prices, naming each line", async function () {
    const text = "time,constituent,price\n2026-10-01,lambda,0\n2026-10-01,nebius,-1\n2026-10-01,crusoe,n/a\n2026-10-01,akash,2.71\n";
    expect(errorOf(await fetchFile("prices.csv", text))).to.match(
      /^source h100-replay: 3 bad rows: prices\.csv:2: price "0": zero price; prices\.csv:3: price: invalid decimal "-1": negative; prices\.csv:4: price: invalid decimal "n\/a"/,
    );
  });

  it("refuses a file without a time column, naming the rows", async function () {
    const text = "date,constituent,price\n2026-10-01,lambda,3.99\n";
    expect(errorOf(await fetchFile("columns.csv", text))).to.equal(
      "source h100-replay: a bad row: columns.csv:2: time: Invalid input: expected string, received undefined",
    );
  });

  it("refuses a replay that is not a CSV file", async function () {
    expect(errorOf(await fetchFile("history.json", "{}"))).to.equal("source h100-replay: history.json: a replay is a .csv file");
  });

  it("is a source error for an empty file", async function () {
    expect(errorOf(await fetchFile("empty.csv", ""))).to.equal("source h100-replay: empty.csv: empty file (no header line)");
  });

  it("is a source error for a header without rows", async function () {
    expect(errorOf(await fetchFile("header.csv", "time,constituent,price\n"))).to.equal(
      "source h100-replay: no row of header.csv at or before 2026-12-01T00:00:00Z; it has no rows",
    );
  });
});
