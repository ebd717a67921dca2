/**
 * Feed configs: one YAML file per feed under config/feeds/, validated with zod when loaded. A bad
 * field stops the load with a `FeedConfigError` naming the file and the field path, e.g.
 * `config/feeds/h100-hour.yaml: limits.maxDeviationBps: expected a number`.
 * The fields are documented in docs/methodology.md ("Feed configuration").
 */
import { readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

import { parseWad } from "./decimal.js";
import { DecimalError, FeedConfigError } from "./errors.js";
import { AGGREGATIONS } from "./types.js";
import { Slug, SourceConfigSchema, type SourceConfig } from "./sources/schema.js";
import { fieldErrorMap, issueLines } from "./zod-issues.js";

/** Where the shipped feed configs live, relative to the repository root. */
export const DEFAULT_FEEDS_DIR = "config/feeds";

/** A quote observed up to this many seconds after the computation time is still accepted. */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 60;

/** A feed name: upper-case words joined by dashes or dots, e.g. `H100-HOUR`. */
export const FeedName = z
  .string()
  .max(64)
  .regex(/^[A-Z0-9]+(?:[-.][A-Z0-9]+)*$/, "expected upper-case letters, digits, '-' or '.', like H100-HOUR");

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** A basket weight: a quoted decimal string, > 0, exact in WAD; parsed to WAD. */
const BasketWeight = z
  .string({ error: (issue) => (issue.input === undefined ? "required" : 'expected a decimal string (quoted, like "0.25")') })
  .transform((text, ctx) => {
    try {
      const weight = parseWad(text);
      if (weight > 0n) return weight;
      ctx.issues.push({ code: "custom", message: "expected a weight greater than 0", input: text });
    } catch (error) {
      if (!(error instanceof DecimalError)) throw error;
      ctx.issues.push({ code: "custom", message: error.message, input: text });
    }
    return z.NEVER;
  });

const ConstituentSchema = z.strictObject({
  /** A provider (H100-HOUR), a model (TOKEN-OUT), ... */
  id: Slug,
  /** Relative weight in the index, WAD after parsing; renormalised over the constituents priced. */
  weight: BasketWeight,
  description: z.string().min(1),
});

const LimitsSchema = z.strictObject({
  /** A quote observed longer ago than this at the computation time is stale. */
  maxQuoteAgeSeconds: int(1, 31_536_000),
  /** A quote observed more than this after the computation time is dropped (`from-future`). */
  maxClockSkewSeconds: int(0, 3_600).default(DEFAULT_MAX_CLOCK_SKEW_SECONDS),
  /** A quote further than this from the median of its constituent's quotes is an outlier. */
  maxDeviationBps: int(1, 1_000_000),
  /** Distinct sources a constituent needs (after the outlier rule) to have a price. */
  minSourcesPerConstituent: int(1, 100),
  /** Constituents with a price the index needs to have a value. */
  minConstituents: int(1, 1_000),
});

export const FeedConfigSchema = z
  .strictObject({
    /** The feed's name; its on-chain id is `feedId(id)` (src/index/feed-id.ts). */
    id: FeedName,
    description: z.string().min(1),
    /** What one unit of the index is, e.g. "USD per H100-80GB SXM on-demand GPU-hour". */
    unit: z.string().min(1),
    /** Bumped on every change of the methodology or of this file; part of `inputsHash`. */
    methodologyVersion: int(1, 4_294_967_295),
    aggregation: z.enum(AGGREGATIONS),
    constituents: z.array(ConstituentSchema).min(1).max(1_000),
    sources: z.array(SourceConfigSchema).min(1),
    limits: LimitsSchema,
    /** The relayer pushes at least this often (the oracle's heartbeat). */
    heartbeatSeconds: int(1, 16_777_215),
    /** The relayer pushes early when the value moved more than this from the on-chain value. */
    deviationBps: int(1, 10_000),
  })
  .superRefine((feed, ctx) => {
    const constituentIds = new Set<string>();
    feed.constituents.forEach((constituent, i) => {
      if (constituentIds.has(constituent.id)) {
        ctx.addIssue({ code: "custom", path: ["constituents", i, "id"], message: `duplicate constituent id "${constituent.id}"` });
      }
      constituentIds.add(constituent.id);
    });
    const sourceIds = new Set<string>();
    feed.sources.forEach((source, i) => {
      if (sourceIds.has(source.id)) {
        ctx.addIssue({ code: "custom", path: ["sources", i, "id"], message: `duplicate source id "${source.id}"` });
      }
      sourceIds.add(source.id);
      for (const [path, constituent] of constituentReferences(source)) {
        if (!constituentIds.has(constituent)) {
          ctx.addIssue({ code: "custom", path: ["sources", i, ...path], message: `unknown constituent "${constituent}"` });
        }
      }
    });
    if (feed.limits.minConstituents > feed.constituents.length) {
      ctx.addIssue({
        code: "custom",
        path: ["limits", "minConstituents"],
        message: `expected at most the number of constituents (${feed.constituents.length})`,
      });
    }
    if (feed.limits.minSourcesPerConstituent > feed.sources.length) {
      ctx.addIssue({
        code: "custom",
        path: ["limits", "minSourcesPerConstituent"],
        message: `expected at most the number of sources (${feed.sources.length})`,
      });
    }
  });

export type FeedConfig = z.output<typeof FeedConfigSchema>;
/** A feed config as written in YAML (weights as decimal strings, defaults optional). */
export type FeedConfigInput = z.input<typeof FeedConfigSchema>;
export type FeedLimits = FeedConfig["limits"];
export type Constituent = FeedConfig["constituents"][number];

/** The constituent ids a source config names, with the path of each inside the source. */
function constituentReferences(source: SourceConfig): [PropertyKey[], string][] {
  switch (source.kind) {
    case "openrouter-models":
      return Object.keys(source.models).map((constituent) => [["models", constituent], constituent]);
    case "openrouter-endpoints":
      return Object.entries(source.providers).map(([provider, constituent]) => [["providers", provider], constituent]);
    case "gpu-offers":
      return [[["constituent"], source.constituent]];
    case "price-sheet":
    case "replay":
      return []; // rows name their constituents; unknown ones are dropped at computation
  }
}

/** Validates an already-parsed document. `file` labels the error messages. */
export function parseFeedConfig(data: unknown, file: string): FeedConfig {
  const result = FeedConfigSchema.safeParse(data, { error: fieldErrorMap });
  if (!result.success) throw new FeedConfigError(file, issueLines(result.error));
  return result.data;
}

/** Parses and validates YAML text (duplicate keys are an error). */
export function parseFeedConfigYaml(text: string, file: string): FeedConfig {
  let data: unknown;
  try {
    data = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    throw new FeedConfigError(file, [`invalid YAML: ${(error as Error).message}`], { cause: error });
  }
  return parseFeedConfig(data, file);
}

/** The file name a feed's config must have: its id in lower case, `.yaml`. */
export function feedFileName(id: string): string {
  return `${id.toLowerCase()}.yaml`;
}

/** Reads, parses and validates one feed config file; its name must be `feedFileName(id)`. */
export function loadFeedConfig(file: string): FeedConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new FeedConfigError(file, [`cannot read: ${(error as Error).message}`], { cause: error });
  }
  const feed = parseFeedConfigYaml(text, file);
  if (basename(file) !== feedFileName(feed.id)) {
    throw new FeedConfigError(file, [`id: "${feed.id}" does not match the file name (expected ${feedFileName(feed.id)})`]);
  }
  return feed;
}

/** Loads every `*.yaml` feed config in `dir`, sorted by id. */
export function loadFeedConfigs(dir: string = DEFAULT_FEEDS_DIR): FeedConfig[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(".yaml"))
    .sort();
  return files.map((name) => loadFeedConfig(join(dir, name))).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
