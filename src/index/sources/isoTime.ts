/**
 * Times in price sheets and replay files: ISO 8601 in UTC, either a date (`2026-10-07`, midnight
 * UTC) or a time to the second with `Z` (`2026-10-07T14:30:00Z`). Nothing else is accepted
 * (no offsets, no fractions, no unix seconds), and impossible dates (`2026-02-30`) are refused.
 */
const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})Z)?$/;

/** Unix seconds of an ISO 8601 UTC date or time; throws naming the text when it is not one. */
export function parseIsoTime(text: string): number {
  const match = ISO_UTC.exec(text);
  if (match === null) {
    throw new Error(`${JSON.stringify(text)} is not an ISO 8601 UTC date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM:SSZ)`);
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? "0")) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(ms);
  const valid =
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === month - 1 &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second;
  if (!valid) throw new Error(`${JSON.stringify(text)} is not a valid date or time`);
  return ms / 1000;
}

/** The ISO 8601 UTC time of unix seconds, for messages. */
export function formatIsoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}
