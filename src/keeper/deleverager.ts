/**
 * Deleverages accounts whose debt exceeds the insurance fund (docs/market.md, Deleveraging), when
 * the keeper holds DELEVERAGER_ROLE; otherwise it only reports them. Counterparties are ranked as
 * the exchanges' auto-deleveraging queues (and dYdX's operator) rank them: by profit ratio times
 * leverage, the most profitable and most leveraged first. Each call draws the whole insurance
 * fund into the account it closes, so after every call the keeper re-reads every account in debt
 * before choosing the next one.
 */
import type { TickContext } from "./context.js";
import type { Margin } from "./reads.js";

const WAD = 10n ** 18n;
/** Deleveraging calls per tick, so one tick cannot run forever. */
const MAX_STEPS = 64;
/** Token units kept back from a counterparty's equity: the trade's rounding dust. */
const COUNTERPARTY_SLACK = 2n;

export type DeleverageResult =
  | { status: "deleveraged"; account: string; series: string; counterparty: string; size: bigint; deficitShare: bigint; hash: string }
  | { status: "reported"; account: string; equity: bigint; insuranceFund: bigint; detail: string }
  | { status: "failed"; account: string; series: string; counterparty: string; detail: string };

/** A counterparty's standing in the queue. */
export interface Ranked {
  account: string;
  size: bigint;
  equity: bigint;
  /** profit / |entry| x notional / equity, WAD. */
  score: bigint;
}

/**
 * Deleverages every bankrupt account among `inDebt` (accounts with negative equity at the start of
 * the tick: only they can be beyond the fund, since a counterparty is kept at non-negative equity).
 */
export async function deleverageBankrupt(ctx: TickContext, inDebt: string[]): Promise<DeleverageResult[]> {
  const results: DeleverageResult[] = [];
  const stuck = new Set<string>();
  for (let step = 0; step < MAX_STEPS && !ctx.stopping(); step++) {
    const fund = await ctx.reads.insuranceFund();
    const bankrupt = await bankruptAmong(ctx, inDebt.filter((a) => !stuck.has(a)), fund);
    if (step === 0) ctx.metrics.bankruptAccounts.set(bankrupt.length);
    if (bankrupt.length === 0) break;
    const [{ account, margin }] = bankrupt; // the largest debt first
    const log = ctx.log.child({ account });
    if (!ctx.canDeleverage) {
      for (const b of bankrupt) {
        const detail = "in debt beyond the insurance fund: the keeper lacks DELEVERAGER_ROLE";
        ctx.log.warn({ account: b.account, equity: b.margin.equity.toString(), insuranceFund: fund.toString() }, detail);
        results.push({ status: "reported", account: b.account, equity: b.margin.equity, insuranceFund: fund, detail });
      }
      break;
    }
    const done = await deleverageOnce(ctx, account, margin, fund);
    if (done === undefined) {
      stuck.add(account);
      const detail = "in debt beyond the insurance fund, but no series and counterparty can take it now";
      log.warn({ equity: margin.equity.toString(), insuranceFund: fund.toString() }, detail);
      results.push({ status: "reported", account, equity: margin.equity, insuranceFund: fund, detail });
      continue;
    }
    results.push(done);
    if (done.status === "failed") stuck.add(account);
  }
  return results;
}

/** The accounts of `candidates` whose debt exceeds `fund`, the largest debt first. */
async function bankruptAmong(ctx: TickContext, candidates: string[], fund: bigint) {
  const bankrupt: { account: string; margin: Margin }[] = [];
  for (const account of candidates) {
    const margin = await ctx.reads.margin(account);
    // A stale index makes the market refuse (StalePositionIndex): wait for a fresh round.
    if (margin.openPositions > 0n && !margin.indexStale && margin.equity < 0n && -margin.equity > fund) {
      bankrupt.push({ account, margin });
    }
  }
  return bankrupt.sort((a, b) => (a.margin.equity < b.margin.equity ? -1 : a.margin.equity > b.margin.equity ? 1 : 0));
}

/** One deleverage call on `account`, in its largest eligible series, against the best counterparty. */
async function deleverageOnce(ctx: TickContext, account: string, margin: Margin, fund: bigint): Promise<DeleverageResult | undefined> {
  const open = await ctx.reads.openSeries(account);
  const tokenScale = await ctx.reads.tokenScale();
  // The account's notional in this market at reference prices: the denominator of each share.
  const legs: { series: string; size: bigint; price: bigint; multiplier: bigint; eligible: boolean }[] = [];
  let accountNotional = 0n;
  for (const series of open) {
    const info = await ctx.reads.series(series);
    const ref = await ctx.reads.referencePrice(series);
    const { size } = await ctx.reads.position(account, series);
    accountNotional += abs(size) * info.multiplier * ref.price;
    // Live with a fresh index (the next block still before expiry), or settled.
    const eligible = ref.settled || (!ref.stale && ctx.chainTime + 1n < info.expiry);
    legs.push({ series, size, price: ref.price, multiplier: info.multiplier, eligible });
  }
  const deficit = -margin.equity - fund;
  const lastLeg = legs.length === 1;
  for (const leg of legs.filter((l) => l.eligible && l.size !== 0n).sort((a, b) => cmpDesc(abs(a.size) * a.multiplier * a.price, abs(b.size) * b.multiplier * b.price))) {
    const queue = await rankCounterparties(ctx, account, leg.series, leg.size, leg.price, leg.multiplier, tokenScale);
    for (const cp of queue) {
      let size = abs(leg.size) < abs(cp.size) ? abs(leg.size) : abs(cp.size);
      // Its share is deficit x size x multiplier x price / accountNotional; it must stay solvent.
      const room = cp.equity - COUNTERPARTY_SLACK;
      if (room <= 0n) continue;
      const byEquity = (room * accountNotional) / (deficit * leg.multiplier * leg.price);
      if (size > byEquity) size = byEquity;
      // Closing the account's last position hands this counterparty all the debt left.
      if (lastLeg && size === abs(leg.size) && room < deficit) size -= 1n;
      if (size <= 0n) continue;
      const result = await send(ctx, account, leg.series, cp, size);
      if (result !== "refused") return result;
    }
  }
  return undefined;
}

