/**
 * The OpenRouter adapters against a local server: the model list (`openrouter-models`) and one
 * model's per-provider endpoints (`openrouter-endpoints`), from the shipped snapshots and from
 * hand-written bodies with bad prices. Expected values are the snapshot strings x 1e6, in WAD:
 * "0.00000022" USD per token = 0.22 USD per 1M tokens = 220000000000000000n.
 */
import { expect } from "chai";

import {
  fetchSource,
  OpenRouterModelsSource,
  type OpenRouterEndpointsConfig,
  type OpenRouterModelsConfig,
  type SourceOutcome,
} from "../../src/index/sources/index.js";
import { file, json, startPriceServer, type PriceServer } from "../helpers/priceServers.js";

const MODELS_SNAPSHOT = "data/snapshots/openrouter-models-2026-11-05.json";
const ENDPOINTS_SNAPSHOT = "data/snapshots/openrouter-endpoints-qwen3.8-27b-2026-10-07.json";
const MODELS = "/api/v1/models";
const ENDPOINTS = "/api/v1/models/qwen/qwen3.8-27b/endpoints";
const NOW = 1_794_268_800; // 2026-11-10T00:00:00Z
const UNIT = "USD per 1M output tokens";
const ctx = { now: NOW, unit: UNIT };
const limits = { timeoutMs: 1_000, retries: 0, backoffMs: 0, maxBytes: 1_000_000 };

/** The TOKEN-OUT basket's model map (config/feeds/token-out.yaml). */
const BASKET = {
  "deepseek-v4-flash": "deepseek/deepseek-v4-flash",
  "claude-sonnet-4.6": "anthropic/claude-sonnet-4.6",
  "gpt-5.4": "openai/gpt-5.4",
  "gemini-3.5-flash": "google/gemini-3.5-flash",
  "qwen3.6-plus": "qwen/qwen3.6-plus",
  "kimi-k2-thinking": "moonshotai/kimi-k2-thinking",
};

function modelsSource(url: string, models: Record<string, string>, extra: Partial<OpenRouterModelsConfig> = {}): OpenRouterModelsConfig {
  return { id: "openrouter-models", kind: "openrouter-models", quoteKind: "firm", url, models, maxPrice: "1000", ...limits, ...extra };
}

function endpointsSource(url: string, providers: Record<string, string>): OpenRouterEndpointsConfig {
  return { id: "openrouter-endpoints", kind: "openrouter-endpoints", quoteKind: "firm", url, providers, maxPrice: "1000", ...limits };
}

/** constituent -> price of an outcome's quotes. */
function prices(outcome: SourceOutcome): Record<string, bigint> {
  expect(outcome.ok, outcome.ok ? "" : outcome.error).to.equal(true);
  return outcome.ok ? Object.fromEntries(outcome.quotes.map((q) => [q.constituent, q.price])) : {};
}

/** A model list with one model priced `completion` (and `discount`). */
function oneModel(completion: unknown, discount?: number): unknown {
  const pricing = discount === undefined ? { prompt: "0", completion } : { prompt: "0", completion, discount };
  return { data: [{ id: "acme/model", pricing }, { id: "acme/ok", pricing: { prompt: "0", completion: "0.000001" } }] };
}

