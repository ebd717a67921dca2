/**
 * The SDK's entry point must run in a browser: walk the import graph of src/client/index.ts
 * (every relative import, followed into the TypeChain types) and fail on any Node built-in
 * (`node:*`, fs, path, ...), any package but ethers, and Node globals (process, Buffer,
 * __dirname, require). The walker itself is checked on src/client/node.ts, which must be caught.
 */
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BUILTINS = new Set(builtinModules);

// Statements `import ... from "x"` and `export ... from "x"` (over several lines), `import "x"` and
// `import("x")`. Type-only imports count too: harmless at run time, but a Node type in the API
// would still be a smell.
const SPECIFIERS = [
  /^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/gm,
  /^\s*import\s*["']([^"']+)["']/gm,
  /\bimport\(\s*["']([^"']+)["']\s*\)/g,
];
const NODE_GLOBALS = /\b(?:process\.|Buffer\b|__dirname|__filename|require\()/;

interface Graph {
  files: string[];
  packages: Set<string>;
  nodeImports: string[];
  nodeGlobals: string[];
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'])\/\/.*$/gm, "$1");
}

function walk(entry: string): Graph {
  const graph: Graph = { files: [], packages: new Set(), nodeImports: [], nodeGlobals: [] };
  const pending = [path.resolve(ROOT, entry)];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    graph.files.push(path.relative(ROOT, file));
    const source = stripComments(readFileSync(file, "utf8"));
    if (NODE_GLOBALS.test(source)) graph.nodeGlobals.push(path.relative(ROOT, file));
    for (const [, specifier] of SPECIFIERS.flatMap((pattern) => [...source.matchAll(pattern)])) {
      if (specifier.startsWith(".")) {
        pending.push(path.resolve(path.dirname(file), specifier.replace(/\.js$/, ".ts")));
      } else if (specifier.startsWith("node:") || BUILTINS.has(specifier.split("/")[0])) {
        graph.nodeImports.push(`${path.relative(ROOT, file)}: ${specifier}`);
      } else {
        graph.packages.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]);
      }
    }
  }
  return graph;
}

describe("client: browser-safe entry point", function () {
  it("imports no Node built-in, no package but ethers, and uses no Node global", function () {
    const graph = walk("src/client/index.ts");
    expect(graph.files.length, "the walk follows the imports").to.be.greaterThan(10);
    expect(graph.files).to.include("src/client/client.ts");
    expect(graph.files.some((f) => f.startsWith("types/ethers-contracts/")), "into the TypeChain factories").to.equal(true);
    expect(graph.files).to.not.include("src/client/node.ts");
    expect(graph.nodeImports).to.deep.equal([]);
    expect(graph.nodeGlobals).to.deep.equal([]);
    expect([...graph.packages]).to.deep.equal(["ethers"]);
  });

  it("the walker catches Node imports and globals (checked on the Node-only module)", function () {
    const graph = walk("src/client/node.ts");
    expect(graph.nodeImports).to.deep.equal(["src/client/node.ts: node:fs/promises", "src/client/node.ts: node:path"]);
    expect(graph.nodeGlobals).to.deep.equal(["src/client/node.ts"]);
  });
});
