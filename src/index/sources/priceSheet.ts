/**
 * `price-sheet`: an operator-maintained file of provider list prices (CSV, JSON or YAML by
 * extension; see table.ts) with the columns `constituent`, `price` (a decimal in the feed's
 * unit), `observedAt` (ISO 8601 UTC date or time: when the operator read the price) and
 * optionally `segment` and `source_url`; other columns are ignored. With the config's `segments`,
 * only rows of those segments count. Each constituent appears once (among the counted rows).
 *
 * Any bad row (unparseable, zero, negative or absurd price, bad date, duplicate constituent)
 * refuses the whole file with an error naming file and line. A row observed after the round's
 * time is rejected (listed) but does not spoil the file.
 */
import { z } from "zod";

import type { Quote } from "../types.js";
import { SourceError } from "./errors.js";
import { readSourceFile } from "./files.js";
import { formatIsoTime } from "./isoTime.js";
import { sourceOutcome } from "./outcome.js";
import { maxPriceWad } from "./price.js";
import { ConstituentCell, PriceCell, refuseBadRows, rowFields, rowPrice, rowTime, sourceTable } from "./rows.js";
import type { PriceSheetConfig } from "./schema.js";
import { TableError, tableFormat } from "./table.js";
import type { FetchContext, Rejection, SourceOutcome } from "./types.js";

const SheetRow = z.object({
  constituent: ConstituentCell,
  price: PriceCell,
  observedAt: z.string(),
  segment: z.string().optional(),
  source_url: z.url().optional(),
});

export async function fetchPriceSheet(config: PriceSheetConfig, ctx: FetchContext): Promise<SourceOutcome> {
  const format = tableFormat(config.path);
  if (format === undefined) {
    throw new SourceError(config.id, `${config.path}: unknown sheet format (expected .csv, .json, .yaml or .yml)`, false);
  }
  const text = await readSourceFile(config.id, config.path, ctx.baseDir);
  const table = sourceTable(config.id, text, config.path, format);

  const maxPrice = maxPriceWad(config.maxPrice);
  const errors: string[] = [];
  const firstLine = new Map<string, string>();
  const quotes: Quote[] = [];
  const rejected: Rejection[] = [];
  for (const row of table) {
    try {
      const fields = rowFields(SheetRow, row);
      const price = rowPrice(fields.price, row.where, maxPrice);
      const observedAt = rowTime(fields.observedAt, row.where, "observedAt");
      if (config.segments !== undefined && !config.segments.includes(fields.segment ?? "")) continue;
      const earlier = firstLine.get(fields.constituent);
      if (earlier !== undefined) throw new TableError(row.where, `constituent ${fields.constituent} already priced at ${earlier}`);
      firstLine.set(fields.constituent, row.where);
      if (observedAt > ctx.now) {
        const reason = `observed at ${fields.observedAt}, after the round's time ${formatIsoTime(ctx.now)}`;
        rejected.push({ item: row.where, constituent: fields.constituent, reason });
        continue;
      }
      const { constituent } = fields;
      quotes.push({ source: config.id, constituent, price, unit: ctx.unit, kind: config.quoteKind, observedAt });
    } catch (error) {
      if (!(error instanceof TableError)) throw error;
      errors.push(error.message);
    }
  }
  refuseBadRows(config.id, errors);
  const scope = config.segments === undefined ? "" : ` in segments ${config.segments.join(", ")}`;
  return sourceOutcome(config.id, ctx.now, quotes, rejected, `no usable row in ${config.path}${scope}`);
}
