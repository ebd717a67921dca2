/**
 * The client's number formatting and parsing: exact bigint arithmetic, named roundings, clear
 * errors for malformed input, and round trips (fast-check). Expected strings are worked out by
 * hand from the units (6 decimals for collateral, 18 for prices).
 */
import { expect } from "chai";
import fc from "fast-check";

import { InvalidInputError } from "../../src/client/errors.js";
import {
  divRound,
  formatBps,
  formatFixed,
  formatPnl,
  formatPrice,
  formatRatio,
  formatSize,
  formatUsdc,
  parsePrice,
  parseSize,
  parseUsdc,
} from "../../src/client/format.js";

const USD = 1_000_000n;
const WAD = 10n ** 18n;

function expectInputError(fn: () => unknown, field: string, fragment: string) {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, "throws").to.be.instanceOf(InvalidInputError);
  const error = thrown as InvalidInputError;
  expect(error.field).to.equal(field);
  expect(error.message).to.contain(fragment);
}

describe("client format: formatting", function () {
  it("formats collateral with thousands separators and 2 decimals", function () {
    expect(formatUsdc(1_240_500_000n)).to.equal("1,240.50");
    expect(formatUsdc(-1_501_250_000n)).to.equal("-1,501.25");
    expect(formatUsdc(0n)).to.equal("0.00");
    expect(formatUsdc(1_000_000_000_000n * USD)).to.equal("1,000,000,000,000.00");
  });

  it("rounds collateral to nearest, half away from zero, by default", function () {
    expect(formatUsdc(4_999n)).to.equal("0.00"); // 0.004999
    expect(formatUsdc(5_000n)).to.equal("0.01"); // 0.005
    expect(formatUsdc(-5_000n)).to.equal("-0.01");
    expect(formatUsdc(-4_999n)).to.equal("0.00", "no negative zero");
  });

  it("rounds collateral down or up when asked", function () {
    expect(formatUsdc(1n, { rounding: "ceil" })).to.equal("0.01");
    expect(formatUsdc(19_999n, { rounding: "floor" })).to.equal("0.01");
    expect(formatUsdc(-1n, { rounding: "floor" })).to.equal("-0.01");
    expect(formatUsdc(-1n, { rounding: "ceil" })).to.equal("0.00");
  });

  it("formats collateral exactly when asked", function () {
    expect(formatUsdc(1_240_500_100n, { decimals: "exact" })).to.equal("1,240.5001");
    expect(formatUsdc(1_240_500_100n, { decimals: 6, grouping: false })).to.equal("1240.500100");
  });

  it("formats prices exactly with at least 2 decimals", function () {
    expect(formatPrice(25n * 10n ** 17n)).to.equal("2.50");
    expect(formatPrice(1_706n * 10n ** 15n)).to.equal("1.706");
    expect(formatPrice(1n)).to.equal("0.000000000000000001");
    expect(formatPrice(1_234_500n * 10n ** 15n)).to.equal("1,234.50");
    expect(formatPrice(25n * 10n ** 17n, { decimals: 3 })).to.equal("2.500");
  });

  it("formats sizes, basis points, PnL and ratios", function () {
    expect(formatSize(-10n)).to.equal("-10");
    expect(formatSize(1_000n)).to.equal("1,000");
    expect(formatSize(5n, { plusSign: true })).to.equal("+5");
    expect(formatBps(2_000n)).to.equal("20%");
    expect(formatBps(5n)).to.equal("0.05%");
    expect(formatBps(1_250n)).to.equal("12.5%");
    expect(formatBps(0n)).to.equal("0%");
    expect(formatPnl(100n * USD)).to.equal("+100.00");
    expect(formatPnl(-51n * USD)).to.equal("-51.00");
    expect(formatPnl(0n)).to.equal("0.00");
    // 298.75 / 216 = 1.38310..., shown rounded down.
    expect(formatRatio((298_750_000n * WAD) / 216_000_000n)).to.equal("1.38");
  });

  it("divRound rounds as named (property: the defining inequalities)", function () {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 20n }), (a, b) => {
        const floor = divRound(a, b, "floor");
        const ceil = divRound(a, b, "ceil");
        const nearest = divRound(a, b, "nearest");
        expect(floor * b <= a && a < (floor + 1n) * b, "floor").to.equal(true);
        expect((ceil - 1n) * b < a && a <= ceil * b, "ceil").to.equal(true);
        const distance = 2n * (a - nearest * b);
        expect(distance <= b && distance >= -b, "nearest within half").to.equal(true);
        // Ties go away from zero.
        if (distance === b) expect(a < 0n, "a positive tie rounds up").to.equal(true);
        if (distance === -b) expect(a > 0n, "a negative tie rounds down").to.equal(true);
      }),
    );
  });
});

