/**
 * The shipped data (data/): the replays follow the construction data/README.md states (cited
 * rows carry their URL; interpolated and carried rows are computed from the cited ones exactly
 * as described), the files agree with each other, and every launch feed's configured sources,
 * pointed at the shipped snapshots, price every constituent of the feed.
 */
import { readdirSync, readFileSync } from "node:fs";

import { expect } from "chai";
import { parse as parseYaml } from "yaml";

import { parseWad, PER_MILLION } from "../../src/index/decimal.js";
import { fetchSource, SourceConfigSchema, type SourceConfig } from "../../src/index/sources/index.js";
import { file, startPriceServer, type PriceServer } from "../helpers/priceServers.js";

const DAY = 86_400;
const at = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 1000;
/** The daily window every replay covers (data/README.md). */
const WINDOW = { first: at("2026-10-12"), last: at("2026-11-09") };

interface Row {
  line: number;
  time: number;
  constituent: string;
  price: bigint;
  basis: string;
  url: string;
}

/** The rows of a shipped replay (plain CSV without quoted fields), checked by a reader independent of the adapter. */
function replayRows(path: string): Row[] {
  const [header, ...lines] = readFileSync(path, "utf8").trimEnd().split("\n");
  expect(header).to.equal("time,constituent,price,basis,source_url");
  return lines.map((line, i) => {
    const [time, constituent, price, basis, url] = line.split(",") as [string, string, string, string, string];
    return { line: i + 2, time: at(time), constituent, price: parseWad(price), basis, url };
  });
}

function byConstituent(rows: Row[]): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) groups.set(row.constituent, [...(groups.get(row.constituent) ?? []), row]);
  return groups;
}

/** floor(x * 1e4) / 1e4 in WAD. */
const floor4 = (wad: bigint) => (wad / 10n ** 14n) * 10n ** 14n;

const REPLAYS = [
  { path: "data/replay/h100-hour.csv", mode: "linear", feed: "config/feeds/h100-hour.yaml" },
  { path: "data/replay/token-out.csv", mode: "step", feed: "config/feeds/token-out.yaml" },
  { path: "data/replay/qwen3.8-27b-out.csv", mode: "step", feed: "config/feeds/qwen3.8-27b-out.yaml" },
] as const;

function feedConstituents(path: string): string[] {
  const feed = parseYaml(readFileSync(path, "utf8")) as { constituents: { id: string }[] };
  return feed.constituents.map((c) => c.id).sort();
}

