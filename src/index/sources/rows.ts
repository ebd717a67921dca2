/**
 * Checking one row of a price sheet or replay file. A bad row is an error naming the file and
 * line; the adapters refuse the whole file on any bad row (an operator's file that is partly
 * wrong, e.g. with a shifted column, is not to be half-trusted).
 */
import { z } from "zod";

import { toWad } from "../decimal.js";
import { DecimalError } from "../errors.js";
import { parseIsoTime } from "./isoTime.js";
import { priceProblem } from "./price.js";
import { Slug } from "./schema.js";
import { SourceError } from "./errors.js";
import { readTable, TableError, type TableFormat, type TableRow } from "./table.js";
import { describeIssues } from "./validate.js";

/** Parses `row.values` with `schema`, or throws a `TableError` naming the row. */
export function rowFields<S extends z.ZodType>(schema: S, row: TableRow): z.output<S> {
  const result = schema.safeParse(row.values);
  if (!result.success) throw new TableError(row.where, describeIssues(result.error.issues));
  return result.data;
}

/** A price cell: a decimal string (or a JSON number, through `String(n)`). */
export const PriceCell = z.union([z.string(), z.number()]);
export const ConstituentCell = Slug;

/** The WAD price of a row's price cell: exact, positive, at most `maxPrice`. */
export function rowPrice(cell: string | number, where: string, maxPrice: bigint): bigint {
  const text = typeof cell === "number" ? String(cell) : cell;
  let price: bigint;
  try {
    price = toWad(cell);
  } catch (error) {
    if (error instanceof DecimalError) throw new TableError(where, `price: ${error.message}`);
    throw error;
  }
  const problem = priceProblem(price, maxPrice);
  if (problem !== undefined) throw new TableError(where, `price ${JSON.stringify(text)}: ${problem}`);
  return price;
}

/** Unix seconds of a row's ISO 8601 UTC time cell. */
export function rowTime(cell: string, where: string, column: string): number {
  try {
    return parseIsoTime(cell);
  } catch (error) {
    throw new TableError(where, `${column}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `readTable` for a source: a file that is not a table becomes a `SourceError`. */
export function sourceTable(source: string, text: string, path: string, format: TableFormat): TableRow[] {
  try {
    return readTable(text, path, format);
  } catch (error) {
    if (error instanceof TableError) throw new SourceError(source, error.message, false);
    throw error;
  }
}

/** Most bad rows named in one error. */
const SHOWN_ERRORS = 5;

/** Throws a `SourceError` naming the first bad rows, when there are any. */
export function refuseBadRows(source: string, errors: string[]): void {
  if (errors.length === 0) return;
  const more = errors.length > SHOWN_ERRORS ? `; +${errors.length - SHOWN_ERRORS} more` : "";
  const label = errors.length === 1 ? "a bad row" : `${errors.length} bad rows`;
  throw new SourceError(source, `${label}: ${errors.slice(0, SHOWN_ERRORS).join("; ")}${more}`, false);
}
