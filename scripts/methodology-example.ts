/**
 * Prints the report of every worked example in docs/methodology.md, as the code computes it:
 *   npx hardhat run scripts/methodology-example.ts
 * Paste an output under its `<!-- example-output: NAME -->` marker when an example changes;
 * test/index/methodology.docs.ts fails while the doc and the code disagree.
 */
import { docExamples, renderExample } from "../test/index/methodology-doc-examples.js";

for (const example of docExamples()) {
  console.log(`<!-- example-output: ${example.name} -->`);
  console.log("```text");
  process.stdout.write(renderExample(example));
  console.log("```\n");
}
