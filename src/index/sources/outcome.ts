/** Building a `SourceOutcome`: quotes when any survived, otherwise a source error saying why. */
import type { Quote } from "../types.js";
import { SourceError } from "./errors.js";
import type { Rejection, SourceOutcome } from "./types.js";

/** At most this many rejections are spelled out in a "no usable quote" error. */
const SHOWN_REJECTIONS = 3;

export function sourceFailure(error: SourceError, fetchedAt: number, rejected: Rejection[] = []): SourceOutcome {
  return { source: error.source, ok: false, error: error.message, fetchedAt, rejected };
}

/** `ok: true` with the quotes, or `ok: false` naming the first rejections when none is left. */
export function sourceOutcome(
  source: string,
  fetchedAt: number,
  quotes: Quote[],
  rejected: Rejection[],
  whenEmpty = "no usable quote",
): SourceOutcome {
  if (quotes.length > 0) return { source, ok: true, quotes, fetchedAt, rejected };
  const shown = rejected.slice(0, SHOWN_REJECTIONS).map((r) => `${r.item}: ${r.reason}`);
  const more = rejected.length > SHOWN_REJECTIONS ? `; +${rejected.length - SHOWN_REJECTIONS} more` : "";
  const detail = shown.length === 0 ? "" : ` (${shown.join("; ")}${more})`;
  return sourceFailure(new SourceError(source, `${whenEmpty}${detail}`, false), fetchedAt, rejected);
}

/** A thrown value's message, for rejection reasons. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
