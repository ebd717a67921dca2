/**
 * The source config schema (src/index/sources/schema.ts): defaults in one place, and a bad field
 * refused at load with its path.
 */
import { expect } from "chai";

import { SourceConfigSchema } from "../../src/index/sources/index.js";

const gpuOffers = {
  id: "vast-offers",
  kind: "gpu-offers",
  quoteKind: "firm",
  url: "https://cloud.vast.ai/api/v0/bundles/",
  constituent: "vast-ai",
  gpuName: "H100 SXM",
};

function issuePaths(input: unknown): string[] {
  const result = SourceConfigSchema.safeParse(input);
  expect(result.success, "the config must be refused").to.equal(false);
  return (result.error?.issues ?? []).map((issue) => issue.path.join("."));
}

describe("sources: config schema", function () {
  it("fills in the network limits, the reliability floor and the per-kind maxPrice", function () {
    expect(SourceConfigSchema.parse(gpuOffers)).to.deep.equal({
      ...gpuOffers,
      minReliability: 0.95,
      maxPrice: "100",
      timeoutMs: 5_000,
      retries: 2,
      backoffMs: 250,
      maxBytes: 5_000_000,
    });
  });

  it("defaults maxPrice to 1000 USD per 1M tokens for OpenRouter and 10000 for files", function () {
    const models = SourceConfigSchema.parse({ id: "or", kind: "openrouter-models", quoteKind: "firm", url: "https://openrouter.ai/api/v1/models", models: {} });
    const sheet = SourceConfigSchema.parse({ id: "sheet", kind: "price-sheet", quoteKind: "firm", path: "data/sheets/h100-ondemand.csv" });
    expect([models.maxPrice, sheet.maxPrice]).to.deep.equal(["1000", "10000"]);
  });

  it("refuses a maxPrice that is not a positive decimal", function () {
    for (const maxPrice of ["0", "-5", "ten", "1e400", "0.0000000000000000001"]) {
      expect(issuePaths({ ...gpuOffers, maxPrice }), maxPrice).to.deep.equal(["maxPrice"]);
    }
  });

  it("refuses retries beyond 5 and a timeout below 100 ms", function () {
    expect(issuePaths({ ...gpuOffers, retries: 6, timeoutMs: 50 }).sort()).to.deep.equal(["retries", "timeoutMs"]);
  });

  it("refuses an unknown kind", function () {
    expect(issuePaths({ ...gpuOffers, kind: "ftp" })).to.deep.equal(["kind"]);
  });

  it("refuses a URL that is not one", function () {
    expect(issuePaths({ ...gpuOffers, url: "cloud.vast.ai/bundles" })).to.deep.equal(["url"]);
  });

  it("refuses an upper-case constituent id", function () {
    expect(issuePaths({ ...gpuOffers, constituent: "Vast.ai" })).to.deep.equal(["constituent"]);
  });

  it("accepts a price sheet limited to segments, and refuses an empty list", function () {
    const sheet = { id: "h100-sheet", kind: "price-sheet", quoteKind: "firm", path: "data/sheets/h100-ondemand.csv" };
    expect(SourceConfigSchema.parse({ ...sheet, segments: ["neocloud", "marketplace"] })).to.have.deep.property("segments", ["neocloud", "marketplace"]);
    expect(issuePaths({ ...sheet, segments: [] })).to.deep.equal(["segments"]);
  });
});
