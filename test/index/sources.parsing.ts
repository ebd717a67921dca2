/**
 * The small readers under the file adapters: CSV records with their lines, ISO 8601 UTC times,
 * and URL redaction for error messages.
 */
import { expect } from "chai";
import fc from "fast-check";

import { CsvError, parseCsv } from "../../src/index/sources/csv.js";
import { redact } from "../../src/index/sources/http.js";
import { formatIsoTime, parseIsoTime } from "../../src/index/sources/isoTime.js";

describe("sources: CSV reader", function () {
  it("splits records and fields, keeping each record's first line", function () {
    expect(parseCsv("a,b\n1,2\n3,4\n")).to.deep.equal([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["1", "2"] },
      { line: 3, fields: ["3", "4"] },
    ]);
  });

  it("reads quoted fields with commas, doubled quotes and line breaks", function () {
    expect(parseCsv('a,b\n"x, y","say ""hi"""\n"two\nlines",z\nlast,row')).to.deep.equal([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["x, y", 'say "hi"'] },
      { line: 3, fields: ["two\nlines", "z"] },
      { line: 5, fields: ["last", "row"] },
    ]);
  });

  it("accepts CRLF line ends, a BOM and blank lines, and counts lines through them", function () {
    expect(parseCsv("\uFEFFa,b\r\n\r\n1,2\r\n")).to.deep.equal([
      { line: 1, fields: ["a", "b"] },
      { line: 3, fields: ["1", "2"] },
    ]);
  });

  it("keeps empty fields", function () {
    expect(parseCsv("a,,c,\n")).to.deep.equal([{ line: 1, fields: ["a", "", "c", ""] }]);
  });

  it("refuses an unterminated quote, naming the line it starts on", function () {
    expect(() => parseCsv('a\n"open\nstill open')).to.throw(CsvError, "unterminated quoted field").with.property("line", 2);
  });

  it("refuses a quote inside an unquoted field", function () {
    expect(() => parseCsv('a\nab"c"\n')).to.throw(CsvError, "a quote inside an unquoted field").with.property("line", 2);
  });

  it("refuses text after a closing quote", function () {
    expect(() => parseCsv('a\n"x"y\n')).to.throw(CsvError, 'unexpected "y" after a closing quote');
  });

  it("reads back any table it is given, quoted the RFC 4180 way", function () {
    const cell = fc.string({ unit: fc.constantFrom("a", "1", ",", '"', "\n", " ", "é") });
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 5 }), (table) => {
        const text = table.map((row) => row.map((f) => `"${f.replaceAll('"', '""')}"`).join(",")).join("\n");
        expect(parseCsv(text).map((r) => r.fields)).to.deep.equal(table);
      }),
    );
  });
});

describe("sources: ISO 8601 UTC times", function () {
  it("reads a date as midnight UTC", function () {
    expect(parseIsoTime("2026-10-07")).to.equal(1_791_331_200);
  });

  it("reads a time to the second with Z", function () {
    expect(parseIsoTime("2026-10-07T14:30:05Z")).to.equal(1_791_331_200 + 14 * 3600 + 30 * 60 + 5);
  });

  for (const text of ["2026-02-30", "2026-13-01", "2026-10-07T24:00:00Z", "2026-10-07T12:60:00Z"]) {
    it(`refuses the impossible ${text}`, function () {
      expect(() => parseIsoTime(text)).to.throw(`"${text}" is not a valid date or time`);
    });
  }

  for (const text of ["1791331200", "2026-10-07T14:30:05", "2026-10-07T14:30:05+02:00", "2026-10-07T14:30:05.5Z", "07/10/2026", " 2026-10-07", ""]) {
    it(`refuses ${JSON.stringify(text)}, which is not the accepted form`, function () {
      expect(() => parseIsoTime(text)).to.throw("is not an ISO 8601 UTC date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM:SSZ)");
    });
  }

  it("formats back what it reads", function () {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_799 }), (seconds) => {
        expect(parseIsoTime(formatIsoTime(seconds))).to.equal(seconds);
      }),
    );
  });
});

describe("sources: URL redaction", function () {
  it("drops the query string and credentials", function () {
    expect(redact("https://user:pw@cloud.vast.ai/api/v0/bundles/?q=%7B%7D&api_key=secret")).to.equal("https://cloud.vast.ai/api/v0/bundles/");
  });

  it("does not echo an invalid URL", function () {
    expect(redact("not a url with a secret")).to.equal("<invalid url>");
  });
});
