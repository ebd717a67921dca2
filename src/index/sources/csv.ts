/**
 * A small RFC 4180 CSV reader: comma-separated fields, optional double quotes (with "" for a
 * quote and line breaks allowed inside), CRLF or LF, a leading BOM ignored, blank lines skipped.
 * Every record keeps the file line it starts on, for error messages.
 */

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = "CsvError";
  }
}

export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const input = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let line = 1;
  let i = 0;
  while (i < input.length) {
    const start = line;
    const fields: string[] = [];
    let field = "";
    let quoted = false;
    let endOfRecord = false;
    while (i < input.length && !endOfRecord) {
      const char = input[i]!;
      if (quoted) {
        if (char === '"') {
          if (input[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          quoted = false;
          i++;
          const next = input[i];
          if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") {
            throw new CsvError(line, `unexpected ${JSON.stringify(next)} after a closing quote`);
          }
          continue;
        }
        if (char === "\n") line++;
        field += char;
        i++;
        continue;
      }
      if (char === '"') {
        if (field.trim() !== "") throw new CsvError(line, "a quote inside an unquoted field");
        field = "";
        quoted = true;
        i++;
      } else if (char === ",") {
        fields.push(field);
        field = "";
        i++;
      } else if (char === "\n" || char === "\r") {
        i += char === "\r" && input[i + 1] === "\n" ? 2 : 1;
        line++;
        endOfRecord = true;
      } else {
        field += char;
        i++;
      }
    }
    if (quoted) throw new CsvError(start, "unterminated quoted field");
    fields.push(field);
    const blank = fields.length === 1 && fields[0]!.trim() === "";
    if (!blank) records.push({ line: start, fields });
  }
  return records;
}
