/** `cfx index compute --feed <id> [--snapshot <file>]`: the constituent table and the value. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";

import {
  DEFAULT_FEEDS_DIR,
  computeIndex,
  feedFileName,
  formatIndexReport,
  loadFeedConfig,
  parseSnapshotYaml,
  type FeedConfig,
  type Quote,
} from "../index/index.js";
import { fetchSource } from "../index/sources/index.js";

export function indexCommand(): Command {
  const index = new Command("index").description("compute and check the compute-price indexes");
  index
    .command("compute")
    .description("fetch a feed's sources (or read a snapshot) and print the constituent table and the value")
    .requiredOption("--feed <id>", "feed id, e.g. H100-HOUR (config/feeds/<id>.yaml)")
    .option("--snapshot <file>", "compute from a saved input snapshot (YAML or JSON) instead of the live sources")
    .option("--feeds-dir <dir>", "where the feed configs are", DEFAULT_FEEDS_DIR)
    .option("--now <unix>", "the time to compute at (default: now, or the snapshot's time)")
    .option("--json", "print the result as JSON")
    .action(async (options: { feed: string; snapshot?: string; feedsDir: string; now?: string; json?: boolean }) => {
      const feed = loadFeedConfig(join(options.feedsDir, feedFileName(options.feed)));
      const { quotes, now } = options.snapshot === undefined ? await liveQuotes(feed, options.now) : await snapshotQuotes(options.snapshot, feed);
      const result = computeIndex(feed, quotes, now);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);
      } else {
        process.stdout.write(`${formatIndexReport(feed, result)}\n`);
      }
      if (!result.ok) process.exitCode = 2;
    });
  return index;
}

async function liveQuotes(feed: FeedConfig, nowOption: string | undefined): Promise<{ quotes: Quote[]; now: number }> {
  const now = nowOption === undefined ? Math.floor(Date.now() / 1000) : parseNow(nowOption);
  const outcomes = await Promise.all(feed.sources.map((source) => fetchSource(source, { now, unit: feed.unit })));
  for (const outcome of outcomes) if (!outcome.ok) process.stderr.write(`warning: ${outcome.error}\n`);
  return { quotes: outcomes.flatMap((outcome) => (outcome.ok ? outcome.quotes : [])), now };
}

async function snapshotQuotes(file: string, feed: FeedConfig): Promise<{ quotes: Quote[]; now: number }> {
  const snapshot = parseSnapshotYaml(await readFile(file, "utf8"), file);
  if (snapshot.feed !== feed.id) throw new Error(`${file} is a snapshot of ${snapshot.feed}, not ${feed.id}`);
  return { quotes: snapshot.quotes, now: snapshot.now };
}

function parseNow(text: string): number {
  if (!/^\d{1,12}$/.test(text)) throw new Error(`--now must be unix seconds, got "${text}"`);
  return Number(text);
}
