/**
 * `cfx index compute --feed <id> [--snapshot <file>]`: the constituent table and the value.
 * `cfx index verify --feed <id> --round <n>`: recompute an on-chain round from the snapshots.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { JsonRpcProvider, isAddress } from "ethers";

import {
  DEFAULT_FEEDS_DIR,
  computeIndex,
  feedFileName,
  formatIndexReport,
  formatWad,
  loadFeedConfig,
  parseSnapshotYaml,
  type FeedConfig,
  type Quote,
} from "../index/index.js";
import { fetchSource } from "../index/sources/index.js";
import { IndexOracle__factory } from "../../types/ethers-contracts/index.js";
import { loadRelayerConfig } from "../relayer/config.js";
import { verifyRound, type RoundVerification } from "../relayer/verify.js";

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
  index
    .command("verify")
    .description("recompute every observation of an on-chain round from its relayers' snapshots and compare")
    .requiredOption("--feed <id>", "feed id, e.g. H100-HOUR")
    .requiredOption("--round <n>", "the round id")
    .option("--config <file>", "a relayer config: its rpcUrl, oracle, own URL and peers are used")
    .option("--rpc <url>", "JSON-RPC endpoint (overrides the config's)")
    .option("--oracle <address>", "IndexOracle address (overrides the config's)")
    .option("--relayers <urls>", "comma-separated relayer base URLs (added to the config's)")
    .option("--feeds-dir <dir>", "where the feed configs are", DEFAULT_FEEDS_DIR)
    .option("--json", "print the result as JSON")
    .action(async (options: VerifyOptions) => {
      const report = await verify(options);
      if (options.json) process.stdout.write(`${JSON.stringify(report, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);
      else process.stdout.write(`${formatVerification(report)}\n`);
      if (!report.ok) process.exitCode = 3;
    });
  return index;
}

interface VerifyOptions {
  feed: string;
  round: string;
  config?: string;
  rpc?: string;
  oracle?: string;
  relayers?: string;
  feedsDir: string;
  json?: boolean;
}

async function verify(options: VerifyOptions): Promise<RoundVerification> {
  if (!/^\d{1,20}$/.test(options.round)) throw new Error(`--round must be a round id, got "${options.round}"`);
  const config = options.config === undefined ? undefined : await loadRelayerConfig(options.config);
  const rpc = options.rpc ?? config?.rpcUrl;
  const oracleAddress = options.oracle ?? config?.oracle;
  if (rpc === undefined) throw new Error("give --rpc <url> or --config <relayer config>");
  if (oracleAddress === undefined || !isAddress(oracleAddress)) {
    throw new Error(`give the oracle as --oracle <address> or --config <relayer config> (got ${oracleAddress ?? "none"})`);
  }
  const relayers = [
    ...(config === undefined ? [] : [`http://${config.listen.host}:${config.listen.port}`, ...config.peers]),
    ...(options.relayers?.split(",").map((url) => url.trim()).filter((url) => url !== "") ?? []),
  ];
  if (relayers.length === 0) throw new Error("give the relayers as --relayers <url,...> or --config <relayer config>");
  const feed = loadFeedConfig(join(options.feedsDir, feedFileName(options.feed)));
  const provider = new JsonRpcProvider(rpc);
  try {
    return await verifyRound(IndexOracle__factory.connect(oracleAddress, provider), feed, BigInt(options.round), relayers);
  } finally {
    provider.destroy();
  }
}

function formatVerification(report: RoundVerification): string {
  const lines = [
    `${report.feed} round ${report.round}: value ${formatWad(report.value)} (${report.medianMatches ? "the median of its observations" : "NOT the median of its observations"})`,
    "",
    ["signer", "on chain", "recomputed", "verdict", "from"].join("  "),
  ];
  for (const o of report.observations) {
    const recomputed = o.recomputedValue === undefined ? "-" : formatWad(o.recomputedValue);
    lines.push([o.signer, formatWad(o.onchainValue), recomputed, o.verdict, o.relayer ?? o.detail ?? "-"].join("  "));
  }
  lines.push("", report.ok ? "verified" : "NOT verified");
  return lines.join("\n");
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
