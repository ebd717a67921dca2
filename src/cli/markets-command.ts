/**
 * `cfx markets`: every listed series with its index, mark, basis, open interest, time to expiry
 * and state (client.series()). Before a feed's first oracle round its series are still listed,
 * with "no round yet" where the index would be.
 */
import { Command } from "commander";

import { formatSize, type SeriesInfo } from "../client/index.js";
import { runSession, type Session } from "./context.js";
import { formatDuration, price, utc } from "./format.js";
import { withConnection, type ConnectionOptions } from "./options.js";
import { printResult } from "./output.js";
import { stateByTime, type ListedSeries } from "./series-list.js";
import type { NamedSeries } from "./series-names.js";
import { renderTable } from "./table.js";

/** A row: the client's full view of the series, or only its listing when its feed has no round. */
interface MarketRow {
  series: NamedSeries & ListedSeries;
  info: SeriesInfo | undefined;
}

export function marketsCommand(): Command {
  const command = new Command("markets")
    .description("list the series: index, mark, basis, open interest, time to expiry, state")
    .addHelpText("after", "\nExamples:\n  cfx markets\n  cfx markets --json | jq '.[] | select(.state == \"trading\") | .name'")
    .action(async (options: ConnectionOptions) => {
      await runSession(options, { signer: false }, async (session) => {
        const { rows, now } = await marketRows(session);
        printResult(session.json, rows.map((row) => jsonRow(row, now)), () => table(rows, now));
      });
    });
  return withConnection(command);
}

/** The rows, and the chain's time for the series read without the client (no index round). */
async function marketRows(session: Session): Promise<{ rows: MarketRow[]; now: bigint }> {
  const [listed, block] = await Promise.all([session.series(), session.provider.getBlock("latest")]);
  const all = await session.client.series();
  // A series whose feed has no round yet is shown bare ("no round yet"): the market cannot value it.
  const infos = listed.map((s) => all.find((info) => info.id === s.id && info.hasIndex));
  return { rows: listed.map((series, i) => ({ series, info: infos[i] })), now: BigInt(block!.timestamp) };
}

function jsonRow({ series, info }: MarketRow, now: bigint) {
  if (info !== undefined) return { name: series.name, ...info };
  const { id, label, params, feedName } = series;
  const { feed, expiry, lastTradingTime } = params;
  return { name: series.name, id, feed, feedName, label, params, state: stateByTime(params, now), expiry, lastTradingTime, index: null };
}

function table(rows: MarketRow[], now: bigint): string {
  if (rows.length === 0) return "no series listed";
  return renderTable(
    ["series", "feed", "expiry", "index", "mark", "basis", "open interest", "expires in", "state"],
    rows.map(({ series, info }) => {
      const feed = series.feedName ?? series.params.feed;
      const expiry = utc(series.params.expiry).slice(0, 10);
      if (info === undefined) {
        const left = series.params.expiry > now ? series.params.expiry - now : 0n;
        return [series.name, feed, expiry, "no round yet", "-", "-", "-", left === 0n ? "-" : formatDuration(left), stateByTime(series.params, now)];
      }
      const state = `${info.state}${info.paused ? " (paused)" : ""}${info.indexStale && info.state === "trading" ? " (index stale)" : ""}`;
      const mark = info.settlementPrice === undefined ? price(info.mark) : `${price(info.settlementPrice)} (settled)`;
      return [
        series.name,
        feed,
        expiry,
        price(info.index),
        mark,
        price(info.basis),
        formatSize(info.openInterest),
        info.timeToExpiry === 0n ? "-" : formatDuration(info.timeToExpiry),
        state,
      ];
    }),
  );
}