describe("client format: parsing", function () {
  it("parses collateral amounts exactly", function () {
    expect(parseUsdc("1,240.50")).to.equal(1_240_500_000n);
    expect(parseUsdc("1240.5")).to.equal(1_240_500_000n);
    expect(parseUsdc("0.000001")).to.equal(1n);
    expect(parseUsdc("  7 ")).to.equal(7n * USD);
    expect(parseUsdc("1,000,000")).to.equal(1_000_000n * USD);
  });

  it("parses prices to WAD and sizes to whole contracts", function () {
    expect(parsePrice("2.501")).to.equal(2_501n * 10n ** 15n);
    expect(parsePrice("0.000000000000000001")).to.equal(1n);
    expect(parseSize("10")).to.equal(10n);
    expect(parseSize("-3", { allowNegative: true })).to.equal(-3n);
  });

  it("refuses more decimals than the unit holds", function () {
    expectInputError(() => parseUsdc("1.0000001"), "amount", '"1.0000001" has 7 decimals; USDC amount takes at most 6 decimals');
    expectInputError(() => parsePrice("1.0000000000000000001"), "price", "has 19 decimals");
    expectInputError(() => parseSize("1.5"), "size", '"1.5" has 1 decimals; size in whole contracts takes no decimals');
  });

  it("refuses negative values unless allowed", function () {
    expectInputError(() => parseUsdc("-1"), "amount", '"-1" is negative');
    expectInputError(() => parseSize("-3"), "size", "is negative");
  });

  it("refuses garbage, naming the field", function () {
    for (const text of ["", "  ", "abc", "1e3", ".5", "5.", "1,24", "1,2345", "0x10", "+1", "1 000", "1.2.3", "١٢"]) {
      expectInputError(() => parseUsdc(text, { field: "order.amount" }), "order.amount", "");
    }
    expectInputError(() => parseUsdc("12abc"), "amount", '"12abc" is not a decimal number');
    expectInputError(() => parseUsdc(""), "amount", "is empty");
    expectInputError(() => parseUsdc("1".repeat(101)), "amount", "longer than 100");
  });

  it("round-trips every amount, price and size formatted exactly", function () {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), (x) => {
        expect(parseUsdc(formatUsdc(x, { decimals: "exact" }), { allowNegative: true })).to.equal(x);
        expect(parsePrice(formatPrice(x), { allowNegative: true })).to.equal(x);
        expect(parseSize(formatSize(x), { allowNegative: true })).to.equal(x);
      }),
    );
  });

  it("formats to 2 decimals within half a cent, and floor never above the value", function () {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (x) => {
        const nearest = parseUsdc(formatUsdc(x), { allowNegative: true });
        expect(nearest % 10_000n).to.equal(0n);
        expect(2n * (nearest - x) <= 10_000n && 2n * (x - nearest) <= 10_000n, "within half a cent").to.equal(true);
        const floor = parseUsdc(formatUsdc(x, { rounding: "floor" }), { allowNegative: true });
        expect(floor <= x && x - floor < 10_000n, "floor").to.equal(true);
      }),
    );
  });

  it("formatFixed with more decimals than the unit pads with zeros", function () {
    expect(formatFixed(5n, 0, { decimals: 2 })).to.equal("5.00");
  });
});
