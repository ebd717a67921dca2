/**
 * The shipped feed configs (config/feeds/*.yaml) load and say what docs/methodology.md says.
 */
import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";

import { loadFeedConfig, loadFeedConfigs, type FeedConfig } from "../../src/index/config.js";
import { WAD, parseWad } from "../../src/index/decimal.js";
import { feedId } from "../../src/index/feed-id.js";

function byId(id: string): FeedConfig {
  const feed = loadFeedConfigs().find((candidate) => candidate.id === id);
  if (feed === undefined) expect.fail(`no feed ${id} in config/feeds`);
  return feed;
}

const sourceSummary = (feed: FeedConfig) =>
  feed.sources.map((source) => ({
    id: source.id,
    kind: source.kind,
    quoteKind: source.quoteKind,
    at: "path" in source ? source.path : source.url,
  }));

describe("config: shipped feeds", function () {
  it("loads every file under config/feeds, sorted by id", function () {
    expect(loadFeedConfigs().map((feed) => feed.id)).to.deep.equal(["H100-HOUR", "QWEN3.8-27B-OUT", "TOKEN-OUT"]);
  });

  it("names each file after its feed id", function () {
    expect(loadFeedConfig("config/feeds/h100-hour.yaml").id).to.equal("H100-HOUR");
    expect(loadFeedConfig("config/feeds/token-out.yaml").id).to.equal("TOKEN-OUT");
    expect(loadFeedConfig("config/feeds/qwen3.8-27b-out.yaml").id).to.equal("QWEN3.8-27B-OUT");
  });

  it("derives each on-chain id as keccak256 of the name", function () {
    for (const feed of loadFeedConfigs()) expect(feedId(feed.id)).to.equal(keccak256(toUtf8Bytes(feed.id)));
  });

  describe("H100-HOUR", function () {
    const feed = byId("H100-HOUR");

    it("is the equal-weight median of 12 neocloud and marketplace providers", function () {
      expect(feed).to.include({ unit: "USD per H100-80GB SXM on-demand GPU-hour", aggregation: "weighted-median", methodologyVersion: 1 });
      expect(feed.constituents.map((c) => c.id)).to.deep.equal([
        "lambda",
        "coreweave",
        "nebius",
        "crusoe",
        "hyperstack",
        "jarvislabs",
        "paperspace",
        "runpod-secure",
        "runpod-community",
        "vast-ai",
        "akash",
        "openrelay",
      ]);
      expect(feed.constituents.every((c) => c.weight === WAD)).to.equal(true);
    });

    it("reads the Vast.ai offers, the operator's sheet and the replay", function () {
      expect(sourceSummary(feed)).to.deep.equal([
        {
          id: "vast-offers",
          kind: "gpu-offers",
          quoteKind: "firm",
          at: "https://cloud.vast.ai/api/v0/bundles/?q=%7B%22gpu_name%22%3A%7B%22eq%22%3A%22H100%20SXM%22%7D%2C%22verified%22%3A%7B%22eq%22%3Atrue%7D%2C%22rentable%22%3A%7B%22eq%22%3Atrue%7D%2C%22type%22%3A%22on-demand%22%7D",
        },
        { id: "h100-sheet", kind: "price-sheet", quoteKind: "firm", at: "data/sheets/h100-ondemand.csv" },
        { id: "h100-replay", kind: "replay", quoteKind: "indicative", at: "data/replay/h100-hour.csv" },
      ]);
      expect(feed.sources[0]).to.deep.include({ constituent: "vast-ai", gpuName: "H100 SXM", minReliability: 0.95 });
    });

    it("has the documented limits and push policy", function () {
      expect(feed.limits).to.deep.equal({
        maxQuoteAgeSeconds: 172_800,
        maxClockSkewSeconds: 300,
        maxDeviationBps: 2_500,
        minSourcesPerConstituent: 1,
        minConstituents: 5,
      });
      expect(feed).to.include({ heartbeatSeconds: 3_600, deviationBps: 100 });
    });
  });

  describe("TOKEN-OUT", function () {
    const feed = byId("TOKEN-OUT");

    it("is the usage-weighted mean of six reference models", function () {
      expect(feed).to.include({ unit: "USD per 1M output tokens", aggregation: "weighted-mean" });
      expect(feed.constituents.map((c) => [c.id, c.weight])).to.deep.equal([
        ["deepseek-v4-flash", parseWad("0.1187")],
        ["claude-sonnet-4.6", parseWad("0.12")],
        ["gpt-5.4", parseWad("0.0253")],
        ["gemini-3.5-flash", parseWad("0.0253")],
        ["qwen3.6-plus", parseWad("0.0603")],
        ["kimi-k2-thinking", parseWad("0.0602")],
      ]);
      const total = feed.constituents.reduce((sum, c) => sum + c.weight, 0n);
      expect(total).to.equal(409_800_000_000_000_000n); // 0.4098 of the week's tokens
    });

    it("maps every model in OpenRouter's list and reads the developers' sheet and the replay", function () {
      expect(sourceSummary(feed)).to.deep.equal([
        { id: "openrouter-models", kind: "openrouter-models", quoteKind: "firm", at: "https://openrouter.ai/api/v1/models" },
        { id: "token-list-sheet", kind: "price-sheet", quoteKind: "firm", at: "data/sheets/token-list-prices.csv" },
        { id: "token-out-replay", kind: "replay", quoteKind: "indicative", at: "data/replay/token-out.csv" },
      ]);
      const models = feed.sources[0].kind === "openrouter-models" ? feed.sources[0].models : {};
      expect(Object.keys(models)).to.have.members(feed.constituents.map((c) => c.id));
    });

    it("needs the full basket", function () {
      expect(feed.limits.minConstituents).to.equal(feed.constituents.length);
      expect(feed.limits.maxDeviationBps).to.equal(2_000);
    });
  });

  describe("QWEN3.8-27B-OUT", function () {
    const feed = byId("QWEN3.8-27B-OUT");

    it("is the median across the 16 providers mapped from OpenRouter's endpoints, fp4 ones left out", function () {
      expect(feed).to.include({ unit: "USD per 1M Qwen3.8-27B output tokens", aggregation: "weighted-median" });
      expect(feed.constituents).to.have.length(16);
      expect(feed.constituents.every((c) => c.weight === WAD)).to.equal(true);
      const source = feed.sources[0];
      expect(source).to.deep.include({
        id: "openrouter-endpoints",
        kind: "openrouter-endpoints",
        quoteKind: "firm",
        url: "https://openrouter.ai/api/v1/models/qwen/qwen3.8-27b/endpoints",
      });
      const providers = source.kind === "openrouter-endpoints" ? source.providers : {};
      expect(Object.values(providers)).to.have.members(feed.constituents.map((c) => c.id));
      expect(Object.keys(providers)).to.not.include.members(["Darkbloom", "ModelRun"]);
      expect(sourceSummary(feed)[1]).to.deep.equal({
        id: "qwen3.8-27b-replay",
        kind: "replay",
        quoteKind: "indicative",
        at: "data/replay/qwen3.8-27b-out.csv",
      });
    });
  });
});
