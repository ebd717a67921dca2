/**
 * Quote snapshots (src/index/snapshot.ts) and the text report (src/index/report.ts).
 */
import { expect } from "chai";
import { stringify } from "yaml";

import { computeIndex } from "../../src/index/compute.js";
import { WAD } from "../../src/index/decimal.js";
import { SnapshotError } from "../../src/index/errors.js";
import { formatIndexReport } from "../../src/index/report.js";
import { parseSnapshot, parseSnapshotYaml, snapshotDocument } from "../../src/index/snapshot.js";
import { NOW, UNIT, quote, testFeed } from "./methodology-fixtures.js";

describe("methodology: snapshots and reports", function () {
  const document = {
    feed: "TEST-FEED",
    now: NOW,
    unit: UNIT,
    quotes: [
      { source: "s1", constituent: "x", price: "2.42", kind: "firm", observedAt: NOW - 60, weight: "8" },
      { source: "s2", constituent: "x", price: "0.000003", kind: "indicative", observedAt: NOW - 30, unit: "USD per other unit" },
    ],
  };

  it("parses prices exactly, weights as integers, and the common unit", function () {
    expect(parseSnapshot(document, "snapshot")).to.deep.equal({
      feed: "TEST-FEED",
      now: NOW,
      quotes: [
        { source: "s1", constituent: "x", price: 2_420_000_000_000_000_000n, kind: "firm", observedAt: NOW - 60, weight: 8n, unit: UNIT },
        { source: "s2", constituent: "x", price: 3_000_000_000_000n, kind: "indicative", observedAt: NOW - 30, unit: "USD per other unit" },
      ],
    });
  });

  it("round-trips through its document form", function () {
    const snapshot = parseSnapshot(document, "snapshot");
    expect(snapshotDocument(snapshot, UNIT)).to.deep.equal(document);
    expect(parseSnapshotYaml(stringify(snapshotDocument(snapshot, UNIT)), "snapshot")).to.deep.equal(snapshot);
  });

  const bad: [string, object, string][] = [
    ["a float price", { quotes: [{ ...document.quotes[0], price: 2.42 }] }, "snap: quotes[0].price: expected a string"],
    ["an inexact price", { quotes: [{ ...document.quotes[0], price: "1e-19" }] }, 'snap: quotes[0].price: invalid decimal "1e-19": more than 18 decimals: not exact in WAD'],
    ["a decimal weight", { quotes: [{ ...document.quotes[0], weight: "1.5" }] }, "snap: quotes[0].weight: expected an integer string"],
    ["an unknown kind", { quotes: [{ ...document.quotes[0], kind: "rumour" }] }, 'snap: quotes[0].kind: expected one of "transaction", "firm", "indicative"'],
    ["no unit", { unit: undefined }, "snap: unit: required"],
    ["a fractional time", { now: 1.5 }, "snap: now: expected an integer"],
  ];
  for (const [what, change, message] of bad) {
    it(`rejects ${what}, naming the field`, function () {
      expect(() => parseSnapshot({ ...document, ...change }, "snap")).to.throw(SnapshotError, message);
    });
  }

  it("reports invalid YAML", function () {
    expect(() => parseSnapshotYaml("quotes: [", "snap.yaml")).to.throw(SnapshotError, /^snap\.yaml: invalid YAML: /);
  });

  it("prints the value, the hash, the constituent table and the dropped quotes", function () {
    const feed = testFeed();
    // median(10, 11, 40) = 11: 10 is 9.1 % away (kept), 40 is 264 % away (outlier); median(10, 11) = 10.5
    const result = computeIndex(feed, [quote("s1", "10"), quote("s2", "11"), quote("s3", "40")], NOW);
    if (!result.ok) expect.fail(result.error);
    expect(result.value).to.equal((21n * WAD) / 2n);
    expect(formatIndexReport(feed, result)).to.equal(
      [
        `TEST-FEED (methodology v1) at ${NOW} (2027-01-15T08:00:00.000Z)`,
        `value: 10.5 ${UNIT}`,
        `inputsHash: ${result.inputsHash}`,
        "aggregation: weighted-median; constituents priced: 1 of 1 (at least 1 needed)",
        "",
        "constituent  weight  price  median  kind  quotes  sources  status",
        "x            1       10.5   11      firm  2       s1,s2    used",
        "",
        "dropped quotes:",
        "source  constituent  price  kind  observedAt  weight  reason",
        `s3      x            40     firm  ${NOW - 60}  -       outlier`,
        "",
      ].join("\n"),
    );
  });

  it("prints why there is no value", function () {
    const feed = testFeed({ limits: { minSourcesPerConstituent: 2 } });
    const report = formatIndexReport(feed, computeIndex(feed, [quote("s1", "10")], NOW));
    expect(report.split("\n")[1]).to.equal(
      "value: none (TEST-FEED: 0 of 1 constituents have a price, at least 1 needed; no price: x (too-few-sources))",
    );
    expect(report).to.not.include("inputsHash");
  });
});
