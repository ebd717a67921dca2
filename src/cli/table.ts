/**
 * Plain-text tables for the command line and the demo: a header row, columns two spaces apart,
 * numbers right-aligned (a column is numeric when every cell looks like a number), no trailing
 * spaces. Cells are strings: callers format bigints with the client's helpers first.
 */
const NUMERIC = /^[-+]?[$]?[\d,]+(\.\d+)?( ?[%a-zA-Z]+)?$|^-$/;

export function renderTable(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  const numeric = headers.map((_, column) => rows.length > 0 && rows.every((row) => NUMERIC.test(row[column] ?? "")));
  const line = (row: string[]) =>
    row
      .map((cell = "", column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** JSON for scripts: bigints as decimal strings (exact), two-space indentation. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** The same layout without a header row, for key-value listings ("equity  1,240.50 mUSD"). */
export function renderRows(rows: string[][]): string {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const headers = Array.from({ length: columns }, () => "");
  return renderTable(headers, rows).split("\n").slice(1).join("\n");
}
