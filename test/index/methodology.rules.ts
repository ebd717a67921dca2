/**
 * computeIndex, rule by rule (docs/methodology.md, "Rules"). Expected values are worked out from
 * the inputs in the comments.
 */
import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";

import { computeIndex } from "../../src/index/compute.js";
import { WAD, parseWad } from "../../src/index/decimal.js";
import type { IndexResult, Quote } from "../../src/index/types.js";
import { NOW, quote, testFeed } from "./methodology-fixtures.js";

function reasonsOf(result: IndexResult): (string | undefined)[] {
  return result.diagnostics.quotes.map((entry) => (entry.used ? "used" : entry.reason));
}

function expectValue(result: IndexResult, value: string): void {
  expect(result.ok, result.ok ? "" : result.error).to.equal(true);
  if (result.ok) expect(result.value).to.equal(parseWad(value));
}

describe("methodology: rules", function () {
  describe("eligibility", function () {
    const feed = testFeed();

    const malformed: [string, Partial<Quote>][] = [
      ["a zero price", { price: 0n }],
      ["a negative price", { price: -1n }],
      ["a zero weight", { weight: 0n }],
      ["a fractional observedAt", { observedAt: NOW - 0.5 }],
      ["a NaN observedAt", { observedAt: Number.NaN }],
      ["an unknown kind", { kind: "rumour" as Quote["kind"] }],
    ];
    for (const [what, fields] of malformed) {
      it(`drops a quote with ${what} as invalid-quote`, function () {
        const result = computeIndex(feed, [quote("s1", "10"), quote("s2", "10", fields)], NOW);
        expect(result.diagnostics.quotes.find((entry) => entry.quote.source === "s2")).to.include({ used: false, reason: "invalid-quote" });
        expectValue(result, "10");
      });
    }

    it("drops a quote from a source the feed does not configure", function () {
      const result = computeIndex(feed, [quote("s1", "10"), quote("elsewhere", "99")], NOW);
      expect(reasonsOf(result)).to.deep.equal(["unknown-source", "used"]);
      expectValue(result, "10");
    });

    it("drops a quote for a constituent the feed does not list", function () {
      const result = computeIndex(feed, [quote("s1", "10"), quote("s1", "99", { constituent: "aws" })], NOW);
      expect(reasonsOf(result)).to.deep.equal(["unknown-constituent", "used"]);
    });

    it("drops a quote in another unit, never blending segments", function () {
      const result = computeIndex(feed, [quote("s1", "10"), quote("s2", "3", { unit: "USD per 1M input tokens" })], NOW);
      expect(result.diagnostics.quotes.find((entry) => entry.quote.source === "s2")).to.include({ reason: "unit-mismatch" });
      expectValue(result, "10");
    });

    it("keeps a quote exactly maxQuoteAgeSeconds old and drops one a second older as stale", function () {
      const result = computeIndex(
        feed,
        [quote("s1", "10", { observedAt: NOW - 3_600 }), quote("s2", "11", { observedAt: NOW - 3_601 })],
        NOW,
      );
      expect(reasonsOf(result)).to.deep.equal(["used", "stale"]);
    });

    it("keeps a quote maxClockSkewSeconds ahead and drops one a second further as from-future", function () {
      const result = computeIndex(
        feed,
        [quote("s1", "10", { observedAt: NOW + 60 }), quote("s2", "11", { observedAt: NOW + 61 })],
        NOW,
      );
      expect(reasonsOf(result)).to.deep.equal(["used", "from-future"]);
    });

    it("refuses a computation time that is not whole unix seconds", function () {
      expect(() => computeIndex(feed, [], 1.5)).to.throw(RangeError, "computeIndex: now must be a unix time in whole seconds, got 1.5");
      expect(() => computeIndex(feed, [], -1)).to.throw(RangeError, "got -1");
    });
  });

  describe("data hierarchy", function () {
    it("uses transactions over firm quotes over indicative ones", function () {
      const result = computeIndex(
        testFeed(),
        [quote("s1", "10", { kind: "indicative" }), quote("s2", "12", { kind: "firm" }), quote("s3", "11", { kind: "transaction" })],
        NOW,
      );
      expectValue(result, "11");
      expect(reasonsOf(result)).to.deep.equal(["lower-kind", "lower-kind", "used"]);
      expect(result.diagnostics.constituents[0].kind).to.equal("transaction");
    });

    it("skips a better kind without enough sources for the best kind that has them", function () {
      // min 2 sources: one transaction (s1) is not enough; firm has s2 and s3 -> median(20, 30) = 25
      const feed = testFeed({ limits: { minSourcesPerConstituent: 2, maxDeviationBps: 5_000 } });
      const result = computeIndex(
        feed,
        [quote("s1", "10", { kind: "transaction" }), quote("s2", "20"), quote("s3", "30"), quote("s4", "40", { kind: "indicative" })],
        NOW,
      );
      expectValue(result, "25");
      expect(reasonsOf(result)).to.deep.equal(["too-few-sources", "used", "used", "lower-kind"]);
    });

    it("never mixes kinds to reach the minimum", function () {
      const feed = testFeed({ limits: { minSourcesPerConstituent: 2 } });
      const result = computeIndex(feed, [quote("s1", "10"), quote("s2", "10", { kind: "indicative" })], NOW);
      expect(result.ok).to.equal(false);
      expect(result.diagnostics.constituents[0]).to.include({ used: false, reason: "too-few-sources" });
      expect(reasonsOf(result)).to.deep.equal(["too-few-sources", "too-few-sources"]);
    });
  });

  describe("outliers", function () {
    const feed = testFeed(); // 1,000 bps

    it("keeps a quote exactly maxDeviationBps from the median", function () {
      // median(100, 100, 110) = 100; |110 - 100| * 10,000 = 100,000 = 1,000 * 100: not beyond
      const result = computeIndex(feed, [quote("s1", "100"), quote("s2", "100"), quote("s3", "110")], NOW);
      expect(reasonsOf(result)).to.deep.equal(["used", "used", "used"]);
      expectValue(result, "100");
    });

    it("drops a quote one wei beyond it", function () {
      const result = computeIndex(feed, [quote("s1", "100"), quote("s2", "100"), quote("s3", "110.000000000000000001")], NOW);
      expect(reasonsOf(result)).to.deep.equal(["used", "used", "outlier"]);
      expect(result.diagnostics.constituents[0].reference).to.equal(100n * WAD);
    });

    it("measures below the median the same way", function () {
      // median(80, 100, 101) = 100; 80 is 20 % below -> outlier; median(100, 101) = 100.5
      const result = computeIndex(feed, [quote("s1", "100"), quote("s2", "101"), quote("s3", "80")], NOW);
      expect(reasonsOf(result)).to.deep.equal(["used", "used", "outlier"]);
      expectValue(result, "100.5");
    });

    it("drops both of two sources that disagree by more than twice the threshold", function () {
      // median(100, 130) = 115; each is 13 % away -> both outliers, no price
      const result = computeIndex(feed, [quote("s1", "100"), quote("s2", "130")], NOW);
      expect(result.ok).to.equal(false);
      expect(reasonsOf(result)).to.deep.equal(["outlier", "outlier"]);
      expect(result.diagnostics.constituents[0]).to.include({ reason: "too-few-sources", reference: 115n * WAD });
    });
  });

  describe("sufficiency", function () {
    const feed = testFeed({ limits: { minSourcesPerConstituent: 2 } });

    it("counts distinct sources, not quotes", function () {
      const result = computeIndex(feed, [quote("s1", "10"), quote("s1", "10.1")], NOW);
      expect(result.ok).to.equal(false);
      expect(reasonsOf(result)).to.deep.equal(["too-few-sources", "too-few-sources"]);
    });

    it("counts the sources left after the outlier rule", function () {
      // median(100, 101, 150) = 101; 150 is an outlier, s1 alone is left -> no price
      const result = computeIndex(feed, [quote("s1", "100"), quote("s1", "101"), quote("s2", "150")], NOW);
      expect(result.ok).to.equal(false);
      expect(reasonsOf(result)).to.deep.equal(["too-few-sources", "too-few-sources", "outlier"]);
    });

    it("prices a constituent with enough sources", function () {
      const result = computeIndex(feed, [quote("s1", "100"), quote("s2", "102")], NOW);
      expectValue(result, "101");
      expect(result.diagnostics.constituents[0]).to.deep.include({ sources: ["s1", "s2"], quotesUsed: 2 });
    });

    it("reports a constituent without a single eligible quote as no-quotes", function () {
      const result = computeIndex(testFeed(), [quote("s1", "10", { observedAt: NOW - 10_000 })], NOW);
      expect(result.diagnostics.constituents[0]).to.include({ used: false, reason: "no-quotes", quotesUsed: 0 });
    });
  });

  describe("constituent price", function () {
    const feed = testFeed({ limits: { maxDeviationBps: 5_000 } });

    it("is the volume-weighted median when every quote has a weight", function () {
      // weights 1, 8, 2 (total 11): cumulative 1, 9 -> 2*9 > 11 at 2.42
      const result = computeIndex(
        feed,
        [quote("s1", "2.35", { weight: 1n }), quote("s1", "2.42", { weight: 8n }), quote("s1", "2.51", { weight: 2n })],
        NOW,
      );
      expectValue(result, "2.42");
    });

    it("is the plain median when one quote has no weight", function () {
      // median(2.35, 2.42, 2.51, 3) = (2.42 + 2.51) / 2 = 2.465
      const result = computeIndex(
        feed,
        [quote("s1", "2.35", { weight: 1n }), quote("s1", "2.42", { weight: 8n }), quote("s1", "2.51", { weight: 2n }), quote("s2", "3")],
        NOW,
      );
      expectValue(result, "2.465");
    });
  });

  describe("index", function () {
    const three = (x: string, y: string, z: string): Quote[] => [
      quote("s1", x),
      quote("s1", y, { constituent: "y" }),
      quote("s1", z, { constituent: "z" }),
    ];

    it("is the weighted median of the constituent prices", function () {
      // weights x 1, y 1, z 3 (total 5): sorted 10 (1), 20 (1), 40 (3): cumulative 1, 2, 5 -> 40
      const feed = testFeed({ constituents: { x: "1", y: "1", z: "3" } });
      expectValue(computeIndex(feed, three("10", "20", "40"), NOW), "40");
    });

    it("renormalises the weighted median over the constituents priced", function () {
      // z missing: x 1, y 1 (total 2): cumulative 1 = half exactly -> (10 + 20) / 2 = 15
      const feed = testFeed({ constituents: { x: "1", y: "1", z: "3" } });
      expectValue(computeIndex(feed, three("10", "20", "40").slice(0, 2), NOW), "15");
    });

    it("is the weighted mean of the constituent prices, rounded down", function () {
      // (0.5 x 10 + 0.25 x 20 + 0.25 x 40) / 1 = 20
      const feed = testFeed({ aggregation: "weighted-mean", constituents: { x: "0.5", y: "0.25", z: "0.25" } });
      expectValue(computeIndex(feed, three("10", "20", "40"), NOW), "20");
    });

    it("renormalises the weighted mean over the constituents priced", function () {
      // z missing: (0.5 x 10 + 0.25 x 20) / 0.75 = 10 / 0.75 = 13.333... -> 13.333333333333333333
      const feed = testFeed({ aggregation: "weighted-mean", constituents: { x: "0.5", y: "0.25", z: "0.25" } });
      expectValue(computeIndex(feed, three("10", "20", "40").slice(0, 2), NOW), "13.333333333333333333");
    });

    it("has no value below minConstituents, and says which constituents lack a price and why", function () {
      const feed = testFeed({ constituents: { x: "1", y: "1", z: "1" }, limits: { minConstituents: 2 } });
      const result = computeIndex(feed, [quote("s1", "10"), quote("s1", "20", { constituent: "y", observedAt: NOW - 7_200 })], NOW);
      expect(result.ok).to.equal(false);
      if (result.ok) return;
      expect(result.error).to.equal(
        "TEST-FEED: 1 of 3 constituents have a price, at least 2 needed; no price: y (no-quotes), z (no-quotes)",
      );
      expect(result.diagnostics).to.include({ constituentsPriced: 1, minConstituents: 2 });
      expect(result).to.not.have.property("inputsHash");
    });

    it("lists every constituent in config order with its outcome", function () {
      const feed = testFeed({ constituents: { z: "1", x: "2" } });
      const result = computeIndex(feed, [quote("s2", "10"), quote("s1", "12")], NOW);
      expect(result.diagnostics.constituents).to.deep.equal([
        { id: "z", weight: WAD, used: false, reason: "no-quotes", sources: [], quotesUsed: 0 },
        { id: "x", weight: 2n * WAD, used: true, price: 11n * WAD, kind: "firm", reference: 11n * WAD, sources: ["s1", "s2"], quotesUsed: 2 },
      ]);
    });

    it("lists every quote in canonical order, whatever the input order", function () {
      const feed = testFeed({ constituents: { x: "1", y: "1" } });
      const quotes = [quote("s2", "10"), quote("s1", "30", { constituent: "y" }), quote("s1", "12"), quote("s1", "11")];
      const result = computeIndex(feed, quotes, NOW);
      expect(result.diagnostics.quotes.map(({ quote: q }) => `${q.constituent}/${q.source}/${q.price / WAD}`)).to.deep.equal([
        "x/s1/11",
        "x/s1/12",
        "x/s2/10",
        "y/s1/30",
      ]);
      expect(computeIndex(feed, [...quotes].reverse(), NOW)).to.deep.equal(result);
    });

    it("carries the feed, its on-chain id (keccak256 of the name) and the time in the diagnostics", function () {
      const result = computeIndex(testFeed(), [quote("s1", "10")], NOW);
      expect(result.diagnostics).to.include({
        feed: "TEST-FEED",
        feedId: keccak256(toUtf8Bytes("TEST-FEED")),
        methodologyVersion: 1,
        aggregation: "weighted-median",
        now: NOW,
      });
    });
  });
});
