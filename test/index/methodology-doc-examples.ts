/**
 * The worked examples of docs/methodology.md: each is a quote snapshot (a ```yaml block after an
 * `<!-- example-input: NAME -->` marker) and the report the code prints for it (a ```text block
 * after `<!-- example-output: NAME -->`). methodology.docs.ts checks every output against the
 * code; scripts/methodology-example.ts prints them. No tests here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { DEFAULT_FEEDS_DIR, feedFileName, loadFeedConfig } from "../../src/index/config.js";
import { computeIndex } from "../../src/index/compute.js";
import { formatIndexReport } from "../../src/index/report.js";
import { parseSnapshotYaml } from "../../src/index/snapshot.js";

export const METHODOLOGY_DOC = "docs/methodology.md";

export interface DocExample {
  name: string;
  /** The snapshot, as YAML. */
  input: string;
  /** The report the doc shows, or undefined when the doc has no output block for it. */
  output?: string;
}

/** Every worked example of the doc, in order. */
export function docExamples(markdown: string = readFileSync(METHODOLOGY_DOC, "utf8")): DocExample[] {
  const outputs = new Map<string, string>();
  for (const match of markdown.matchAll(/<!-- example-output: ([\w.-]+) -->\n```text\n([\s\S]*?)```/g)) {
    outputs.set(match[1], match[2]);
  }
  return [...markdown.matchAll(/<!-- example-input: ([\w.-]+) -->\n```yaml\n([\s\S]*?)```/g)].map((match) => ({
    name: match[1],
    input: match[2],
    output: outputs.get(match[1]),
  }));
}

/** Computes an example with the shipped feed config and returns the report the code prints. */
export function renderExample(example: DocExample, feedsDir: string = DEFAULT_FEEDS_DIR): string {
  const snapshot = parseSnapshotYaml(example.input, `${METHODOLOGY_DOC} example ${example.name}`);
  const feed = loadFeedConfig(join(feedsDir, feedFileName(snapshot.feed)));
  return formatIndexReport(feed, computeIndex(feed, snapshot.quotes, snapshot.now));
}
