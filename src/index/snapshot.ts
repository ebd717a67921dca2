/**
 * A quote snapshot: the inputs of one computation (feed, time, every quote) in a JSON/YAML form
 * that round-trips exactly — prices as decimal strings in the feed's unit, weights as integer
 * strings. Relayers publish it next to a signed observation so anyone can recompute the value and
 * `inputsHash`; `cfx index compute --snapshot` and the worked examples of docs/methodology.md
 * read it.
 *
 *   feed: H100-HOUR
 *   now: 1794268800                # unix seconds
 *   unit: USD per H100-80GB SXM on-demand GPU-hour   # of every quote without its own `unit`
 *   quotes:
 *     - { source: h100-sheet, constituent: lambda, price: "3.99", kind: firm, observedAt: 1794261600 }
 *     - { source: vast-offers, constituent: vast-ai, price: "2.42", kind: firm, observedAt: 1794268500, weight: "8" }
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";

import { FeedName } from "./config.js";
import { formatWad, parseWad } from "./decimal.js";
import { DecimalError, SnapshotError } from "./errors.js";
import type { Quote } from "./types.js";
import { fieldErrorMap, issueLines } from "./zod-issues.js";

export interface QuoteSnapshot {
  feed: string;
  now: number;
  quotes: Quote[];
}

const DecimalPrice = z.string().transform((text, ctx) => {
  try {
    return parseWad(text);
  } catch (error) {
    if (!(error instanceof DecimalError)) throw error;
    ctx.issues.push({ code: "custom", message: error.message, input: text });
    return z.NEVER;
  }
});

const SnapshotQuoteSchema = z.strictObject({
  source: z.string().min(1),
  constituent: z.string().min(1),
  price: DecimalPrice,
  kind: z.enum(["transaction", "firm", "indicative"]),
  observedAt: z.number().int().min(0),
  weight: z
    .string()
    .regex(/^(0|[1-9][0-9]*)$/, "expected an integer string")
    .transform((text) => BigInt(text))
    .optional(),
  unit: z.string().min(1).optional(),
});

const SnapshotSchema = z.strictObject({
  feed: FeedName,
  now: z.number().int().min(0),
  unit: z.string().min(1),
  quotes: z.array(SnapshotQuoteSchema),
});

/** The JSON/YAML form of a snapshot. */
export type SnapshotDocument = z.input<typeof SnapshotSchema>;

/** Validates a parsed snapshot document; `label` names it in errors. */
export function parseSnapshot(data: unknown, label: string): QuoteSnapshot {
  const result = SnapshotSchema.safeParse(data, { error: fieldErrorMap });
  if (!result.success) throw new SnapshotError(label, issueLines(result.error));
  const { feed, now, unit, quotes } = result.data;
  return {
    feed,
    now,
    quotes: quotes.map(({ weight, unit: quoteUnit, ...quote }) => ({
      ...quote,
      unit: quoteUnit ?? unit,
      ...(weight !== undefined && { weight }),
    })),
  };
}

/** Parses YAML (or JSON) text into a snapshot. */
export function parseSnapshotYaml(text: string, label: string): QuoteSnapshot {
  let data: unknown;
  try {
    data = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    throw new SnapshotError(label, [`invalid YAML: ${(error as Error).message}`]);
  }
  return parseSnapshot(data, label);
}

/** The document form of a snapshot; `unit` is the common unit, quotes in another one carry theirs. */
export function snapshotDocument(snapshot: QuoteSnapshot, unit: string): SnapshotDocument {
  return {
    feed: snapshot.feed,
    now: snapshot.now,
    unit,
    quotes: snapshot.quotes.map((quote) => ({
      source: quote.source,
      constituent: quote.constituent,
      price: formatWad(quote.price),
      kind: quote.kind,
      observedAt: quote.observedAt,
      ...(quote.weight !== undefined && { weight: quote.weight.toString() }),
      ...(quote.unit !== unit && { unit: quote.unit }),
    })),
  };
}
