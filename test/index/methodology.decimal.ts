/**
 * Exact decimals: parseWad, numberToWad, toWad, formatWad (src/index/decimal.ts).
 */
import { expect } from "chai";

import { PER_MILLION, WAD, formatWad, numberToWad, parseWad, toWad } from "../../src/index/decimal.js";
import { DecimalError } from "../../src/index/errors.js";

describe("methodology: exact decimals", function () {
  describe("parseWad", function () {
    it("parses integers and fractions exactly", function () {
      expect(parseWad("2")).to.equal(2n * WAD);
      expect(parseWad("0")).to.equal(0n);
      expect(parseWad("19.36")).to.equal(19_360_000_000_000_000_000n);
      expect(parseWad("0.000003")).to.equal(3_000_000_000_000n);
      expect(parseWad("1.000000000000000001")).to.equal(WAD + 1n);
    });

    it("converts USD per token to USD per 1M tokens with no rounding", function () {
      expect(parseWad("0.000003", PER_MILLION)).to.equal(3n * WAD);
      expect(parseWad("0.00000022", PER_MILLION)).to.equal(220_000_000_000_000_000n); // 0.22
      expect(parseWad("0.000001875", PER_MILLION)).to.equal(1_875_000_000_000_000_000n); // 1.875
    });

    it("accepts exponents, including the form String(n) writes", function () {
      expect(parseWad("1e-7")).to.equal(100_000_000_000n);
      expect(parseWad("1e-7", PER_MILLION)).to.equal(100_000_000_000_000_000n); // 0.1
      expect(parseWad("3E+2")).to.equal(300n * WAD);
      expect(parseWad("1.5e1")).to.equal(15n * WAD);
    });

    it("accepts trailing zeros beyond 18 decimals when the value is exact", function () {
      expect(parseWad("1.0000000000000000000000")).to.equal(WAD);
    });

    it("accepts 19 decimals that a scale makes exact", function () {
      // 0.0000000000000000001 x 10 = 1e-18
      expect(parseWad("0.0000000000000000001", 10n)).to.equal(1n);
    });

    const rejected: [string, string][] = [
      ["", 'invalid decimal "": empty'],
      ["-1", 'invalid decimal "-1": negative'],
      ["-0.5", 'invalid decimal "-0.5": negative'],
      ["NaN", 'invalid decimal "NaN": expected digits with an optional fraction and exponent, like 19.36, 0.000003 or 1e-7'],
      ["Infinity", 'invalid decimal "Infinity": expected digits with an optional fraction and exponent, like 19.36, 0.000003 or 1e-7'],
      ["0x10", 'invalid decimal "0x10": expected digits with an optional fraction and exponent, like 19.36, 0.000003 or 1e-7'],
      [" 1", 'invalid decimal " 1": expected digits with an optional fraction and exponent, like 19.36, 0.000003 or 1e-7'],
      ["1,5", 'invalid decimal "1,5": expected digits with an optional fraction and exponent, like 19.36, 0.000003 or 1e-7'],
      [".5", 'invalid decimal ".5": expected digits with an optional fraction and exponent, like 19.36, 0.000003 or 1e-7'],
      ["5.", 'invalid decimal "5.": expected digits with an optional fraction and exponent, like 19.36, 0.000003 or 1e-7'],
      ["+1", 'invalid decimal "+1": expected digits with an optional fraction and exponent, like 19.36, 0.000003 or 1e-7'],
      ["01", 'invalid decimal "01": expected digits with an optional fraction and exponent, like 19.36, 0.000003 or 1e-7'],
      ["1e", 'invalid decimal "1e": expected digits with an optional fraction and exponent, like 19.36, 0.000003 or 1e-7'],
      ["0.0000000000000000001", 'invalid decimal "0.0000000000000000001": more than 18 decimals: not exact in WAD'],
      ["1e-19", 'invalid decimal "1e-19": more than 18 decimals: not exact in WAD'],
      ["1e101", 'invalid decimal "1e101": exponent beyond ±100'],
      ["1e77", 'invalid decimal "1e77": above the uint256 range in WAD'],
    ];
    for (const [input, message] of rejected) {
      it(`rejects ${JSON.stringify(input)}`, function () {
        expect(() => parseWad(input)).to.throw(DecimalError, message);
      });
    }

    it("names the scale when only scaling makes it inexact", function () {
      // 24 decimals x 1e6 = 18 decimals: exact; 25 decimals x 1e6 = 19: not.
      expect(parseWad("0.000000000000000000000001", PER_MILLION)).to.equal(1n);
      expect(() => parseWad("0.0000000000000000000000001", PER_MILLION)).to.throw(
        DecimalError,
        'invalid decimal "0.0000000000000000000000001": more than 18 decimals after scaling by 1000000: not exact in WAD',
      );
    });

    it("rejects text longer than 100 characters", function () {
      const long = `1.${"0".repeat(99)}`;
      expect(() => parseWad(long)).to.throw(DecimalError, "longer than 100 characters");
    });

    it("carries the input on the error", function () {
      try {
        parseWad("abc");
        expect.fail("parseWad accepted abc");
      } catch (error) {
        expect(error).to.be.instanceOf(DecimalError);
        expect((error as DecimalError).input).to.equal("abc");
        expect((error as DecimalError).retryable).to.equal(false);
      }
    });

    it("refuses a scale below 1", function () {
      expect(() => parseWad("1", 0n)).to.throw(RangeError, "parseWad: scale must be a positive integer, got 0");
    });
  });

  describe("numberToWad", function () {
    it("goes through the shortest round-trip decimal string", function () {
      expect(numberToWad(19.36)).to.equal(19_360_000_000_000_000_000n);
      expect(numberToWad(0.1)).to.equal(100_000_000_000_000_000n);
      expect(numberToWad(2.42)).to.equal(2_420_000_000_000_000_000n);
      expect(numberToWad(0.000003, PER_MILLION)).to.equal(3n * WAD);
    });

    it("handles the exponent forms String(n) produces", function () {
      expect(String(1e-7)).to.equal("1e-7");
      expect(numberToWad(1e-7, PER_MILLION)).to.equal(100_000_000_000_000_000n);
      expect(String(1e21)).to.equal("1e+21");
      expect(numberToWad(1e21)).to.equal(10n ** 39n);
    });

    it("rejects non-finite and negative numbers", function () {
      expect(() => numberToWad(Number.NaN)).to.throw(DecimalError, 'invalid decimal "NaN": not a finite number');
      expect(() => numberToWad(Number.POSITIVE_INFINITY)).to.throw(DecimalError, 'invalid decimal "Infinity": not a finite number');
      expect(() => numberToWad(-2.5)).to.throw(DecimalError, 'invalid decimal "-2.5": negative');
    });

    it("rejects a double whose shortest form has more than 18 decimals", function () {
      expect(() => numberToWad(1.2345678901234567e-10)).to.throw(DecimalError, "more than 18 decimals");
    });
  });

  describe("toWad", function () {
    it("takes strings and numbers alike", function () {
      expect(toWad("19.36")).to.equal(toWad(19.36));
      expect(toWad("0.0000001", PER_MILLION)).to.equal(100_000_000_000_000_000n);
    });

    it("rejects other types", function () {
      expect(() => toWad(null)).to.throw(DecimalError, 'invalid decimal "null": expected a decimal string or a number, got null');
      expect(() => toWad(true)).to.throw(DecimalError, 'invalid decimal "true": expected a decimal string or a number, got boolean');
    });
  });

  describe("formatWad", function () {
    it("writes plain decimals without trailing zeros", function () {
      expect(formatWad(3n * WAD)).to.equal("3");
      expect(formatWad(19_360_000_000_000_000_000n)).to.equal("19.36");
      expect(formatWad(3_000_000_000_000n)).to.equal("0.000003");
      expect(formatWad(1n)).to.equal("0.000000000000000001");
      expect(formatWad(0n)).to.equal("0");
      expect(formatWad(-1_500_000_000_000_000_000n)).to.equal("-1.5");
    });

    it("round-trips through parseWad", function () {
      for (const value of [0n, 1n, WAD, 19_360_000_000_000_000_000n, (1n << 255n) + 12_345n]) {
        expect(parseWad(formatWad(value))).to.equal(value);
      }
    });
  });
});
