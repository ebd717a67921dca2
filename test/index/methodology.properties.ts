/**
 * Properties of the methodology, checked with fast-check (docs/methodology.md, "Robustness
 * properties"): order invariance, the bound on one moved source with the outlier rule off and on,
 * and inputsHash changing if and only if the used inputs change.
 */
import { expect } from "chai";
import fc from "fast-check";

import { computeIndex } from "../../src/index/compute.js";
import { WAD, parseWad } from "../../src/index/decimal.js";
import { compareQuotes } from "../../src/index/quote-order.js";
import { median } from "../../src/index/statistics.js";
import { QUOTE_KINDS, type IndexResult, type Quote } from "../../src/index/types.js";
import { NOW, SOURCE_IDS, UNIT, quote, testFeed } from "./methodology-fixtures.js";

const RUNS = { numRuns: 300 };

/** Quotes over constituents x, y, z (and an unknown w), some stale, some outliers, some weighted. */
const quoteArbitrary: fc.Arbitrary<Quote> = fc.record(
  {
    source: fc.constantFrom(...SOURCE_IDS, "unlisted"),
    constituent: fc.constantFrom("x", "y", "z", "w"),
    price: fc.bigInt({ min: 1n, max: 5n * WAD }),
    unit: fc.constantFrom(UNIT, UNIT, UNIT, "USD per other unit"),
    kind: fc.constantFrom(...QUOTE_KINDS),
    observedAt: fc.integer({ min: NOW - 4_000, max: NOW + 100 }),
    weight: fc.bigInt({ min: 1n, max: 10n }),
  },
  { requiredKeys: ["source", "constituent", "price", "unit", "kind", "observedAt"] },
);

const feedArbitrary = fc
  .record({
    aggregation: fc.constantFrom("weighted-median" as const, "weighted-mean" as const),
    weights: fc.tuple(...["x", "y", "z"].map(() => fc.integer({ min: 1, max: 5 }))),
    maxDeviationBps: fc.integer({ min: 1, max: 20_000 }),
    minSourcesPerConstituent: fc.integer({ min: 1, max: 2 }),
    minConstituents: fc.integer({ min: 1, max: 3 }),
  })
  .map(({ aggregation, weights, ...limits }) =>
    testFeed({ aggregation, constituents: { x: String(weights[0]), y: String(weights[1]), z: String(weights[2]) }, limits }),
  );

/** The used quotes of a result as a canonical string (a multiset key). */
function usedKey(result: IndexResult): string {
  const used = result.diagnostics.quotes
    .filter((entry) => entry.used)
    .map((entry) => entry.quote)
    .sort(compareQuotes);
  return JSON.stringify(used, (_, value) => (typeof value === "bigint" ? value.toString() : value));
}

/** One quote per source s1 … sn for constituent x, at `prices`. */
function oneQuotePerSource(prices: readonly bigint[]): Quote[] {
  return prices.map((price, i) => quote(SOURCE_IDS[i], "1", { price }));
}