describe("data: replay construction", function () {
  for (const { path, mode, feed } of REPLAYS) {
    describe(path, function () {
      const rows = replayRows(path);
      const groups = byConstituent(rows);

      it("gives a URL to every cited row and to no derived row", function () {
        for (const row of rows) {
          expect(["cited", "interpolated", "carried"], `line ${row.line}`).to.include(row.basis);
          if (row.basis === "cited") expect(row.url, `line ${row.line}`).to.match(/^https:\/\//);
          else expect(row.url, `line ${row.line}`).to.equal("");
        }
      });

      it(`computes every derived row from the cited ones (${mode === "linear" ? "linear interpolation, rounded down to 4 decimals, then carried" : "carried forward: list prices change in steps"})`, function () {
        for (const [constituent, series] of groups) {
          const cited = series.filter((r) => r.basis === "cited");
          expect(cited.length, constituent).to.be.above(0);
          for (const row of series.filter((r) => r.basis !== "cited")) {
            const before = cited.filter((c) => c.time < row.time).at(-1);
            const after = cited.find((c) => c.time > row.time);
            expect(before, `line ${row.line}: a derived row before the first cited one`).not.to.equal(undefined);
            if (mode === "linear" && after !== undefined) {
              expect(row.basis, `line ${row.line}`).to.equal("interpolated");
              // v = a + (b - a) x dt / span, exactly as the fraction numerator / span (positive, so
              // bigint division rounds it down), then down to 4 decimals.
              const span = BigInt(after.time - before!.time);
              const numerator = before!.price * span + (after.price - before!.price) * BigInt(row.time - before!.time);
              expect(row.price, `line ${row.line}`).to.equal(floor4(numerator / span));
            } else {
              expect(row.basis, `line ${row.line}`).to.equal("carried");
              expect(row.price, `line ${row.line}`).to.equal(before!.price);
            }
          }
        }
      });

      it("has a row for every constituent on every day of the window", function () {
        for (const [constituent, series] of groups) {
          const days = new Set(series.map((r) => r.time));
          for (let t = WINDOW.first; t <= WINDOW.last; t += DAY) expect(days.has(t), `${constituent} on ${new Date(t * 1000).toISOString()}`).to.equal(true);
        }
      });

      it(`names exactly the constituents of ${feed}`, function () {
        expect([...groups.keys()].sort()).to.deep.equal(feedConstituents(feed));
      });

      it("stays small", function () {
        expect(rows.length).to.be.below(500);
      });
    });
  }
});

describe("data: the files agree with each other", function () {
  it("the H100 sheet's price of each provider is a cited row of the H100 replay on the same date", function () {
    const cited = replayRows("data/replay/h100-hour.csv").filter((r) => r.basis === "cited");
    const [, ...lines] = readFileSync("data/sheets/h100-ondemand.csv", "utf8").trimEnd().split("\n");
    let checked = 0;
    for (const line of lines) {
      const [constituent, , segment, price, observedAt] = line.split(",") as string[];
      if (segment === "hyperscaler") continue;
      const match = cited.find((r) => r.constituent === constituent && r.time === at(observedAt!));
      expect(match?.price, constituent).to.equal(parseWad(price!));
      checked++;
    }
    expect(checked).to.equal(12);
  });

  it("the sheet's Vast.ai price is the median of the snapshot's verified, rentable 1-GPU H100 SXM offers", function () {
    const { offers } = JSON.parse(readFileSync("data/snapshots/vast-offers-h100-2026-10-19.json", "utf8")) as {
      offers: { gpu_name: string; num_gpus: number; dph_total: number; verified: boolean; rentable: boolean; reliability: number }[];
    };
    const single = offers
      .filter((o) => o.gpu_name === "H100 SXM" && o.num_gpus === 1 && o.verified && o.rentable && o.reliability >= 0.95)
      .map((o) => parseWad(String(o.dph_total)))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(single).to.have.length(4);
    expect((single[1]! + single[2]!) / 2n).to.equal(2_402400000000000000n); // 2.4024, silybench-data 2026-10-19
  });

  it("the Qwen3.8-27B replay starts at the endpoint snapshot's prices", function () {
    const { data } = JSON.parse(readFileSync("data/snapshots/openrouter-endpoints-qwen3.8-27b-2026-10-07.json", "utf8")) as {
      data: { endpoints: { provider_name: string; quantization: string | null; pricing: { completion: string } }[] };
    };
    const cited = replayRows("data/replay/qwen3.8-27b-out.csv").filter((r) => r.time === at("2026-10-07"));
    const fromSnapshot = data.endpoints
      .filter((e) => e.quantization !== "fp4")
      .map((e) => parseWad(e.pricing.completion, PER_MILLION))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const fromReplay = cited.map((r) => r.price).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(fromReplay).to.deep.equal(fromSnapshot);
  });
});

describe("data: every launch feed's sources price its constituents from the shipped data", function () {
  const SNAPSHOTS: Record<string, string> = {
    "openrouter-models": "data/snapshots/openrouter-models-2026-11-05.json",
    "openrouter-endpoints": "data/snapshots/openrouter-endpoints-qwen3.8-27b-2026-10-07.json",
    "gpu-offers": "data/snapshots/vast-offers-h100-2026-10-19.json",
  };
  const NOW = at("2026-11-09") + 12 * 3600;
  let server: PriceServer;

  before(async function () {
    server = await startPriceServer(Object.fromEntries(Object.entries(SNAPSHOTS).map(([kind, path]) => [`/${kind}`, file(path)])));
  });

  after(async function () {
    await server.stop();
  });

  const feeds = readdirSync("config/feeds").filter((name) => name.endsWith(".yaml")).sort();

  it("ships a feed config for each launch feed", function () {
    expect(feeds).to.include.members(["h100-hour.yaml", "token-out.yaml", "qwen3.8-27b-out.yaml"]);
  });

  for (const name of feeds) {
    it(`config/feeds/${name}: every source answers and every constituent gets a quote`, async function () {
      const feed = parseYaml(readFileSync(`config/feeds/${name}`, "utf8")) as { unit: string; constituents: { id: string }[]; sources: unknown[] };
      const priced = new Set<string>();
      for (const raw of feed.sources) {
        const source: SourceConfig = SourceConfigSchema.parse(raw);
        const local = "url" in source ? { ...source, url: server.url(`/${source.kind}`) } : source;
        const outcome = await fetchSource(local as SourceConfig, { now: NOW, unit: feed.unit });
        expect(outcome.ok, outcome.ok ? "" : outcome.error).to.equal(true);
        if (outcome.ok) for (const quote of outcome.quotes) priced.add(quote.constituent);
      }
      const missing = feed.constituents.map((c) => c.id).filter((id) => !priced.has(id));
      expect(missing, "constituents without a quote").to.deep.equal([]);
    });
  }
});
