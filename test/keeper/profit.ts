/**
 * The keeper's copy of the market's liquidation arithmetic and its profitability rule, checked
 * against the worked examples of docs/market.md and hand-computed edge cases.
 */
import { expect } from "chai";

import { adlScore } from "../../src/keeper/deleverager.js";
import {
  affordableSize,
  feePerGas,
  gasCostWad,
  liquidatableSize,
  liquidationReward,
  profitability,
  type LiquidationInputs,
} from "../../src/keeper/profit.js";

const USD = 1_000_000n;
const WAD = 10n ** 18n;
const SCALE = 10n ** 12n;
const GWEI = 10n ** 9n;
const P170 = 1_700_000_000_000_000_000n;
const P250 = 2_500_000_000_000_000_000n;

/** docs/market.md: Alice long 10 (multiplier 100, IM 20%, penalty 5%, half to the liquidator) at 1.70. */
const ALICE: LiquidationInputs = {
  positionSize: 10n,
  multiplier: 100n,
  markPrice: P170,
  initialMarginBps: 2000n,
  liquidationPenaltyBps: 500n,
  liquidatorShareBps: 5000n,
  tokenScale: SCALE,
  equity: 198_750_000n, // -1,501.25 + 1,700
  initialMargin: 340n * USD,
  insuranceFund: 0n,
};

describe("keeper: liquidation arithmetic and profitability", function () {
  it("moves 6 of Alice's 10 contracts and pays the liquidator 25.50 USD (docs/market.md)", function () {
    expect(liquidatableSize(ALICE)).to.equal(6n);
    expect(liquidationReward(ALICE, 6n)).to.equal(25_500_000n);
  });

  it("moves the whole position when that is fewer than the contracts needed", function () {
    // Equity 0: ceil(340 / 25.499996) = 14 > 10.
    expect(liquidatableSize({ ...ALICE, equity: 0n })).to.equal(10n);
  });

  it("moves the whole position when one contract relieves no more than the rounding slack", function () {
    // A contract worth 20e-6 USD: relief = floor(20 x 15%) = 3 units <= 4.
    const tiny = { ...ALICE, multiplier: 1n, markPrice: 20n * SCALE };
    expect(liquidatableSize(tiny)).to.equal(10n);
  });

  it("caps the reward at equity + insurance fund - 4 units", function () {
    // 10 USD of equity, a 3 USD fund: at most 13 USD - 4 units instead of the 25.50 share.
    expect(liquidationReward({ ...ALICE, equity: 10n * USD, insuranceFund: 3n * USD }, 6n)).to.equal(13n * USD - 4n);
    expect(liquidationReward({ ...ALICE, equity: -5n * USD, insuranceFund: 2n * USD }, 6n)).to.equal(0n);
  });

  it("rounds the penalty up and the share down", function () {
    // 1 contract at 2.50: penalty 5% of 250 = 12.5 USD exactly; at 2.500000000000000001 it rounds up one unit.
    const one = { ...ALICE, markPrice: P250 };
    expect(liquidationReward(one, 1n)).to.equal(6_250_000n);
    expect(liquidationReward({ ...one, markPrice: P250 + 1n }, 1n)).to.equal((12_500_001n * 5000n) / 10_000n);
  });

  it("prices gas at 2 x base fee + tip, capped, and counts the cost in WAD USD rounded up", function () {
    expect(feePerGas(10n * GWEI, GWEI, 500n * GWEI)).to.equal(21n * GWEI);
    expect(feePerGas(400n * GWEI, GWEI, 500n * GWEI)).to.equal(500n * GWEI);
    // 200,000 gas x 21 gwei = 0.0042 ETH; at 3,000 USD: 12.60 USD.
    expect(gasCostWad(200_000n, 21n * GWEI, 3_000n * WAD)).to.equal(12_600_000_000_000_000_000n);
    expect(gasCostWad(1n, 1n, 1n)).to.equal(1n);
  });

  it("sends only when reward - gas cost reaches the minimum profit", function () {
    // 25.50 USD reward, 12.60 USD of gas: 12.90 USD of profit.
    const at = (minimum: bigint) => profitability(25_500_000n, SCALE, 200_000n, 21n * GWEI, 3_000n * WAD, minimum);
    expect(at(12_900_000_000_000_000_000n)).to.deep.equal({
      rewardWad: 25_500_000_000_000_000_000n,
      gasCostWad: 12_600_000_000_000_000_000n,
      profitWad: 12_900_000_000_000_000_000n,
      profitable: true,
    });
    expect(at(12_900_000_000_000_000_001n).profitable).to.equal(false);
    expect(profitability(0n, SCALE, 0n, 0n, 0n, 0n).profitable, "no reward, nothing to gain").to.equal(false);
  });

  it("takes over only what its own margin carries", function () {
    // One contract at 1.70 needs ceil(34 USD) + 1 unit of initial margin: 100 USD of headroom carries 2.
    expect(affordableSize(100n * USD, 0n, 100n, P170, 2000n, SCALE)).to.equal(2n);
    // An opposite position of 3 closes first, needing no margin.
    expect(affordableSize(100n * USD, 3n, 100n, P170, 2000n, SCALE)).to.equal(5n);
    expect(affordableSize(-1n, 0n, 100n, P170, 2000n, SCALE)).to.equal(0n);
  });

  it("ranks counterparties by profit ratio x leverage", function () {
    // Two shorts of 5 from 2.50 at 1.897: the same profit ratio; 601.25 vs 100,301.25 USD of equity.
    const price = 1_897_000_000_000_000_000n;
    const entry = -5n * 100n * P250;
    const thin = adlScore(-5n, entry, price, 100n, 601_250_000n, SCALE);
    const rich = adlScore(-5n, entry, price, 100n, 100_301_250_000n, SCALE);
    // profit 301.5 / 1,250 = 0.2412; leverage 948.5 / 601.25: the score is their product.
    expect(thin).to.equal((((301_500_000_000_000_000_000n * WAD) / 1_250_000_000_000_000_000_000n) * ((948_500_000_000_000_000_000n * WAD) / (601_250_000n * SCALE))) / WAD);
    expect(thin > rich && rich > 0n).to.equal(true);
    // A losing long ranks below any profitable position.
    expect(adlScore(5n, -entry, price, 100n, 1_000n * USD, SCALE) < 0n).to.equal(true);
  });
});