describe("sources: openrouter-models", function () {
  let server: PriceServer;

  before(async function () {
    server = await startPriceServer({ [MODELS]: file(MODELS_SNAPSHOT) });
  });

  after(async function () {
    await server.stop();
  });

  it("prices the TOKEN-OUT basket from the shipped model list, in USD per 1M output tokens", async function () {
    const outcome = await fetchSource(modelsSource(server.url(MODELS), BASKET), ctx);
    expect(prices(outcome)).to.deep.equal({
      "claude-sonnet-4.6": 15_000000000000000000n, // "0.000015"
      "deepseek-v4-flash": 280000000000000000n, // "0.00000028"
      "gemini-3.5-flash": 9_000000000000000000n, // "0.000009"
      "gpt-5.4": 15_000000000000000000n, // "0.000015"
      "kimi-k2-thinking": 2_500000000000000000n, // "0.0000025"
      "qwen3.6-plus": 3_000000000000000000n, // "0.000003"
    });
    expect(outcome.rejected).to.deep.equal([]);
  });

  it("stamps every quote with the source, the feed's unit, the configured kind and the round's time", async function () {
    const outcome = await fetchSource(modelsSource(server.url(MODELS), { "qwen3-14b": "qwen/qwen3-14b" }, { quoteKind: "indicative" }), ctx);
    expect(outcome.ok && outcome.quotes).to.deep.equal([
      { source: "openrouter-models", constituent: "qwen3-14b", price: 220000000000000000n, unit: UNIT, kind: "indicative", observedAt: NOW },
    ]);
    expect(outcome.fetchedAt).to.equal(NOW);
  });

  it("rejects a model missing from the list and keeps the others", async function () {
    const outcome = await fetchSource(modelsSource(server.url(MODELS), { "gpt-5.4": "openai/gpt-5.4", gone: "acme/retired" }), ctx);
    expect(prices(outcome)).to.deep.equal({ "gpt-5.4": 15_000000000000000000n });
    expect(outcome.rejected).to.deep.equal([{ item: "model acme/retired", constituent: "gone", reason: "not in the model list" }]);
  });

  it("rejects the ':free' variant", async function () {
    const outcome = await fetchSource(modelsSource(server.url(MODELS), { free: "deepseek/deepseek-v4-flash:free", paid: "deepseek/deepseek-v4-flash" }), ctx);
    expect(prices(outcome)).to.deep.equal({ paid: 280000000000000000n });
    expect(outcome.rejected).to.deep.equal([
      { item: "model deepseek/deepseek-v4-flash:free", constituent: "free", reason: "a ':free' variant has no price to index" },
    ]);
  });

  it("refuses a ':free' model in the config at load, naming the field", function () {
    const parsed = OpenRouterModelsSource.safeParse({
      id: "or", kind: "openrouter-models", quoteKind: "firm", url: "https://openrouter.ai/api/v1/models",
      models: { free: "deepseek/deepseek-v4-flash:free" },
    });
    expect(parsed.success).to.equal(false);
    expect(parsed.error?.issues[0]?.path).to.deep.equal(["models", "free"]);
  });

  it("rejects the router's negative placeholder price", async function () {
    const outcome = await fetchSource(modelsSource(server.url(MODELS), { auto: "openrouter/auto", "gpt-5.4": "openai/gpt-5.4" }), ctx);
    expect(outcome.ok).to.equal(true);
    expect(outcome.rejected).to.have.length(1);
    expect(outcome.rejected[0]!.reason).to.equal('completion: invalid decimal "-1": negative');
  });

  it("is a source error naming the rejections when no configured model is usable", async function () {
    const outcome = await fetchSource(modelsSource(server.url(MODELS), { auto: "openrouter/auto", gone: "acme/retired" }), ctx);
    expect(outcome.ok).to.equal(false);
    expect(outcome.ok ? "" : outcome.error).to.equal(
      'source openrouter-models: no usable quote (model openrouter/auto: completion: invalid decimal "-1": negative; model acme/retired: not in the model list)',
    );
  });
});