describe("methodology: properties", function () {
  it("gives the same value, inputsHash and diagnostics for any order of the same quotes", function () {
    fc.assert(
      fc.property(
        feedArbitrary,
        fc.array(quoteArbitrary, { maxLength: 30 }).chain((quotes) =>
          fc.tuple(fc.constant(quotes), fc.shuffledSubarray(quotes, { minLength: quotes.length, maxLength: quotes.length })),
        ),
        (feed, [quotes, permuted]) => {
          expect(computeIndex(feed, permuted, NOW)).to.deep.equal(computeIndex(feed, quotes, NOW));
        },
      ),
      RUNS,
    );
  });

  describe("one source moved arbitrarily", function () {
    const price = fc.bigInt({ min: 1n, max: 10n ** 24n });

    it("outlier rule off (the median): n >= 3 keeps the price within the other sources' range", function () {
      fc.assert(
        fc.property(fc.array(price, { minLength: 2, maxLength: 10 }), price, price, (others, moved, movedAgain) => {
          const lo = others.reduce((a, b) => (a < b ? a : b));
          const hi = others.reduce((a, b) => (a > b ? a : b));
          const before = median([...others, moved]);
          const after = median([...others, movedAgain]);
          expect(before >= lo && before <= hi, `median ${before} outside [${lo}, ${hi}]`).to.equal(true);
          const shift = before > after ? before - after : after - before;
          expect(shift <= hi - lo).to.equal(true);
        }),
        RUNS,
      );
    });

    it("outlier rule off (computeIndex, no quote can deviate enough): the same bound", function () {
      // Prices within a factor 50 of each other never deviate 1,000,000 bps (100x) from a median.
      const feed = testFeed({ limits: { maxDeviationBps: 1_000_000 } });
      const bounded = fc.bigInt({ min: WAD, max: 50n * WAD });
      fc.assert(
        fc.property(fc.array(bounded, { minLength: 2, maxLength: 7 }), bounded, (others, moved) => {
          const result = computeIndex(feed, oneQuotePerSource([...others, moved]), NOW);
          if (!result.ok) expect.fail(result.error);
          const lo = others.reduce((a, b) => (a < b ? a : b));
          const hi = others.reduce((a, b) => (a > b ? a : b));
          expect(result.value >= lo && result.value <= hi).to.equal(true);
        }),
        RUNS,
      );
    });

    it("outlier rule on: n >= 4 keeps any price the constituent has within the other sources' range", function () {
      // Half the cases cluster the prices around 100, where the rule keeps some quotes and drops others.
      const near = (low: bigint, high: bigint) => fc.bigInt({ min: low * WAD, max: high * WAD });
      const others = fc.oneof(fc.array(price, { minLength: 3, maxLength: 7 }), fc.array(near(90n, 110n), { minLength: 3, maxLength: 7 }));
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 20_000 }),
          others,
          fc.oneof(price, near(80n, 120n)),
          fc.nat({ max: 7 }),
          (maxDeviationBps, others, moved, position) => {
            const feed = testFeed({ limits: { maxDeviationBps } });
            const prices = [...others];
            prices.splice(position % (others.length + 1), 0, moved);
            const result = computeIndex(feed, oneQuotePerSource(prices), NOW);
            const lo = others.reduce((a, b) => (a < b ? a : b));
            const hi = others.reduce((a, b) => (a > b ? a : b));
            if (result.ok) expect(result.value >= lo && result.value <= hi, `${result.value} outside [${lo}, ${hi}]`).to.equal(true);
          },
        ),
        { numRuns: 1_000 },
      );
    });

    it("outlier rule on: with n = 3 the bound fails (why feeds need four sources for it)", function () {
      // Others 90 and 100, 500 bps. Moved to 104: median 100, 90 is 10 % away -> dropped, price
      // median(100, 104) = 102. Moved to 86: median 90, 100 is 11 % away -> dropped, price
      // median(86, 90) = 88. The price moves by 14, more than the span of the others (10).
      const feed = testFeed({ limits: { maxDeviationBps: 500 } });
      const at = (moved: string) => computeIndex(feed, oneQuotePerSource([parseWad("90"), parseWad("100"), parseWad(moved)]), NOW);
      const high = at("104");
      const low = at("86");
      if (!high.ok || !low.ok) expect.fail("both computations should have a value");
      expect(high.value).to.equal(102n * WAD);
      expect(low.value).to.equal(88n * WAD);
    });
  });

  describe("inputsHash changes iff the used inputs change", function () {
    /** Changes one field of one quote. */
    const mutation = fc.record({
      index: fc.nat(),
      field: fc.constantFrom("source", "constituent", "price", "kind", "observedAt", "weight", "unit"),
      seed: fc.nat({ max: 1_000 }),
    });

    function mutate(quotes: Quote[], { index, field, seed }: { index: number; field: string; seed: number }): Quote[] {
      const copy = quotes.map((q) => ({ ...q }));
      const target = copy[index % copy.length];
      switch (field) {
        case "source":
          target.source = SOURCE_IDS[seed % SOURCE_IDS.length];
          break;
        case "constituent":
          target.constituent = ["x", "y", "z", "w"][seed % 4];
          break;
        case "price":
          target.price += BigInt(seed % 3) - 1n || 1n;
          break;
        case "kind":
          target.kind = QUOTE_KINDS[seed % 3];
          break;
        case "observedAt":
          target.observedAt -= (seed % 5) * 1_000;
          break;
        case "weight":
          if (seed % 2 === 0) delete target.weight;
          else target.weight = BigInt(seed);
          break;
        case "unit":
          target.unit = seed % 2 === 0 ? UNIT : "USD per other unit";
          break;
      }
      return copy;
    }

    it("holds for one field of one quote changed", function () {
      fc.assert(
        fc.property(feedArbitrary, fc.array(quoteArbitrary, { minLength: 1, maxLength: 25 }), mutation, (feed, quotes, change) => {
          const before = computeIndex(feed, quotes, NOW);
          const after = computeIndex(feed, mutate(quotes, change), NOW);
          fc.pre(before.ok && after.ok);
          if (!before.ok || !after.ok) return;
          expect(before.inputsHash === after.inputsHash).to.equal(usedKey(before) === usedKey(after));
        }),
        { numRuns: 1_000 },
      );
    });

    it("holds between unrelated quote sets", function () {
      fc.assert(
        fc.property(feedArbitrary, fc.array(quoteArbitrary, { maxLength: 12 }), fc.array(quoteArbitrary, { maxLength: 12 }), (feed, a, b) => {
          const first = computeIndex(feed, a, NOW);
          const second = computeIndex(feed, b, NOW);
          fc.pre(first.ok && second.ok);
          if (!first.ok || !second.ok) return;
          expect(first.inputsHash === second.inputsHash).to.equal(usedKey(first) === usedKey(second));
        }),
        RUNS,
      );
    });
  });
});
