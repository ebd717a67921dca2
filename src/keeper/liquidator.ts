/**
 * Liquidates accounts below maintenance margin (docs/market.md, Liquidation). For each such
 * account the keeper picks the series whose liquidation pays most, computes the contracts that
 * will move and its reward exactly as the contract does, caps the size at what its own margin
 * can carry, and sends only when reward - gas cost >= the minimum profit. It repeats on the
 * same account (re-reading it) while it stays liquidatable: one call moves at most the contracts
 * that bring the account back to initial margin, in one series.
 */
import type { TickContext } from "./context.js";
import {
  affordableSize,
  liquidatableSize,
  liquidationReward,
  profitability,
  type LiquidationInputs,
} from "./profit.js";

/** Liquidation calls on one account per tick (each in one series). */
const MAX_STEPS_PER_ACCOUNT = 8;

export interface LiquidationPlan {
  account: string;
  series: string;
  size: bigint;
  markPrice: bigint;
  /** The liquidator's share, token units. */
  rewardUnits: bigint;
  gas: bigint;
  weiPerGas: bigint;
  gasCostWad: bigint;
  profitWad: bigint;
}

export type LiquidationResult =
  | { status: "liquidated"; plan: LiquidationPlan; moved: bigint; reward: bigint; hash: string }
  | { status: "skipped"; account: string; series?: string; reason: SkipReason; detail: string; plan?: Partial<LiquidationPlan> }
  | { status: "failed"; plan: LiquidationPlan; detail: string };

export type SkipReason = "unprofitable" | "keeper-margin" | "refused" | "gas-cap" | "stale-index" | "no-series";

/** Liquidates `account` as far as it pays; returns what happened at each step. */
export async function liquidateAccount(ctx: TickContext, account: string): Promise<LiquidationResult[]> {
  const results: LiquidationResult[] = [];
  const log = ctx.log.child({ account });
  for (let step = 0; step < MAX_STEPS_PER_ACCOUNT && !ctx.stopping(); step++) {
    const m = await ctx.reads.margin(account);
    if (m.openPositions === 0n || m.equity >= m.maintenanceMargin) break;
    const skip = (reason: SkipReason, detail: string, series?: string, plan?: Partial<LiquidationPlan>) => {
      ctx.metrics.liquidationsSkipped.inc({ reason });
      const level = reason === "keeper-margin" || reason === "gas-cap" ? "warn" : "info";
      log[level]({ series, reason, ...(plan && printable(plan)) }, `liquidation skipped: ${detail}`);
      results.push({ status: "skipped", account, ...(series !== undefined && { series }), reason, detail, ...(plan && { plan }) });
    };
    if (m.indexStale) {
      skip("stale-index", "an index the account's positions use is stale");
      break;
    }
    const fund = await ctx.reads.insuranceFund();
    if (m.equity < 0n && -m.equity > fund) break; // beyond the fund: the deleveraging job's
    const choice = await bestSeries(ctx, account, m.equity, m.initialMargin, fund);
    if (choice === undefined) {
      skip("no-series", "no series of the account can be liquidated now (expired or stale index)");
      break;
    }
    const { series, inputs, size: wanted, isLong } = choice;
    const size = await capToKeeperMargin(ctx, series, inputs, wanted, isLong);
    const rewardUnits = liquidationReward(inputs, size);
    const base = { account, series, size, markPrice: inputs.markPrice, rewardUnits };
    if (size === 0n) {
      skip("keeper-margin", `the keeper's account ${ctx.keeper} lacks the margin to take over the position: deposit collateral for it`, series, base);
      break;
    }
    const data = ctx.market.interface.encodeFunctionData("liquidate", [account, series, size]);
    const estimate = await ctx.sender.estimate(ctx.marketAddress, data);
    if (!estimate.ok) {
      const reason = estimate.revert.name === "GasPriceAboveCap" ? "gas-cap" : estimate.revert.name === "InsufficientMargin" ? "keeper-margin" : "refused";
      skip(reason, estimate.revert.text, series, base);
      break;
    }
    const economics = profitability(rewardUnits, inputs.tokenScale, estimate.gas, estimate.weiPerGas, ctx.ethPriceWad, ctx.minProfitWad);
    const plan: LiquidationPlan = { ...base, gas: estimate.gas, weiPerGas: estimate.weiPerGas, gasCostWad: economics.gasCostWad, profitWad: economics.profitWad };
    if (!economics.profitable) {
      skip("unprofitable", "reward - gas cost is below the minimum profit", series, plan);
      break;
    }
    ctx.metrics.liquidations.inc({ outcome: "sent" });
    log.info({ series, ...printable(plan) }, "liquidating");
    // Before replacing a stuck transaction: is the account still liquidatable in this series?
    const stillNeeded = async () => {
      const now = await ctx.reads.margin(account);
      return now.equity < now.maintenanceMargin && (await ctx.reads.position(account, series)).size !== 0n;
    };
    const outcome = await ctx.sender.send("liquidate", ctx.marketAddress, data, estimate.gas, `liquidate ${account} ${series}`, stillNeeded);
    if (outcome.status !== "mined") {
      ctx.metrics.liquidations.inc({ outcome: "failed" });
      results.push({ status: "failed", plan, detail: outcome.status });
      break;
    }
    ctx.metrics.liquidations.inc({ outcome: "succeeded" });
    const event = outcome.receipt.logs
      .map((l) => ctx.market.interface.parseLog(l))
      .find((e) => e?.name === "PositionLiquidated");
    const moved = (event?.args.size as bigint | undefined) ?? 0n;
    const reward = (event?.args.toLiquidator as bigint | undefined) ?? 0n;
    ctx.state.setPosition(account, series, (await ctx.reads.position(account, series)).size);
    results.push({ status: "liquidated", plan, moved, reward, hash: outcome.receipt.hash });
  }
  return results;
}