describe("sources: openrouter-models price checks", function () {
  let server: PriceServer;

  before(async function () {
    server = await startPriceServer();
  });

  after(async function () {
    await server.stop();
  });

  async function priceOf(body: unknown, maxPrice = "1000"): Promise<SourceOutcome> {
    server.set(MODELS, json(body));
    return fetchSource(modelsSource(server.url(MODELS), { m: "acme/model", ok: "acme/ok" }, { maxPrice }), ctx);
  }

  function expectRejected(outcome: SourceOutcome, reason: string | RegExp): void {
    expect(prices(outcome)).to.deep.equal({ ok: 1_000000000000000000n });
    expect(outcome.rejected).to.have.length(1);
    expect(outcome.rejected[0]!.item).to.equal("model acme/model");
    expect(outcome.rejected[0]!.constituent).to.equal("m");
    if (typeof reason === "string") expect(outcome.rejected[0]!.reason).to.equal(reason);
    else expect(outcome.rejected[0]!.reason).to.match(reason);
  }

  it("rejects a zero price", async function () {
    expectRejected(await priceOf(oneModel("0")), 'completion "0": zero price per 1M tokens');
  });

  it("rejects a negative price", async function () {
    expectRejected(await priceOf(oneModel("-0.000001")), 'completion: invalid decimal "-0.000001": negative');
  });

  it("rejects a non-numeric price", async function () {
    expectRejected(await priceOf(oneModel("abc")), /^completion: invalid decimal "abc": expected digits/);
  });

  it("rejects a NaN price string", async function () {
    expectRejected(await priceOf(oneModel("NaN")), /^completion: invalid decimal "NaN"/);
  });

  it("rejects a price sent as a JSON number instead of a decimal string", async function () {
    expectRejected(await priceOf(oneModel(0.000001)), "malformed pricing: pricing.completion: Invalid input: expected string, received number");
  });

  it("rejects a model without pricing", async function () {
    expectRejected(await priceOf({ data: [{ id: "acme/model" }, { id: "acme/ok", pricing: { completion: "0.000001" } }] }), /^malformed pricing: pricing: /);
  });

  it("rejects an absurd price above maxPrice", async function () {
    // 0.01 USD per token = 10000 USD per 1M tokens
    expectRejected(await priceOf(oneModel("0.01")), 'completion "0.01": absurd price 10000 above maxPrice 1000 per 1M tokens');
  });

  it("rejects a price finer than WAD per 1M tokens instead of rounding it", async function () {
    expectRejected(await priceOf(oneModel("0.0000000000000000000000001")), /^completion: invalid decimal .*not exact in WAD/);
  });

  it("rejects a model listed twice", async function () {
    const entry = { id: "acme/model", pricing: { completion: "0.000002" } };
    expectRejected(await priceOf({ data: [entry, entry, { id: "acme/ok", pricing: { completion: "0.000001" } }] }), "listed 2 times");
  });

  it("applies a discount exactly", async function () {
    // 3 USD per 1M x (1 - 0.1) = 2.7 USD per 1M
    const outcome = await priceOf(oneModel("0.000003", 0.1));
    expect(prices(outcome)).to.deep.equal({ m: 2_700000000000000000n, ok: 1_000000000000000000n });
  });

  it("rounds a discounted price down to 1e-18 USD", async function () {
    // 3e-24 USD per token = 3 wei per 1M tokens; x (1 - 0.5) = 1.5 wei -> 1 wei
    const outcome = await priceOf(oneModel("0.000000000000000000000003", 0.5));
    expect(prices(outcome)).to.deep.equal({ m: 1n, ok: 1_000000000000000000n });
  });

  it("rejects a discount above 1", async function () {
    expectRejected(await priceOf(oneModel("0.000003", 1.5)), "completion: discount 1.5 is not a fraction in [0, 1]");
  });

  it("rejects a negative discount", async function () {
    expectRejected(await priceOf(oneModel("0.000003", -0.1)), 'completion: invalid decimal "-0.1": negative');
  });

  it("is a source error when the answer is not a model list", async function () {
    const outcome = await priceOf({ data: { id: "acme/model" } });
    expect(outcome.ok ? "" : outcome.error).to.equal(
      "source openrouter-models: answer is not an OpenRouter model list: data: Invalid input: expected array, received object",
    );
  });
});

