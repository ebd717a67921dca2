/**
 * docs/methodology.md's worked examples are what the code computes: each output block must equal
 * the report of its input block, and the headline values are re-derived by hand here.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";

import { computeIndex } from "../../src/index/compute.js";
import { loadFeedConfig } from "../../src/index/config.js";
import { INPUTS_ABI_TYPES } from "../../src/index/inputs-hash.js";
import { parseSnapshotYaml } from "../../src/index/snapshot.js";
import { METHODOLOGY_DOC, docExamples, renderExample } from "./methodology-doc-examples.js";

function valueOf(name: string): bigint {
  const example = docExamples().find((candidate) => candidate.name === name);
  if (example === undefined) expect.fail(`no worked example ${name} in ${METHODOLOGY_DOC}`);
  const snapshot = parseSnapshotYaml(example.input, name);
  const feed = loadFeedConfig(`config/feeds/${snapshot.feed.toLowerCase()}.yaml`);
  const result = computeIndex(feed, snapshot.quotes, snapshot.now);
  if (!result.ok) expect.fail(result.error);
  return result.value;
}

describe("methodology: docs/methodology.md", function () {
  const examples = docExamples();

  it("has a worked example for every shipped feed, and one without a value", function () {
    expect(examples.map((example) => example.name)).to.have.members(["h100-hour", "h100-hour-thin", "token-out", "qwen3.8-27b-out"]);
  });

  for (const example of examples) {
    it(`shows what the code computes for ${example.name}`, function () {
      expect(example.output, `no <!-- example-output: ${example.name} --> block`).to.be.a("string");
      expect(example.output).to.equal(renderExample(example));
    });
  }

  it("H100-HOUR: the mean of the 6th and 7th of 12 equal-weight provider prices, (3.09 + 3.2) / 2", function () {
    expect(valueOf("h100-hour")).to.equal(3_145_000_000_000_000_000n);
  });

  it("TOKEN-OUT: sum(w x p) / sum(w) = 2.789926 / 0.4098, rounded down", function () {
    // weights in 1e-4: 1187, 1200, 253, 253, 603, 602; prices in 1e-2: 28, 1500, 1500, 900, 330, 250
    const weighted = 1187n * 28n + 1200n * 1500n + 253n * 1500n + 253n * 900n + 603n * 330n + 602n * 250n;
    expect(weighted).to.equal(2_789_926n); // 1e-6 units
    expect(valueOf("token-out")).to.equal((weighted * 10n ** 16n) / 4_098n);
  });

  it("QWEN3.8-27B-OUT: the mean of the 8th and 9th of 16 provider prices, (2.5 + 2.55) / 2", function () {
    expect(valueOf("qwen3.8-27b-out")).to.equal(2_525_000_000_000_000_000n);
  });

  it("states the inputsHash encoding the code uses", function () {
    const documented = /UsedQuote = \(([^)]*)\)/.exec(readFileSync(METHODOLOGY_DOC, "utf8"));
    const coded = /^tuple\((.*)\)\[\]$/.exec(INPUTS_ABI_TYPES[2]);
    expect(documented?.[1].replace(/\s+/g, " ")).to.equal(coded?.[1].split(",").join(", "));
    expect(INPUTS_ABI_TYPES.slice(0, 2)).to.deep.equal(["bytes32", "uint256"]);
  });
});
