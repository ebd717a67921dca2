/**
 * deploy/series.ts `seriesRuleViolation` against the contract it mirrors: for each way a listing
 * can be wrong, the TypeScript names the same parameter as SeriesRules.validate's
 * `InvalidSeriesParam(name, value)` revert.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { seriesRuleViolation, type SeriesParams } from "../../deploy/series.js";
import type { SeriesRules } from "../../types/ethers-contracts/index.js";

const { ethers } = await network.create();
const rules = (await ethers.deployContract("SeriesRules")) as unknown as SeriesRules;
const market = await ethers.getContractAt("IFuturesMarket", await rules.getAddress());

/** The contract's verdict: the parameter name it reverts with, or undefined. */
async function onChain(params: SeriesParams): Promise<string | undefined> {
  try {
    await rules.validate(params);
    return undefined;
  } catch (error) {
    const decoded = market.interface.parseError((error as { data: string }).data);
    expect(decoded?.name, String(error)).to.equal("InvalidSeriesParam");
    return decoded!.args[0] as string;
  }
}

describe("deploy/series: seriesRuleViolation mirrors SeriesRules.validate", function () {
  let now: bigint;
  let valid: SeriesParams;

  before(async function () {
    now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const expiry = now + 30n * 86_400n;
    valid = {
      feed: ethers.id("H100-HOUR"),
      expiry,
      lastTradingTime: expiry - 3600n,
      settlementWindow: 3600n,
      multiplier: 100n,
      tickSize: 10n ** 15n,
      minSize: 1n,
      initialMarginBps: 2000n,
      maintenanceMarginBps: 1200n,
      liquidationPenaltyBps: 500n,
      liquidatorShareBps: 5000n,
      makerFeeBps: 2n,
      takerFeeBps: 5n,
      maxBasisBps: 2000n,
      basisTau: 3600n,
      basisRefNotional: 10n ** 23n,
      openInterestCap: 100_000n,
    };
  });

  it("accepts the launch parameters, as the contract does", async function () {
    expect(seriesRuleViolation(valid, now)).to.equal(undefined);
    expect(await onChain(valid)).to.equal(undefined);
  });

  // Each case is far from a time boundary: an eth_call runs a little after `now`.
  const cases: [string, (p: SeriesParams, now: bigint) => Partial<SeriesParams>][] = [
    ["expiry in the past", (_, t) => ({ expiry: t - 100n, lastTradingTime: t - 200n })],
    ["expiry beyond 2106", () => ({ expiry: 2n ** 32n })],
    ["last trade after expiry", (p) => ({ lastTradingTime: p.expiry + 1n })],
    ["last trade in the past", (_, t) => ({ lastTradingTime: t - 100n })],
    ["no settlement window", () => ({ settlementWindow: 0n })],
    ["settlement window before now", (p, t) => ({ settlementWindow: p.expiry - t + 100n })],
    ["zero multiplier", () => ({ multiplier: 0n })],
    ["zero tick", () => ({ tickSize: 0n })],
    ["zero minimum size", () => ({ minSize: 0n })],
    ["zero maintenance margin", () => ({ maintenanceMarginBps: 0n })],
    ["maintenance above initial margin", () => ({ maintenanceMarginBps: 2001n })],
    ["initial margin above 100%", () => ({ initialMarginBps: 10_001n })],
    ["penalty above maintenance margin", () => ({ liquidationPenaltyBps: 1201n })],
    ["maker fee above 1%", () => ({ makerFeeBps: 101n })],
    ["taker fee above 1%", () => ({ takerFeeBps: 101n })],
    ["liquidator share above 100%", () => ({ liquidatorShareBps: 10_001n })],
    ["basis cap above 100%", () => ({ maxBasisBps: 10_001n })],
    ["zero basis tau", () => ({ basisTau: 0n })],
    ["zero reference notional", () => ({ basisRefNotional: 0n })],
    ["zero open interest cap", () => ({ openInterestCap: 0n })],
  ];

  for (const [label, change] of cases) {
    it(`names the same parameter for: ${label}`, async function () {
      const params = { ...valid, ...change(valid, now) };
      const contract = await onChain(params);
      expect(contract, "the contract refuses it").to.be.a("string");
      expect(seriesRuleViolation(params, now)?.name).to.equal(contract);
    });
  }
});
