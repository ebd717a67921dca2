/**
 * The client's margin arithmetic and liquidation price, against the worked example of
 * docs/market.md and against a brute-force scan of every price with an independent copy of the
 * liquidation condition (equity < maintenance margin, with the contract's roundings).
 */
import { expect } from "chai";
import fc from "fast-check";

import {
  entryPrice,
  liquidationPrice,
  marginRequirement,
  positionValue,
  unrealisedPnl,
  type LiquidationInputs,
} from "../../src/client/margin.js";

const USD = 1_000_000n;
const SCALE = 10n ** 12n;
const MILLI = 10n ** 15n; // $0.001 in WAD

/** The liquidation condition written out again: floor for the value, ceiling for the margin. */
function referenceLiquidatable(x: LiquidationInputs, price: bigint): boolean {
  const raw = x.size * x.multiplier * price;
  const value = raw >= 0n ? raw / x.scale : -((-raw + x.scale - 1n) / x.scale);
  const absolute = (x.size < 0n ? -x.size : x.size) * x.multiplier * price * x.maintenanceMarginBps;
  const maintenance = (absolute + 10_000n * x.scale - 1n) / (10_000n * x.scale);
  return x.otherEquity + value < x.otherMaintenance + maintenance;
}

describe("client margin arithmetic", function () {
  it("values, requirements, entry price and PnL of the worked example (long 10 from $2.50, mark $2.60)", function () {
    const size = 10n;
    const entry = 10n * 100n * 2_500n * MILLI;
    const mark = 2_600n * MILLI;
    expect(positionValue(size, mark, 100n, SCALE)).to.equal(2_600n * USD);
    expect(marginRequirement(size, mark, 100n, 2_000n, SCALE)).to.equal(520n * USD);
    expect(marginRequirement(size, mark, 100n, 1_200n, SCALE)).to.equal(312n * USD);
    expect(entryPrice(size, entry, 100n)).to.equal(2_500n * MILLI);
    expect(unrealisedPnl(size, entry, mark, 100n, SCALE)).to.equal(100n * USD);
  });

  it("rounds against the account: values down, requirements up, entry price against the trader", function () {
    // A short of 1 contract x 1 unit at 1 wei: value -1e-12 units, floored to -1.
    expect(positionValue(-1n, 1n, 1n, SCALE)).to.equal(-1n);
    expect(positionValue(1n, 1n, 1n, SCALE)).to.equal(0n);
    expect(marginRequirement(1n, 1n, 1n, 1n, SCALE)).to.equal(1n);
    // Entry notional 10 wei over 3 contracts x 1: long 4 (up), short 3 (down).
    expect(entryPrice(3n, 10n, 1n)).to.equal(4n);
    expect(entryPrice(-3n, -10n, 1n)).to.equal(3n);
    expect(entryPrice(0n, 0n, 1n)).to.equal(undefined);
  });

  it("puts the worked example's liquidation level at $1.706 (long 10, cash -1,501.25)", function () {
    const x: LiquidationInputs = {
      size: 10n,
      multiplier: 100n,
      maintenanceMarginBps: 1_200n,
      scale: SCALE,
      otherEquity: -1_501_250_000n,
      otherMaintenance: 0n,
    };
    const price = liquidationPrice(x)!;
    // -1,501.25 + 1,000 p = 120 p  =>  p = 1.70596...; the highest liquidatable price is below $1.706.
    expect(price > 1_705n * MILLI && price < 1_706n * MILLI, `${price}`).to.equal(true);
    expect(referenceLiquidatable(x, price)).to.equal(true);
    expect(referenceLiquidatable(x, price + 1n)).to.equal(false);
  });

  it("finds no liquidation price for a long whose cash covers it", function () {
    const x = { size: 10n, multiplier: 100n, maintenanceMarginBps: 1_200n, scale: SCALE, otherEquity: 5n, otherMaintenance: 0n };
    expect(liquidationPrice(x)).to.equal(undefined);
  });

  it("puts a short's liquidation price where a rise makes it liquidatable", function () {
    // Short 10 at $2.50 with 1,000 deposited: cash 3,498.75, liquidatable when 3,498.75 - 1,000 p < 120 p.
    const x = { size: -10n, multiplier: 100n, maintenanceMarginBps: 1_200n, scale: SCALE, otherEquity: 3_498_750_000n, otherMaintenance: 0n };
    const price = liquidationPrice(x)!;
    expect(price > 3_123n * MILLI && price < 3_124n * MILLI, `${price}`).to.equal(true);
    expect(referenceLiquidatable(x, price)).to.equal(true);
    expect(referenceLiquidatable(x, price - 1n)).to.equal(false);
  });

  it("matches a brute-force scan of every price (small numbers, property)", function () {
    const inputs = fc.record({
      contracts: fc.bigInt({ min: 1n, max: 20n }),
      long: fc.boolean(),
      multiplier: fc.bigInt({ min: 1n, max: 5n }),
      maintenanceMarginBps: fc.bigInt({ min: 0n, max: 9_000n }),
      scale: fc.bigInt({ min: 1n, max: 20n }),
      otherEquity: fc.bigInt({ min: -100n, max: 100n }),
      otherMaintenance: fc.bigInt({ min: 0n, max: 100n }),
    });
    fc.assert(
      fc.property(inputs, ({ contracts, long, ...rest }) => {
        const x: LiquidationInputs = { size: long ? contracts : -contracts, ...rest };
        // Beyond this price every long is safe and every short liquidatable: equity minus margin
        // moves by at least A (1 - mm) / scale per unit of price, A = contracts x multiplier,
        // and starts within |otherEquity - otherMaintenance| + 2 of the threshold.
        const gap = x.otherEquity - x.otherMaintenance;
        const distance = (gap < 0n ? -gap : gap) + 3n;
        const bound = (distance * 10_000n * x.scale) / (contracts * x.multiplier * (10_000n - x.maintenanceMarginBps)) + 2n;
        const found = liquidationPrice(x);
        const label = JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
        if (long) {
          let highest: bigint | undefined;
          for (let p = 0n; p <= bound; p++) if (referenceLiquidatable(x, p)) highest = p;
          expect(referenceLiquidatable(x, bound + 1n), "the bound is safe").to.equal(false);
          expect(found, label).to.equal(highest);
        } else {
          let lowest: bigint | undefined;
          for (let p = 0n; p <= bound && lowest === undefined; p++) if (referenceLiquidatable(x, p)) lowest = p;
          expect(found, label).to.equal(lowest);
          for (let p = lowest!; p < lowest! + 50n; p++) expect(referenceLiquidatable(x, p), "a short stays liquidatable above").to.equal(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
