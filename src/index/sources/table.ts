/**
 * Rows of a price sheet or replay file, each with where it came from ("file.csv:7",
 * "file.yaml:12", "file.json rows[3]") for error messages.
 * - CSV: a header line naming the columns, then one row per line; every row has the header's
 *   number of fields. Cells are trimmed; an empty cell is a missing value.
 * - JSON: `{ "rows": [ { column: value, ... }, ... ] }`.
 * - YAML: `rows:` then a list of maps, read with the failsafe schema (every scalar a string,
 *   so `price: 3.99` is the text "3.99", never a float).
 */
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";

import { CsvError, parseCsv } from "./csv.js";

export interface TableRow {
  where: string;
  values: Record<string, unknown>;
}

/** A file that is not a table at all, or a row of the wrong shape. */
export class TableError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
    this.name = "TableError";
  }
}

export type TableFormat = "csv" | "json" | "yaml";

/** The format named by a file's extension, or undefined. */
export function tableFormat(path: string): TableFormat | undefined {
  const extension = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (extension === "csv") return "csv";
  if (extension === "json") return "json";
  if (extension === "yaml" || extension === "yml") return "yaml";
  return undefined;
}

/** Reads `text` as a table; `name` is how messages name the file. Throws `TableError`. */
export function readTable(text: string, name: string, format: TableFormat): TableRow[] {
  if (format === "csv") return csvTable(text, name);
  if (format === "json") return jsonTable(text, name);
  return yamlTable(text, name);
}

function csvTable(text: string, name: string): TableRow[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvError) throw new TableError(`${name}:${error.line}`, error.message);
    throw error;
  }
  const [header, ...body] = records;
  if (header === undefined) throw new TableError(name, "empty file (no header line)");
  const columns = header.fields.map((field) => field.trim());
  const seen = new Set<string>();
  for (const column of columns) {
    if (column === "") throw new TableError(`${name}:${header.line}`, "an empty column name in the header");
    if (seen.has(column)) throw new TableError(`${name}:${header.line}`, `column ${column} appears twice in the header`);
    seen.add(column);
  }
  return body.map((record) => {
    const where = `${name}:${record.line}`;
    if (record.fields.length !== columns.length) {
      throw new TableError(where, `${record.fields.length} fields, the header has ${columns.length}`);
    }
    const values: Record<string, unknown> = {};
    columns.forEach((column, i) => {
      const cell = record.fields[i]!.trim();
      if (cell !== "") values[column] = cell;
    });
    return { where, values };
  });
}

function jsonTable(text: string, name: string): TableRow[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new TableError(name, `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const rows = (document as { rows?: unknown } | null)?.rows;
  if (typeof document !== "object" || document === null || !Array.isArray(rows)) {
    throw new TableError(name, 'expected an object with a "rows" array');
  }
  return rows.map((row, i) => {
    const where = `${name} rows[${i}]`;
    if (typeof row !== "object" || row === null || Array.isArray(row)) throw new TableError(where, "a row is not an object");
    return { where, values: row as Record<string, unknown> };
  });
}

function yamlTable(text: string, name: string): TableRow[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { schema: "failsafe", lineCounter });
  const lineOf = (offset: number | undefined) => (offset === undefined ? "?" : String(lineCounter.linePos(offset).line));
  const problem = document.errors[0];
  if (problem !== undefined) throw new TableError(`${name}:${lineOf(problem.pos[0])}`, `not YAML (${problem.code})`);
  const rows = isMap(document.contents) ? document.contents.get("rows", true) : undefined;
  if (!isSeq(rows)) throw new TableError(name, "expected a map with a `rows` list");
  return rows.items.map((item) => {
    const where = `${name}:${lineOf((item as { range?: [number, number, number] } | null)?.range?.[0])}`;
    if (!isMap(item)) throw new TableError(where, "a row is not a map");
    return { where, values: item.toJS(document) as Record<string, unknown> };
  });
}
