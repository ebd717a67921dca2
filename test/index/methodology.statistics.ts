/**
 * median, weightedMedian, weightedMean on bigint (src/index/statistics.ts). Expected values are
 * worked out by hand in the comments.
 */
import { expect } from "chai";
import fc from "fast-check";

import { median, weightedMean, weightedMedian } from "../../src/index/statistics.js";

const w = (value: bigint, weight: bigint) => ({ value, weight });

describe("methodology: statistics", function () {
  describe("median", function () {
    it("takes the middle of an odd count, whatever the order", function () {
      expect(median([5n])).to.equal(5n);
      expect(median([9n, 1n, 5n])).to.equal(5n);
      expect(median([3n, 3n, 1n, 7n, 100n])).to.equal(3n);
    });

    it("takes the mean of the two middle values rounded down for an even count", function () {
      expect(median([4n, 1n])).to.equal(2n); // (1 + 4) / 2 = 2.5 -> 2
      expect(median([10n, 20n, 30n, 40n])).to.equal(25n);
      expect(median([7n, 8n])).to.equal(7n); // 7.5 -> 7
    });

    it("matches the oracle's Median.ofSorted: low + (high - low) / 2", function () {
      const big = (1n << 255n) + 1n; // low + high would not fit in uint256, the formula does
      expect(median([big, big + 3n])).to.equal(big + 1n);
    });

    it("refuses an empty list", function () {
      expect(() => median([])).to.throw(RangeError, "median of no values");
    });

    it("does not reorder its argument", function () {
      const values = [3n, 1n, 2n];
      median(values);
      expect(values).to.deep.equal([3n, 1n, 2n]);
    });
  });

  describe("weightedMedian", function () {
    it("takes the value where the cumulative weight first passes half", function () {
      // total 10; cumulative 1, 4, 10: 2*4 = 8 < 10, 2*10 > 10 -> 30
      expect(weightedMedian([w(10n, 1n), w(20n, 3n), w(30n, 6n)])).to.equal(30n);
      // total 11; 1, 9: 2*9 = 18 > 11 -> 2.42 (the Vast.ai example of docs/methodology.md)
      expect(weightedMedian([w(251n, 2n), w(235n, 1n), w(242n, 8n)])).to.equal(242n);
    });

    it("takes the mean of the two values around an exact half, rounded down", function () {
      // total 4; cumulative 2 = half exactly at 10 -> (10 + 21) / 2 = 15.5 -> 15
      expect(weightedMedian([w(21n, 2n), w(10n, 2n)])).to.equal(15n);
      // total 6; cumulative 1, 3 = half at 20 -> (20 + 30) / 2 = 25
      expect(weightedMedian([w(10n, 1n), w(20n, 2n), w(30n, 3n)])).to.equal(25n);
    });

    it("equals the median with equal weights", function () {
      fc.assert(
        fc.property(fc.array(fc.bigInt({ min: 0n, max: 10n ** 30n }), { minLength: 1, maxLength: 30 }), fc.bigInt({ min: 1n, max: 1000n }), (values, weight) => {
          expect(weightedMedian(values.map((value) => w(value, weight)))).to.equal(median(values));
        }),
      );
    });

    it("refuses an empty list and weights that are not positive", function () {
      expect(() => weightedMedian([])).to.throw(RangeError, "weighted median of no values");
      expect(() => weightedMedian([w(1n, 0n)])).to.throw(RangeError, "weights must be positive, got 0");
      expect(() => weightedMedian([w(1n, 1n), w(2n, -1n)])).to.throw(RangeError, "weights must be positive, got -1");
    });
  });

  describe("weightedMean", function () {
    it("divides once, rounding down", function () {
      // (1*10 + 2*20) / 3 = 50 / 3 = 16.67 -> 16
      expect(weightedMean([w(10n, 1n), w(20n, 2n)])).to.equal(16n);
      // (3*7) / 3 = 7
      expect(weightedMean([w(7n, 3n)])).to.equal(7n);
    });

    it("is invariant to scaling every weight (renormalisation is exact)", function () {
      const entries = [w(280n, 1187n), w(15_000n, 1200n), w(2_500n, 602n)];
      const scaled = entries.map(({ value, weight }) => w(value, weight * 10n ** 14n));
      // (280*1187 + 15000*1200 + 2500*602) / 2989 = 19837360 / 2989 = 6636.7... -> 6636
      expect(weightedMean(entries)).to.equal(6636n);
      expect(weightedMean(scaled)).to.equal(6636n);
    });

    it("rounds toward negative infinity for negative values", function () {
      // (-10*1 + 0*2) / 3 = -3.33 -> -4
      expect(weightedMean([w(-10n, 1n), w(0n, 2n)])).to.equal(-4n);
    });

    it("refuses an empty list and weights that are not positive", function () {
      expect(() => weightedMean([])).to.throw(RangeError, "weighted mean of no values");
      expect(() => weightedMean([w(1n, 0n)])).to.throw(RangeError, "weights must be positive, got 0");
    });
  });
});