/** Sends one deleverage; "refused" when the estimate reverts (the next counterparty may do). */
async function send(ctx: TickContext, account: string, series: string, cp: Ranked, size: bigint): Promise<DeleverageResult | "refused"> {
  const log = ctx.log.child({ account, series, counterparty: cp.account });
  const data = ctx.market.interface.encodeFunctionData("deleverage", [account, series, cp.account, size]);
  const estimate = await ctx.sender.estimate(ctx.marketAddress, data);
  if (!estimate.ok) {
    if (estimate.revert.name === "GasPriceAboveCap") {
      log.warn({ reason: estimate.revert.text }, "deleverage postponed: gas above the cap");
      return { status: "failed", account, series, counterparty: cp.account, detail: estimate.revert.text };
    }
    log.info({ size: size.toString(), reason: estimate.revert.text }, "deleverage refused, trying the next counterparty");
    return "refused";
  }
  ctx.metrics.deleverages.inc({ outcome: "sent" });
  log.info({ size: size.toString(), score: cp.score.toString() }, "deleveraging");
  const stillNeeded = async () => (await ctx.reads.position(account, series)).size !== 0n;
  const outcome = await ctx.sender.send("deleverage", ctx.marketAddress, data, estimate.gas, `deleverage ${account} ${series}`, stillNeeded);
  if (outcome.status !== "mined") {
    ctx.metrics.deleverages.inc({ outcome: "failed" });
    return { status: "failed", account, series, counterparty: cp.account, detail: outcome.status };
  }
  ctx.metrics.deleverages.inc({ outcome: "succeeded" });
  const event = outcome.receipt.logs.map((l) => ctx.market.interface.parseLog(l)).find((e) => e?.name === "PositionDeleveraged");
  ctx.state.setPosition(account, series, (await ctx.reads.position(account, series)).size);
  ctx.state.setPosition(cp.account, series, (await ctx.reads.position(cp.account, series)).size);
  return {
    status: "deleveraged",
    account,
    series,
    counterparty: cp.account,
    size: (event?.args.size as bigint | undefined) ?? size,
    deficitShare: (event?.args.deficitShare as bigint | undefined) ?? 0n,
    hash: outcome.receipt.hash,
  };
}

/**
 * The holders of the opposite side of `series` with positive equity, ranked by profit ratio x
 * leverage (BitMEX's and Deribit's ADL ranking; dYdX leaves the same choice to its operator).
 */
export async function rankCounterparties(
  ctx: TickContext,
  account: string,
  series: string,
  size: bigint,
  price: bigint,
  multiplier: bigint,
  tokenScale: bigint,
): Promise<Ranked[]> {
  const ranked: Ranked[] = [];
  for (const holder of ctx.state.holdersOf(series)) {
    if (holder === account.toLowerCase()) continue;
    const position = await ctx.reads.position(holder, series);
    if (position.size === 0n || position.size > 0n === size > 0n) continue;
    const { equity } = await ctx.reads.margin(holder);
    if (equity <= 0n) continue;
    ranked.push({ account: holder, size: position.size, equity, score: adlScore(position.size, position.entryNotional, price, multiplier, equity, tokenScale) });
  }
  return ranked.sort((a, b) => cmpDesc(a.score, b.score));
}

/**
 * profit ratio x leverage, WAD: (value - entry) / |entry| x (|value| / scale) / equity, with
 * value = size x multiplier x price (WAD) and equity in token units.
 */
export function adlScore(size: bigint, entryNotional: bigint, price: bigint, multiplier: bigint, equity: bigint, tokenScale: bigint): bigint {
  const value = size * multiplier * price;
  const entry = abs(entryNotional);
  if (entry === 0n || equity <= 0n) return 0n;
  const profitRatio = ((value - entryNotional) * WAD) / entry;
  const leverage = (abs(value) * WAD) / (equity * tokenScale);
  return (profitRatio * leverage) / WAD;
}

const abs = (x: bigint) => (x < 0n ? -x : x);
const cmpDesc = (a: bigint, b: bigint) => (a > b ? -1 : a < b ? 1 : 0);
