/**
 * A plain-text report of one computation: the value, the constituent table and every dropped
 * quote with its reason. `cfx index compute` prints it; the worked examples in
 * docs/methodology.md are its output, checked by test/index/methodology.docs.ts.
 */
import type { FeedConfig } from "./config.js";
import { formatWad } from "./decimal.js";
import type { IndexResult } from "./types.js";

/** The report of `result`, a computation of `feed`; lines end with "\n". */
export function formatIndexReport(feed: FeedConfig, result: IndexResult): string {
  const { diagnostics } = result;
  const { now, constituentsPriced, constituents, minConstituents } = diagnostics;
  const isoTime = new Date(now * 1000).toISOString(); // display only
  const lines = [
    `${feed.id} (methodology v${feed.methodologyVersion}) at ${now} (${isoTime})`,
    result.ok ? `value: ${formatWad(result.value)} ${feed.unit}` : `value: none (${result.error})`,
    ...(result.ok ? [`inputsHash: ${result.inputsHash}`] : []),
    `aggregation: ${diagnostics.aggregation}; ` +
      `constituents priced: ${constituentsPriced} of ${constituents.length} (at least ${minConstituents} needed)`,
    "",
    ...table([
      ["constituent", "weight", "price", "median", "kind", "quotes", "sources", "status"],
      ...constituents.map((c) => [
        c.id,
        formatWad(c.weight),
        c.price === undefined ? "-" : formatWad(c.price),
        c.reference === undefined ? "-" : formatWad(c.reference),
        c.kind ?? "-",
        String(c.quotesUsed),
        c.sources.join(",") || "-",
        c.used ? "used" : (c.reason ?? "dropped"),
      ]),
    ]),
  ];
  const dropped = diagnostics.quotes.filter((entry) => !entry.used);
  if (dropped.length > 0) {
    lines.push("", "dropped quotes:");
    lines.push(
      ...table([
        ["source", "constituent", "price", "kind", "observedAt", "weight", "reason"],
        ...dropped.map(({ quote, reason }) => [
          quote.source,
          quote.constituent,
          typeof quote.price === "bigint" ? formatWad(quote.price) : String(quote.price), // may be malformed
          quote.kind,
          String(quote.observedAt),
          quote.weight === undefined ? "-" : quote.weight.toString(),
          reason ?? "-",
        ]),
      ]),
    );
  }
  return lines.map((line) => `${line}\n`).join("");
}

/** Left-aligned columns two spaces apart, no trailing spaces. */
function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join("  ")
      .trimEnd(),
  );
}