describe("sources: openrouter-endpoints", function () {
  let server: PriceServer;

  /** The QWEN3.8-27B-OUT providers map (config/feeds/qwen3.8-27b-out.yaml): the fp4 endpoints are left out. */
  const PROVIDERS = {
    Cerebras: "cerebras", DeepInfra: "deepinfra", Phala: "phala", AkashML: "akashml", Chutes: "chutes",
    Parasail: "parasail", Ionstream: "ionstream", "Mancer 2": "mancer", Alibaba: "alibaba", CoreWeave: "coreweave",
    DekaLLM: "dekallm", Novita: "novita", Cloudflare: "cloudflare", Venice: "venice", Reka: "reka", Wafer: "wafer",
  };

  before(async function () {
    server = await startPriceServer({ [ENDPOINTS]: file(ENDPOINTS_SNAPSHOT) });
  });

  after(async function () {
    await server.stop();
  });

  it("quotes every mapped provider of the shipped snapshot, in USD per 1M output tokens", async function () {
    const outcome = await fetchSource(endpointsSource(server.url(ENDPOINTS), PROVIDERS), ctx);
    expect(prices(outcome)).to.deep.equal({
      cerebras: 1_490000000000000000n, // "0.00000149"
      deepinfra: 1_875000000000000000n, // "0.000001875"
      phala: 1_875000000000000000n,
      akashml: 1_980000000000000000n, // "0.00000198"
      chutes: 2_200000000000000000n, // "0.0000022"
      parasail: 2_200000000000000000n,
      ionstream: 2_350000000000000000n, // "0.00000235"
      mancer: 2_500000000000000000n, // "0.0000025"
      alibaba: 2_550000000000000000n, // "0.00000255"
      coreweave: 3_000000000000000000n, // "0.000003"
      dekallm: 3_000000000000000000n,
      novita: 3_000000000000000000n,
      cloudflare: 3_200000000000000000n, // "0.0000032"
      venice: 3_200000000000000000n,
      reka: 4_350000000000000000n, // "0.00000435"
      wafer: 4_350000000000000000n,
    });
  });

  it("reports the unmapped providers", async function () {
    const outcome = await fetchSource(endpointsSource(server.url(ENDPOINTS), PROVIDERS), ctx);
    expect(outcome.rejected).to.deep.equal([
      { item: "endpoint Darkbloom (darkbloom/fp4)", reason: "provider not in the providers map" },
      { item: "endpoint ModelRun (modelrun/fp4)", reason: "provider not in the providers map" },
    ]);
  });

  it("looks an endpoint's tag up before its provider name", async function () {
    const outcome = await fetchSource(endpointsSource(server.url(ENDPOINTS), { "deepinfra/bf16": "deepinfra-bf16", DeepInfra: "deepinfra" }), ctx);
    expect(prices(outcome)).to.deep.equal({ "deepinfra-bf16": 1_875000000000000000n });
  });

  it("rejects both endpoints of a provider mapped by name only, as ambiguous", async function () {
    server.set("/two", json({
      data: {
        id: "acme/model",
        endpoints: [
          { provider_name: "DeepInfra", tag: "deepinfra/fp8", quantization: "fp8", pricing: { completion: "0.000001" } },
          { provider_name: "DeepInfra", tag: "deepinfra/turbo", quantization: "fp4", pricing: { completion: "0.0000005" } },
          { provider_name: "Groq", tag: "groq", quantization: null, pricing: { completion: "0.0000008" } },
        ],
      },
    }));
    const outcome = await fetchSource(endpointsSource(server.url("/two"), { DeepInfra: "deepinfra", Groq: "groq" }), ctx);
    expect(prices(outcome)).to.deep.equal({ groq: 800000000000000000n });
    expect(outcome.rejected.map((r) => r.item)).to.deep.equal(["endpoint DeepInfra (deepinfra/fp8)", "endpoint DeepInfra (deepinfra/turbo)"]);
    expect(outcome.rejected[0]!.reason).to.equal("ambiguous: 2 endpoints map to deepinfra (map them by tag)");
  });

  it("rejects a malformed endpoint and a zero-priced one, keeping the rest", async function () {
    server.set("/bad", json({
      data: {
        id: "acme/model",
        endpoints: [
          { provider_name: "Broken", tag: "broken" },
          { provider_name: "Free", tag: "free", pricing: { completion: "0" } },
          { provider_name: "Groq", tag: "groq", pricing: { completion: "0.0000008" } },
        ],
      },
    }));
    const outcome = await fetchSource(endpointsSource(server.url("/bad"), { Broken: "broken", Free: "free", Groq: "groq" }), ctx);
    expect(prices(outcome)).to.deep.equal({ groq: 800000000000000000n });
    expect(outcome.rejected).to.deep.equal([
      { item: "endpoint #0", reason: "malformed: pricing: Invalid input: expected object, received undefined" },
      { item: "endpoint Free (free)", constituent: "free", reason: 'completion "0": zero price per 1M tokens' },
    ]);
  });

  it("is a source error when the answer is not an endpoint list", async function () {
    server.set("/list", json({ data: [{ id: "acme/model" }] }));
    const outcome = await fetchSource(endpointsSource(server.url("/list"), PROVIDERS), ctx);
    expect(outcome.ok ? "" : outcome.error).to.match(/^source openrouter-endpoints: answer is not an OpenRouter endpoint list: data: /);
  });
});
