/**
 * The expiry rule and the product → SeriesParams helper (deploy/series.ts), pure. Expected dates
 * are calendar facts written out by hand (e.g. 31 December 2026 is a Thursday, so the last
 * Friday is the 25th), turned into unix seconds with Date.UTC.
 */
import { expect } from "chai";
import { id } from "ethers";

import {
  addMonths,
  expiryOf,
  formatMonth,
  launchMonths,
  monthOfTime,
  parseMonth,
  seriesName,
  seriesParams,
  type ProductDefinition,
} from "../../deploy/series.js";

const utc = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0) =>
  BigInt(Date.UTC(year, month - 1, day, hour, minute, second) / 1000);
const DAY = 86_400n;
const WEEK = 7 * 86_400;

const H100: ProductDefinition = {
  symbol: "H100",
  feed: "H100-HOUR",
  multiplier: 100,
  tickSize: "0.001",
  minSize: 1,
  initialMarginBps: 2000,
  maintenanceMarginBps: 1200,
  liquidationPenaltyBps: 500,
  liquidatorShareBps: 5000,
  makerFeeBps: 2,
  takerFeeBps: 5,
  maxBasisBps: 2000,
  basisTau: 3600,
  basisRefNotional: "100000",
  openInterestCap: 100000,
  settlementWindow: 3600,
  lastTradeBeforeExpiry: 3600,
};

describe("deploy/series: the expiry rule (last Friday of the month, 08:00 UTC)", function () {
  it("December 2026: the 31st is a Thursday, so the 25th", function () {
    expect(expiryOf({ year: 2026, month: 12 })).to.equal(utc(2026, 12, 25, 8));
  });

  it("January 2027: the 31st is a Sunday, so the 29th", function () {
    expect(expiryOf({ year: 2027, month: 1 })).to.equal(utc(2027, 1, 29, 8));
  });

  it("July 2026 ends on a Friday: the last day itself", function () {
    expect(expiryOf({ year: 2026, month: 7 })).to.equal(utc(2026, 7, 31, 8));
  });

  it("October 2026 ends on a Saturday: the day before", function () {
    expect(expiryOf({ year: 2026, month: 10 })).to.equal(utc(2026, 10, 30, 8));
  });

  it("February 2028 (leap year, the 29th a Tuesday): the 25th", function () {
    expect(expiryOf({ year: 2028, month: 2 })).to.equal(utc(2028, 2, 25, 8));
  });

  it("is a Friday at 08:00:00 UTC in its month, with no Friday after it in the month, for 10 years of months", function () {
    for (let i = 0; i < 120; i++) {
      const month = addMonths({ year: 2026, month: 1 }, i);
      const expiry = new Date(Number(expiryOf(month)) * 1000);
      const label = formatMonth(month);
      expect(expiry.getUTCDay(), label).to.equal(5);
      expect([expiry.getUTCHours(), expiry.getUTCMinutes(), expiry.getUTCSeconds()], label).to.deep.equal([8, 0, 0]);
      expect([expiry.getUTCFullYear(), expiry.getUTCMonth() + 1], label).to.deep.equal([month.year, month.month]);
      expect(new Date(expiry.getTime() + WEEK * 1000).getUTCMonth() + 1, label).to.not.equal(month.month);
    }
  });
});

describe("deploy/series: months", function () {
  it("December plus one month is January of the next year, and back", function () {
    expect(addMonths({ year: 2026, month: 12 }, 1)).to.deep.equal({ year: 2027, month: 1 });
    expect(addMonths({ year: 2027, month: 1 }, -1)).to.deep.equal({ year: 2026, month: 12 });
    expect(addMonths({ year: 2026, month: 11 }, 14)).to.deep.equal({ year: 2028, month: 1 });
  });

  it("puts the last second of December in December and the next in January", function () {
    expect(monthOfTime(utc(2026, 12, 31, 23, 59, 59))).to.deep.equal({ year: 2026, month: 12 });
    expect(monthOfTime(utc(2027, 1, 1))).to.deep.equal({ year: 2027, month: 1 });
  });

  it("parses and formats YYYY-MM, refusing anything else", function () {
    expect(parseMonth("2027-01")).to.deep.equal({ year: 2027, month: 1 });
    expect(formatMonth({ year: 2027, month: 1 })).to.equal("2027-01");
    for (const bad of ["2027-13", "2027-00", "2027-1", "27-01", "2027/01", ""]) {
      expect(() => parseMonth(bad), bad).to.throw(RangeError, `expected a month as YYYY-MM, got "${bad}"`);
    }
  });
});

describe("deploy/series: launch months", function () {
  const decemberExpiry = utc(2026, 12, 25, 8);

  it("starts at the month whose expiry is exactly the lead away", function () {
    const now = decemberExpiry - 7n * DAY;
    expect(launchMonths(now, 3, WEEK).map(formatMonth)).to.deep.equal(["2026-12", "2027-01", "2027-02"]);
  });

  it("skips a month one second too close to its expiry", function () {
    const now = decemberExpiry - 7n * DAY + 1n;
    expect(launchMonths(now, 3, WEEK).map(formatMonth)).to.deep.equal(["2027-01", "2027-02", "2027-03"]);
  });

  it("rolls from late December into the next year", function () {
    const now = utc(2026, 12, 28, 12);
    expect(launchMonths(now, 2, WEEK).map(formatMonth)).to.deep.equal(["2027-01", "2027-02"]);
  });

  it("starts in the current month when its expiry is far enough", function () {
    expect(launchMonths(utc(2026, 11, 1), 1, WEEK).map(formatMonth)).to.deep.equal(["2026-11"]);
  });

  it("starts at a pinned first month whatever the time", function () {
    expect(launchMonths(utc(2026, 11, 24), 2, WEEK, { year: 2027, month: 6 }).map(formatMonth)).to.deep.equal([
      "2027-06",
      "2027-07",
    ]);
  });
});

describe("deploy/series: seriesParams", function () {
  const params = seriesParams(H100, { year: 2027, month: 1 });

  it("expires on the month's last Friday, trades until an hour before, settles on the hour's TWAP", function () {
    expect(params.expiry).to.equal(utc(2027, 1, 29, 8));
    expect(params.lastTradingTime).to.equal(utc(2027, 1, 29, 7));
    expect(params.settlementWindow).to.equal(3600n);
  });

  it("turns the product's USD decimals into exact WAD", function () {
    expect(params.tickSize).to.equal(10n ** 15n); // $0.001
    expect(params.basisRefNotional).to.equal(100_000n * 10n ** 18n);
  });

  it("settles on keccak256 of the feed name, with the product's numbers", function () {
    expect(params.feed).to.equal(id("H100-HOUR"));
    expect([params.multiplier, params.initialMarginBps, params.maintenanceMarginBps, params.openInterestCap]).to.deep.equal([
      100n,
      2000n,
      1200n,
      100000n,
    ]);
  });

  it("names the series after the product and the month", function () {
    expect(seriesName(H100, { year: 2027, month: 1 })).to.equal("H100-2027-01");
  });
});
