/**
 * `replay`: a dated price history (CSV with the columns `time`, `constituent`, `price`; other
 * columns such as `basis` or `source_url` are ignored). `time` is an ISO 8601 UTC date or time;
 * each constituent's times strictly increase down the file. At the round's time t the adapter
 * reports, per constituent, its last row at or before t, observed at that row's time (a
 * constituent with no row yet is absent). Any bad row refuses the whole file with an error
 * naming file and line.
 */
import { z } from "zod";

import type { Quote } from "../types.js";
import { SourceError } from "./errors.js";
import { readSourceFile } from "./files.js";
import { formatIsoTime } from "./isoTime.js";
import { sourceOutcome } from "./outcome.js";
import { maxPriceWad } from "./price.js";
import { ConstituentCell, PriceCell, refuseBadRows, rowFields, rowPrice, rowTime, sourceTable } from "./rows.js";
import type { ReplayConfig } from "./schema.js";
import { TableError, tableFormat } from "./table.js";
import type { FetchContext, SourceOutcome } from "./types.js";

const ReplayRow = z.object({ time: z.string(), constituent: ConstituentCell, price: PriceCell });

/** One row of a replay history. */
export interface ReplayPoint {
  where: string;
  time: number;
  constituent: string;
  price: bigint;
}

export async function fetchReplay(config: ReplayConfig, ctx: FetchContext): Promise<SourceOutcome> {
  const history = await loadReplay(config, ctx.baseDir);
  const latest = new Map<string, ReplayPoint>();
  for (const point of history) {
    if (point.time <= ctx.now) latest.set(point.constituent, point);
  }
  const quotes: Quote[] = [...latest.values()]
    .sort((a, b) => (a.constituent < b.constituent ? -1 : a.constituent > b.constituent ? 1 : 0))
    .map((point) => ({
      source: config.id,
      constituent: point.constituent,
      price: point.price,
      unit: ctx.unit,
      kind: config.quoteKind,
      observedAt: point.time,
    }));
  const first = history.reduce((min, point) => Math.min(min, point.time), Infinity);
  const starts = Number.isFinite(first) ? `; it starts at ${formatIsoTime(first)}` : "; it has no rows";
  return sourceOutcome(config.id, ctx.now, quotes, [], `no row of ${config.path} at or before ${formatIsoTime(ctx.now)}${starts}`);
}

/** Every row of a replay file, checked; throws a `SourceError` naming the bad rows. */
export async function loadReplay(config: ReplayConfig, baseDir?: string): Promise<ReplayPoint[]> {
  if (tableFormat(config.path) !== "csv") throw new SourceError(config.id, `${config.path}: a replay is a .csv file`, false);
  const text = await readSourceFile(config.id, config.path, baseDir);
  const table = sourceTable(config.id, text, config.path, "csv");
  const maxPrice = maxPriceWad(config.maxPrice);
  const errors: string[] = [];
  const previous = new Map<string, ReplayPoint>();
  const points: ReplayPoint[] = [];
  for (const row of table) {
    try {
      const fields = rowFields(ReplayRow, row);
      const point: ReplayPoint = {
        where: row.where,
        time: rowTime(fields.time, row.where, "time"),
        constituent: fields.constituent,
        price: rowPrice(fields.price, row.where, maxPrice),
      };
      const before = previous.get(point.constituent);
      if (before !== undefined && point.time <= before.time) {
        throw new TableError(row.where, `time ${fields.time} of ${point.constituent} is not after its row at ${before.where}`);
      }
      previous.set(point.constituent, point);
      points.push(point);
    } catch (error) {
      if (!(error instanceof TableError)) throw error;
      errors.push(error.message);
    }
  }
  refuseBadRows(config.id, errors);
  return points;
}