interface SeriesChoice {
  series: string;
  inputs: LiquidationInputs;
  size: bigint;
  isLong: boolean;
}

/** Among the account's live series with a fresh index, the one whose liquidation pays most. */
async function bestSeries(ctx: TickContext, account: string, equity: bigint, initialMargin: bigint, fund: bigint) {
  let best: (SeriesChoice & { reward: bigint }) | undefined;
  const tokenScale = await ctx.reads.tokenScale();
  for (const series of await ctx.reads.openSeries(account)) {
    const info = await ctx.reads.series(series);
    // liquidate refuses from expiry on; the next block is at least a second later.
    if (ctx.chainTime + 1n >= info.expiry) continue;
    const now = await ctx.reads.seriesNow(series);
    if (now.indexStale || now.settlementPrice !== 0n) continue;
    const position = await ctx.reads.position(account, series);
    if (position.size === 0n) continue;
    const inputs: LiquidationInputs = {
      positionSize: position.size < 0n ? -position.size : position.size,
      multiplier: info.multiplier,
      markPrice: now.markPrice,
      initialMarginBps: info.initialMarginBps,
      liquidationPenaltyBps: info.liquidationPenaltyBps,
      liquidatorShareBps: info.liquidatorShareBps,
      tokenScale,
      equity,
      initialMargin,
      insuranceFund: fund,
    };
    const size = liquidatableSize(inputs);
    const reward = liquidationReward(inputs, size);
    if (best === undefined || reward > best.reward || (reward === best.reward && size > best.size)) {
      best = { series, inputs, size, isLong: position.size > 0n, reward };
    }
  }
  return best;
}

/** The size the keeper's own margin can take over (it must meet initial margin afterwards). */
async function capToKeeperMargin(ctx: TickContext, series: string, inputs: LiquidationInputs, wanted: bigint, accountIsLong: boolean) {
  const keeper = await ctx.reads.margin(ctx.keeper);
  const own = (await ctx.reads.position(ctx.keeper, series)).size;
  // The keeper takes the account's side: a position of its own on the other side shrinks first.
  const opposite = accountIsLong ? (own < 0n ? -own : 0n) : own > 0n ? own : 0n;
  const affordable = affordableSize(
    keeper.equity - keeper.initialMargin,
    opposite,
    inputs.multiplier,
    inputs.markPrice,
    inputs.initialMarginBps,
    inputs.tokenScale,
  );
  return wanted < affordable ? wanted : affordable;
}

/** The plan's numbers as strings for the log line (its account and series are already on it). */
function printable(plan: Partial<LiquidationPlan>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(plan)
      .filter(([k]) => k !== "account" && k !== "series")
      .map(([k, v]) => [k, String(v)]),
  );
}
