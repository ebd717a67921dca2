/**
 * `cfx settle --series <s> [--accounts a,b]`: fixes an expired series' settlement price
 * (settleSeries, once), then settles its accounts at it (settleAccounts, in batches) once the
 * market allows: an hour after the price is fixed. Run it again after that hour for the accounts.
 */
import { Command } from "commander";

import { formatSize, type CfxClient } from "../client/index.js";
import { runSession, type Session } from "./context.js";
import { UsageError } from "./errors.js";
import { formatDuration, pnl, price, utc } from "./format.js";
import { parseAddress } from "./inputs.js";
import { withConnection, withKey, type ConnectionOptions, type KeyOptions } from "./options.js";
import { note, printResult } from "./output.js";
import { marketEvent, marketEvents } from "./receipt-events.js";
import { accountsOpenAt, holdersOf } from "./settlement.js";
import { renderTable } from "./table.js";

type Options = ConnectionOptions & KeyOptions & { series: string; accounts?: string; batchSize: string };

interface SettledAccount {
  account: string;
  size: bigint;
  cash: bigint;
  txHash: string;
}

export function settleCommand(): Command {
  const command = new Command("settle")
    .description("settle an expired series: fix its settlement price, then settle its accounts (from an hour later)")
    .requiredOption("--series <series>", "the series (name, label or id)")
    .option("--accounts <list>", "comma-separated accounts to settle (default: every account holding a position, from the events)")
    .option("--batch-size <n>", "accounts per settleAccounts transaction", "50")
    .addHelpText(
      "after",
      `
The settlement price is the index TWAP over the series' settlement window, which ends at expiry.
Accounts settle from ACCOUNT_SETTLEMENT_DELAY (1 hour) after the price is fixed.

Examples:
  cfx settle --series H100-2026-12
  cfx settle --series H100-2026-12 --accounts 0x70997970C51812dc3A010C7d01b50e0d17dc79C8,0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC`,
    )
    .action(async (options: Options) => {
      const accounts = options.accounts?.split(",").map((a, i) => parseAddress(a.trim(), `--accounts[${i}]`));
      const batchSize = batch(options.batchSize);
      await runSession(options, { signer: true }, async (session) => settle(session, options.series, accounts, batchSize));
    });
  return withKey(withConnection(command));
}

function batch(text: string): number {
  if (!/^\d{1,4}$/.test(text) || Number(text) === 0) throw new UsageError(`--batch-size: expected 1 to 9999 accounts, got "${text}"`);
  return Number(text);
}

async function settle(session: Session, seriesText: string, given: string[] | undefined, batchSize: number): Promise<void> {
  const { client } = session;
  const series = await session.findSeries(seriesText);
  const info = await client.seriesInfo(series.id);
  if (info.state === "trading" || info.state === "closed") {
    throw new UsageError(
      `${series.name} expires at ${utc(info.expiry)} (in ${formatDuration(info.expiry - info.timestamp)}): it cannot settle before`,
    );
  }
  let settlementPrice = info.settlementPrice;
  let seriesTx: string | undefined;
  if (settlementPrice === undefined) {
    const receipt = await session.progress.during(`fixing the settlement price of ${series.name}`, client.settleSeries(series.id));
    settlementPrice = marketEvent(client, receipt, "SeriesSettled").settlementPrice as bigint;
    seriesTx = receipt.hash;
    note(session.json, `${series.name} settled at ${price(settlementPrice, "nearest", 18)} (tx ${receipt.hash})`);
  }
  const base = { series: series.id, name: series.name, settlementPrice, seriesTx };

  const openAt = await accountsOpenAt(client, series.id);
  const now = BigInt((await session.provider.getBlock("latest"))!.timestamp);
  if (now < openAt) {
    const again = /\s/.test(series.name) ? `"${series.name}"` : series.name;
    const wait = `accounts settle from ${utc(openAt)} (in ${formatDuration(openAt - now)}): run cfx settle --series ${again} again then`;
    printResult(session.json, { ...base, accountsOpenAt: openAt, settled: [] }, () => wait);
    return;
  }
  const accounts = given ?? (await session.progress.during(`finding the holders of ${series.name}`, holdersOf(client, series.id)));
  const settled = accounts.length === 0 ? [] : await settleInBatches(session, series.id, series.name, accounts, batchSize);
  printResult(session.json, { ...base, accountsOpenAt: openAt, settled }, () => report(client, series.name, settlementPrice, settled));
}

async function settleInBatches(session: Session, id: string, name: string, accounts: string[], size: number): Promise<SettledAccount[]> {
  const settled: SettledAccount[] = [];
  for (let start = 0; start < accounts.length; start += size) {
    const chunk = accounts.slice(start, start + size);
    const receipt = await session.progress.during(
      `settling ${chunk.length} account${chunk.length === 1 ? "" : "s"} of ${name}`,
      session.client.settleAccounts(id, chunk),
    );
    for (const args of marketEvents(session.client, receipt, "AccountSettled")) {
      settled.push({ account: args.account as string, size: args.size as bigint, cash: args.cash as bigint, txHash: receipt.hash });
    }
  }
  return settled;
}

function report(client: CfxClient, name: string, settlementPrice: bigint, settled: SettledAccount[]): string {
  if (settled.length === 0) return `${name} settled at ${price(settlementPrice, "nearest", 18)}; no account holds a position: nothing to settle`;
  const rows = settled.map((s) => [s.account, formatSize(s.size, { plusSign: true }), pnl(s.cash, client.collateral), s.txHash]);
  return `${name} settled at ${price(settlementPrice, "nearest", 18)}\n${renderTable(["account", "size", "cash", "tx"], rows)}`;
}
