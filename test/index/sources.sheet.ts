/**
 * The `price-sheet` adapter: the shipped H100 and token list-price sheets, the same rows as JSON
 * and YAML, the segment filter, rows dated after the round, and bad rows (an error naming file
 * and line).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { fetchSource, type PriceSheetConfig, type SourceOutcome } from "../../src/index/sources/index.js";

const NOW = 1_794_268_800; // 2026-11-10T00:00:00Z
const UNIT = "USD per H100-80GB SXM on-demand GPU-hour";
const day = (year: number, month: number, date: number) => Date.UTC(year, month - 1, date) / 1000;

function sheet(path: string, extra: Partial<PriceSheetConfig> = {}): PriceSheetConfig {
  return { id: "h100-sheet", kind: "price-sheet", quoteKind: "firm", path, maxPrice: "100", ...extra };
}

function prices(outcome: SourceOutcome): Record<string, bigint> {
  expect(outcome.ok, outcome.ok ? "" : outcome.error).to.equal(true);
  return outcome.ok ? Object.fromEntries(outcome.quotes.map((q) => [q.constituent, q.price])) : {};
}

function errorOf(outcome: SourceOutcome): string {
  expect(outcome.ok, "the source must fail").to.equal(false);
  return outcome.ok ? "" : outcome.error;
}

describe("sources: price-sheet (shipped sheets)", function () {
  const ctx = { now: NOW, unit: UNIT };

  it("reads the neocloud and marketplace rows of data/sheets/h100-ondemand.csv", async function () {
    const outcome = await fetchSource(sheet("data/sheets/h100-ondemand.csv", { segments: ["neocloud", "marketplace"] }), ctx);
    expect(prices(outcome)).to.deep.equal({
      lambda: 3_990000000000000000n,
      coreweave: 6_155000000000000000n,
      nebius: 3_850000000000000000n,
      crusoe: 3_900000000000000000n,
      hyperstack: 3_200000000000000000n,
      jarvislabs: 2_690000000000000000n,
      paperspace: 3_090000000000000000n,
      "runpod-secure": 3_990000000000000000n,
      openrelay: 2_600000000000000000n,
      "runpod-community": 2_690000000000000000n,
      "vast-ai": 2_402400000000000000n,
      akash: 2_710000000000000000n,
    });
  });

  it("keeps the hyperscalers apart in their own segment", async function () {
    const outcome = await fetchSource(sheet("data/sheets/h100-ondemand.csv", { segments: ["hyperscaler"] }), ctx);
    expect(prices(outcome)).to.deep.equal({
      aws: 6_880000000000000000n,
      azure: 12_290000000000000000n,
      "google-cloud": 10_979100000000000000n,
    });
  });

  it("dates each quote by its observedAt cell and stamps the configured kind and the feed's unit", async function () {
    const outcome = await fetchSource(sheet("data/sheets/h100-ondemand.csv", { segments: ["marketplace"], quoteKind: "indicative" }), ctx);
    expect(outcome.ok && outcome.quotes.find((q) => q.constituent === "vast-ai")).to.deep.equal({
      source: "h100-sheet",
      constituent: "vast-ai",
      price: 2_402400000000000000n,
      unit: UNIT,
      kind: "indicative",
      observedAt: day(2026, 10, 19),
    });
  });

  it("reads every row without a segment filter", async function () {
    const outcome = await fetchSource(sheet("data/sheets/h100-ondemand.csv"), ctx);
    expect(Object.keys(prices(outcome))).to.have.length(15);
  });

  it("rejects, and lists, rows observed after the round's time", async function () {
    const outcome = await fetchSource(sheet("data/sheets/h100-ondemand.csv", { segments: ["marketplace"] }), { ...ctx, now: day(2026, 10, 1) });
    expect(prices(outcome)).to.deep.equal({ akash: 2_710000000000000000n });
    expect(outcome.rejected).to.deep.equal([
      {
        item: "data/sheets/h100-ondemand.csv:14",
        constituent: "runpod-community",
        reason: "observed at 2026-11-09, after the round's time 2026-10-01T00:00:00Z",
      },
      {
        item: "data/sheets/h100-ondemand.csv:15",
        constituent: "vast-ai",
        reason: "observed at 2026-10-19, after the round's time 2026-10-01T00:00:00Z",
      },
    ]);
  });

  it("reads the TOKEN-OUT basket's list prices from data/sheets/token-list-prices.csv", async function () {
    const outcome = await fetchSource(sheet("data/sheets/token-list-prices.csv", { id: "token-list-sheet", maxPrice: "1000" }), {
      now: NOW,
      unit: "USD per 1M output tokens",
    });
    expect(prices(outcome)).to.deep.equal({
      "deepseek-v4-flash": 280000000000000000n,
      "claude-sonnet-4.6": 15_000000000000000000n,
      "gpt-5.4": 15_000000000000000000n,
      "gemini-3.5-flash": 9_000000000000000000n,
      "qwen3.6-plus": 3_000000000000000000n,
      "kimi-k2-thinking": 2_500000000000000000n,
    });
  });
});

describe("sources: price-sheet formats and bad rows", function () {
  let dir: string;
  const ctx = () => ({ now: NOW, unit: UNIT, baseDir: dir });

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "cfx-sheet-"));
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  async function fetchFile(name: string, text: string, extra: Partial<PriceSheetConfig> = {}): Promise<SourceOutcome> {
    await writeFile(join(dir, name), text);
    return fetchSource(sheet(name, extra), ctx());
  }

  const CSV_HEADER = "constituent,segment,price,observedAt,source_url\n";

  it("reads a JSON sheet, with prices as strings or numbers", async function () {
    const rows = [
      { constituent: "lambda", price: "3.99", observedAt: "2026-09-25" },
      { constituent: "nebius", price: 3.85, observedAt: "2026-09-25T12:00:00Z", source_url: "https://nebius.com/prices" },
    ];
    const outcome = await fetchFile("sheet.json", JSON.stringify({ rows }));
    expect(prices(outcome)).to.deep.equal({ lambda: 3_990000000000000000n, nebius: 3_850000000000000000n });
    expect(outcome.ok && outcome.quotes[1]!.observedAt).to.equal(day(2026, 9, 25) + 12 * 3600);
  });

  it("reads a YAML sheet, taking an unquoted price as its exact text", async function () {
    const yaml = "rows:\n  - constituent: lambda\n    price: 3.99\n    observedAt: 2026-09-25\n  - constituent: crusoe\n    price: '3.9'\n    observedAt: 2026-09-20\n";
    const outcome = await fetchFile("sheet.yaml", yaml);
    expect(prices(outcome)).to.deep.equal({ lambda: 3_990000000000000000n, crusoe: 3_900000000000000000n });
  });

  it("names the YAML line of a bad row", async function () {
    const yaml = "rows:\n  - constituent: lambda\n    price: 3.99\n    observedAt: 2026-09-25\n  - constituent: crusoe\n    price: free\n    observedAt: 2026-09-20\n";
    const error = errorOf(await fetchFile("bad.yml", yaml));
    expect(error).to.match(/^source h100-sheet: a bad row: bad\.yml:5: price: invalid decimal "free"/);
  });

  it("refuses a YAML row that is not a map, naming its line", async function () {
    const error = errorOf(await fetchFile("list.yaml", "rows:\n  - constituent: lambda\n    price: 3.99\n    observedAt: 2026-09-25\n  - just text\n"));
    expect(error).to.equal("source h100-sheet: list.yaml:5: a row is not a map");
  });

  it("refuses a file that is not YAML, naming the line", async function () {
    const error = errorOf(await fetchFile("broken.yaml", "rows:\n  - constituent: lambda\n   price: [3.99\n"));
    expect(error).to.match(/^source h100-sheet: broken\.yaml:\d+: not YAML \(/);
  });

  it("names the JSON row of a bad row", async function () {
    const rows = [{ constituent: "lambda", price: "3.99", observedAt: "2026-09-25" }, { constituent: "nebius", price: "0", observedAt: "2026-09-25" }];
    const error = errorOf(await fetchFile("bad.json", JSON.stringify({ rows })));
    expect(error).to.equal('source h100-sheet: a bad row: bad.json rows[1]: price "0": zero price');
  });

  it("refuses a JSON sheet without a rows array", async function () {
    const error = errorOf(await fetchFile("norows.json", JSON.stringify([{ constituent: "lambda" }])));
    expect(error).to.equal('source h100-sheet: norows.json: expected an object with a "rows" array');
  });

  const badRows: [string, string, string][] = [
    ["a non-numeric price", "lambda,neocloud,abc,2026-09-25,", 'bad.csv:3: price: invalid decimal "abc": expected digits'],
    ["a zero price", "lambda,neocloud,0,2026-09-25,", 'bad.csv:3: price "0": zero price'],
    ["a negative price", "lambda,neocloud,-3.99,2026-09-25,", 'bad.csv:3: price: invalid decimal "-3.99": negative'],
    ["an absurd price", "lambda,neocloud,399,2026-09-25,", 'bad.csv:3: price "399": absurd price 399 above maxPrice 100'],
    ["a price finer than WAD", "lambda,neocloud,3.9900000000000000001,2026-09-25,", "bad.csv:3: price: invalid decimal"],
    ["an impossible date", "lambda,neocloud,3.99,2026-02-30,", 'bad.csv:3: observedAt: "2026-02-30" is not a valid date or time'],
    ["unix seconds instead of an ISO date", "lambda,neocloud,3.99,1790000000,", 'bad.csv:3: observedAt: "1790000000" is not an ISO 8601 UTC date'],
    ["a missing constituent", ",neocloud,3.99,2026-09-25,", "bad.csv:3: constituent: Invalid input: expected string, received undefined"],
    ["an upper-case constituent", "Lambda,neocloud,3.99,2026-09-25,", "bad.csv:3: constituent: lower-case letters"],
    ["a missing price", "lambda,neocloud,,2026-09-25,", "bad.csv:3: price: Invalid input"],
    ["a malformed source_url", "lambda,neocloud,3.99,2026-09-25,see pricing page", "bad.csv:3: source_url: Invalid URL"],
    ["a duplicate constituent", "nebius,neocloud,3.85,2026-09-25,", "bad.csv:3: constituent nebius already priced at bad.csv:2"],
  ];
  for (const [what, line, message] of badRows) {
    it(`refuses the whole sheet for ${what}, naming file and line`, async function () {
      const text = `${CSV_HEADER}nebius,neocloud,3.85,2026-09-25,\n${line}\n`;
      const error = errorOf(await fetchFile("bad.csv", text));
      expect(error.startsWith(`source h100-sheet: a bad row: ${message}`), error).to.equal(true);
    });
  }

  it("refuses a row with fewer fields than the header, naming file and line", async function () {
    const error = errorOf(await fetchFile("short.csv", `${CSV_HEADER}nebius,neocloud,3.85,2026-09-25,\nlambda,neocloud,3.99\n`));
    expect(error).to.equal("source h100-sheet: short.csv:3: 3 fields, the header has 5");
  });

  it("counts and names several bad rows", async function () {
    const text = `${CSV_HEADER}lambda,neocloud,0,2026-09-25,\nnebius,neocloud,x,2026-09-25,\ncrusoe,neocloud,3.9,2026-09-20,\n`;
    const error = errorOf(await fetchFile("two.csv", text));
    expect(error).to.match(/^source h100-sheet: 2 bad rows: two\.csv:2: .*; two\.csv:3: /);
  });

  it("checks rows outside the selected segments too", async function () {
    const text = `${CSV_HEADER}lambda,neocloud,3.99,2026-09-25,\naws,hyperscaler,zero,2026-11-09,\n`;
    const error = errorOf(await fetchFile("segments.csv", text, { segments: ["neocloud"] }));
    expect(error).to.match(/^source h100-sheet: a bad row: segments\.csv:3: price: /);
  });

  it("names the line of an unterminated quote", async function () {
    const error = errorOf(await fetchFile("quote.csv", `${CSV_HEADER}lambda,neocloud,3.99,2026-09-25,"https://x\n`));
    expect(error).to.equal("source h100-sheet: quote.csv:2: unterminated quoted field");
  });

  it("refuses a header that names a column twice", async function () {
    const error = errorOf(await fetchFile("header.csv", "constituent,price,price,observedAt\n"));
    expect(error).to.equal("source h100-sheet: header.csv:1: column price appears twice in the header");
  });

  it("refuses an unknown file extension", async function () {
    const error = errorOf(await fetchFile("sheet.txt", CSV_HEADER));
    expect(error).to.equal("source h100-sheet: sheet.txt: unknown sheet format (expected .csv, .json, .yaml or .yml)");
  });

  it("is a source error naming the file when it does not exist", async function () {
    const outcome = await fetchSource(sheet("missing.csv"), ctx());
    expect(errorOf(outcome)).to.equal("source h100-sheet: cannot read missing.csv (ENOENT)");
  });

  it("is a source error when no row is in the selected segments", async function () {
    const outcome = await fetchFile("none.csv", `${CSV_HEADER}aws,hyperscaler,6.88,2026-11-09,\n`, { segments: ["neocloud"] });
    expect(errorOf(outcome)).to.equal("source h100-sheet: no usable row in none.csv in segments neocloud");
  });
});
