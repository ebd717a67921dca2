/**
 * A bad feed config stops the load with a message naming the file and the field path.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";

import { loadFeedConfig, loadFeedConfigs, parseFeedConfig, parseFeedConfigYaml } from "../../src/index/config.js";
import { FeedConfigError } from "../../src/index/errors.js";

const FILE = "config/feeds/h100-hour.yaml";
type Doc = any;
const shipped: Doc = parse(readFileSync(FILE, "utf8"));

/** The error message of parsing the shipped H100-HOUR config after `change`. */
function messageAfter(change: (doc: Doc) => void): string {
  const doc = structuredClone(shipped);
  change(doc);
  try {
    parseFeedConfig(doc, FILE);
  } catch (error) {
    expect(error).to.be.instanceOf(FeedConfigError);
    return (error as Error).message;
  }
  return expect.fail("the config was accepted");
}

describe("config: errors", function () {
  const cases: [string, (doc: Doc) => void, string][] = [
    ["a string for a number", (d) => (d.limits.maxDeviationBps = "25%"), "limits.maxDeviationBps: expected a number"],
    ["a missing field", (d) => delete d.limits.maxQuoteAgeSeconds, "limits.maxQuoteAgeSeconds: required"],
    ["a fraction for an integer", (d) => (d.heartbeatSeconds = 1.5), "heartbeatSeconds: expected an integer"],
    ["a number below its minimum", (d) => (d.limits.minConstituents = 0), "limits.minConstituents: expected at least 1"],
    ["a number above its maximum", (d) => (d.deviationBps = 10_001), "deviationBps: expected at most 10000"],
    ["an unknown aggregation", (d) => (d.aggregation = "mean"), 'aggregation: expected one of "weighted-median", "weighted-mean"'],
    ["a lower-case feed id", (d) => (d.id = "h100-hour"), "id: expected upper-case letters, digits, '-' or '.', like H100-HOUR"],
    ["an unknown field", (d) => (d.limits.maxAge = 5), "limits.maxAge: unknown field"],
    ["an unquoted weight", (d) => (d.constituents[2].weight = 0.5), 'constituents[2].weight: expected a decimal string (quoted, like "0.25")'],
    ["a negative weight", (d) => (d.constituents[2].weight = "-1"), 'constituents[2].weight: invalid decimal "-1": negative'],
    ["a zero weight", (d) => (d.constituents[0].weight = "0"), "constituents[0].weight: expected a weight greater than 0"],
    ["a bad constituent id", (d) => (d.constituents[1].id = "Core Weave"), "constituents[1].id: lower-case letters, digits, '-' or '.'"],
    ["a duplicate constituent", (d) => (d.constituents[3].id = "lambda"), 'constituents[3].id: duplicate constituent id "lambda"'],
    ["a duplicate source", (d) => (d.sources[2].id = "h100-sheet"), 'sources[2].id: duplicate source id "h100-sheet"'],
    [
      "an unknown source kind",
      (d) => (d.sources[1].kind = "csv"),
      'sources[1].kind: expected one of "openrouter-models", "openrouter-endpoints", "gpu-offers", "price-sheet", "replay"',
    ],
    ["a source without a kind", (d) => delete d.sources[1].kind, "sources[1].kind: required"],
    ["a source URL that is not one", (d) => (d.sources[0].url = "vast.ai/offers"), "sources[0].url: expected a URL"],
    ["a source naming an unknown constituent", (d) => (d.sources[0].constituent = "vast"), 'sources[0].constituent: unknown constituent "vast"'],
    ["more constituents required than listed", (d) => (d.limits.minConstituents = 13), "limits.minConstituents: expected at most the number of constituents (12)"],
    [
      "more sources required than configured",
      (d) => (d.limits.minSourcesPerConstituent = 4),
      "limits.minSourcesPerConstituent: expected at most the number of sources (3)",
    ],
    ["no constituents", (d) => (d.constituents = []), "constituents: expected at least 1 item(s)"],
  ];
  for (const [what, change, problem] of cases) {
    it(`names the field for ${what}`, function () {
      expect(messageAfter(change).split("\n")).to.include(`${FILE}: ${problem}`);
    });
  }

  it("names a source's model mapping key when it is not a constituent", function () {
    const doc = parse(readFileSync("config/feeds/token-out.yaml", "utf8"));
    doc.sources[0].models["gpt-4o"] = "openai/gpt-4o";
    expect(() => parseFeedConfig(doc, "token-out.yaml")).to.throw(
      FeedConfigError,
      'token-out.yaml: sources[0].models["gpt-4o"]: unknown constituent "gpt-4o"',
    );
  });

  it("names a provider mapping when it points to no constituent", function () {
    const doc = parse(readFileSync("config/feeds/qwen3.8-27b-out.yaml", "utf8"));
    doc.sources[0].providers["Mancer 2"] = "mancer-2";
    expect(() => parseFeedConfig(doc, "qwen.yaml")).to.throw(
      FeedConfigError,
      'qwen.yaml: sources[0].providers["Mancer 2"]: unknown constituent "mancer-2"',
    );
  });

  it("reports every problem, one line each", function () {
    const error = messageAfter((d) => {
      d.limits.maxDeviationBps = "x";
      delete d.unit;
    });
    expect(error).to.equal(`${FILE}: unit: required\n${FILE}: limits.maxDeviationBps: expected a number`);
  });

  it("reports an empty document as missing fields", function () {
    expect(() => parseFeedConfigYaml("", "empty.yaml")).to.throw(FeedConfigError, "empty.yaml: (root): expected an object");
  });

  it("reports invalid YAML and duplicate keys", function () {
    expect(() => parseFeedConfigYaml("id: [unclosed", "bad.yaml")).to.throw(FeedConfigError, /^bad\.yaml: invalid YAML: /);
    expect(() => parseFeedConfigYaml("id: A\nid: B\n", "dup.yaml")).to.throw(FeedConfigError, /^dup\.yaml: invalid YAML: Map keys must be unique/);
  });

  it("carries the file and the problems on the error", function () {
    try {
      parseFeedConfig({ ...shipped, heartbeatSeconds: "1h" }, FILE);
      expect.fail("accepted");
    } catch (error) {
      expect(error).to.be.instanceOf(FeedConfigError);
      expect(error).to.include({ file: FILE, retryable: false });
      expect((error as FeedConfigError).problems).to.deep.equal(["heartbeatSeconds: expected a number"]);
    }
  });

  describe("files", function () {
    let dir: string;
    beforeEach(function () {
      dir = mkdtempSync(join(tmpdir(), "feeds-"));
    });
    afterEach(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    it("requires the file name to be the feed id in lower case", function () {
      const file = join(dir, "h100.yaml");
      writeFileSync(file, stringify(shipped));
      expect(() => loadFeedConfig(file)).to.throw(FeedConfigError, `${file}: id: "H100-HOUR" does not match the file name (expected h100-hour.yaml)`);
    });

    it("says when a file cannot be read", function () {
      const file = join(dir, "missing.yaml");
      expect(() => loadFeedConfig(file)).to.throw(FeedConfigError, `${file}: cannot read: ENOENT`);
    });

    it("names the bad file among several", function () {
      writeFileSync(join(dir, "h100-hour.yaml"), stringify(shipped));
      writeFileSync(join(dir, "token-out.yaml"), stringify({ ...parse(readFileSync("config/feeds/token-out.yaml", "utf8")), deviationBps: "1%" }));
      expect(() => loadFeedConfigs(dir)).to.throw(FeedConfigError, `${join(dir, "token-out.yaml")}: deviationBps: expected a number`);
    });

    it("loads only .yaml files", function () {
      writeFileSync(join(dir, "h100-hour.yaml"), stringify(shipped));
      writeFileSync(join(dir, "notes.md"), "not a feed");
      expect(loadFeedConfigs(dir).map((feed) => feed.id)).to.deep.equal(["H100-HOUR"]);
    });
  });
});
