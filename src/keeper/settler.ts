/**
 * Expiry settlement (docs/market.md, Expiry and settlement): `settleSeries` once a series has
 * expired (while the oracle cannot cover the window the call reverts; the keeper logs why and
 * retries next tick), then the accounts. During the hour after settleSeries (the deleveraging
 * hour) only an account whose last position leaves a debt the insurance fund covers may settle:
 * those settle one at a time, each judged against the fund left by the previous one. From then on
 * accounts settle in batches with `settleAccounts`. Before every transaction the chain is read:
 * a settled series or a zero position is never sent again.
 */
import type { TickContext } from "./context.js";

export type SeriesSettlement =
  | { status: "settled"; series: string; price: bigint; hash: string }
  | { status: "waiting"; series: string; reason: string };

export interface AccountSettlement {
  series: string;
  /** Accounts settled by the keeper's transactions (AccountSettled events). */
  settled: string[];
  transactions: number;
}

/** Sends settleSeries for every expired, unsettled series the keeper knows. */
export async function settleExpiredSeries(ctx: TickContext): Promise<SeriesSettlement[]> {
  const results: SeriesSettlement[] = [];
  for (const [series, record] of ctx.state.series) {
    if (ctx.stopping()) break;
    if (record.done || record.settledAt !== null) continue;
    const info = await ctx.reads.series(series);
    if (ctx.chainTime < info.expiry) continue;
    const log = ctx.log.child({ series });
    const now = await ctx.reads.seriesNow(series);
    if (now.settlementPrice !== 0n) continue; // settled by someone else: the scan records when
    const data = ctx.market.interface.encodeFunctionData("settleSeries", [series]);
    const estimate = await ctx.sender.estimate(ctx.marketAddress, data);
    if (!estimate.ok) {
      log.warn({ reason: estimate.revert.text }, "series expired but cannot settle yet; retrying next tick");
      results.push({ status: "waiting", series, reason: estimate.revert.text });
      continue;
    }
    const stillNeeded = async () => (await ctx.reads.seriesNow(series)).settlementPrice === 0n;
    const outcome = await ctx.sender.send("settleSeries", ctx.marketAddress, data, estimate.gas, `settleSeries ${series}`, stillNeeded);
    if (outcome.status !== "mined") {
      results.push({ status: "waiting", series, reason: `transaction ${outcome.status}` });
      continue;
    }
    const block = await outcome.receipt.getBlock();
    ctx.state.markSettled(series, block.timestamp);
    await ctx.state.save();
    ctx.metrics.seriesSettled.inc();
    const price = (await ctx.reads.seriesNow(series)).settlementPrice;
    log.info({ price: price.toString(), settledAt: block.timestamp }, "series settled");
    results.push({ status: "settled", series, price, hash: outcome.receipt.hash });
  }
  return results;
}

/** Settles the accounts of every settled series the keeper has not finished. */
export async function settleAccountsDue(ctx: TickContext): Promise<AccountSettlement[]> {
  const results: AccountSettlement[] = [];
  for (const [series, record] of ctx.state.series) {
    if (ctx.stopping()) break;
    if (record.done || record.settledAt === null) continue;
    const holders = await stillHolding(ctx, series);
    if (holders.length === 0) {
      ctx.state.markDone(series);
      await ctx.state.save();
      ctx.log.info({ series }, "every known account of the series is settled");
      continue;
    }
    const opensAt = BigInt(record.settledAt) + (await ctx.reads.settlementDelay());
    const result = ctx.chainTime >= opensAt ? await settleInBatches(ctx, series, holders) : await settleCoveredDebtors(ctx, series, holders);
    if (result.transactions > 0) results.push(result);
  }
  return results;
}

/** The known holders whose position in `series` is still open on chain (the state is corrected). */
async function stillHolding(ctx: TickContext, series: string): Promise<string[]> {
  const holding: string[] = [];
  for (const account of ctx.state.holdersOf(series)) {
    const { size } = await ctx.reads.position(account, series);
    ctx.state.setPosition(account, series, size);
    if (size !== 0n) holding.push(account);
  }
  return holding;
}

async function settleInBatches(ctx: TickContext, series: string, holders: string[]): Promise<AccountSettlement> {
  const result: AccountSettlement = { series, settled: [], transactions: 0 };
  for (let i = 0; i < holders.length && !ctx.stopping(); i += ctx.batchSize) {
    const batch = holders.slice(i, i + ctx.batchSize);
    const data = ctx.market.interface.encodeFunctionData("settleAccounts", [series, batch]);
    const settled = await sendSettlement(ctx, series, data, `settleAccounts ${series} (${batch.length})`, batch);
    if (settled === undefined) break;
    result.transactions++;
    result.settled.push(...settled);
  }
  return result;
}

/** Within the deleveraging hour: one at a time, each account whose debt the fund covers now. */
async function settleCoveredDebtors(ctx: TickContext, series: string, holders: string[]): Promise<AccountSettlement> {
  const result: AccountSettlement = { series, settled: [], transactions: 0 };
  for (const account of holders) {
    if (ctx.stopping()) break;
    const m = await ctx.reads.margin(account);
    const fund = await ctx.reads.insuranceFund();
    if (!(m.openPositions === 1n && m.equity < 0n && -m.equity <= fund)) continue;
    const data = ctx.market.interface.encodeFunctionData("settleAccount", [account, series]);
    const settled = await sendSettlement(ctx, series, data, `settleAccount ${account} ${series}`, [account]);
    if (settled === undefined) continue;
    result.transactions++;
    result.settled.push(...settled);
  }
  return result;
}

/** Estimates and sends one settlement transaction; the accounts it settled, or undefined if refused. */
async function sendSettlement(ctx: TickContext, series: string, data: string, label: string, accounts: string[]) {
  const log = ctx.log.child({ series });
  const estimate = await ctx.sender.estimate(ctx.marketAddress, data);
  if (!estimate.ok) {
    log.warn({ accounts, reason: estimate.revert.text }, "account settlement refused; retrying next tick");
    return undefined;
  }
  const stillNeeded = async () => {
    for (const account of accounts) if ((await ctx.reads.position(account, series)).size !== 0n) return true;
    return false;
  };
  const outcome = await ctx.sender.send("settleAccounts", ctx.marketAddress, data, estimate.gas, label, stillNeeded);
  if (outcome.status !== "mined") return undefined;
  const settled: string[] = [];
  for (const l of outcome.receipt.logs) {
    const event = ctx.market.interface.parseLog(l);
    if (event?.name !== "AccountSettled") continue;
    settled.push((event.args.account as string).toLowerCase());
    ctx.state.setPosition(event.args.account as string, series, 0n);
  }
  ctx.metrics.accountsSettled.inc(settled.length);
  await ctx.state.save();
  log.info({ accounts: settled }, "accounts settled");
  return settled;
}
