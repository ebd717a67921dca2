/**
 * The SDK example of docs/client.md, run as written against the client fixture: the block between
 * the example markers, with its imports given as parameters and its provider and deployment lines
 * replaced by the in-process network's. Its printed lines are checked against amounts worked out
 * from the documented formulas.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { network } from "hardhat";

import * as sdk from "../../src/client/index.js";
import { INITIAL_INDEX, USD, feeOf, notionalOf, requirementOf } from "../helpers/market.js";
import { clientFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();

const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../docs/client.md");

/** The example's code, without its imports and its provider and deployment set-up. */
function exampleBody(): string {
  const text = readFileSync(DOCS, "utf8");
  const block = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(text);
  if (block === null) throw new Error("docs/client.md: no example block between the markers");
  const lines = block[1].split("\n");
  const setUp = [/^const provider = new JsonRpcProvider\(/, /^const deployment = await loadDeployment\(/];
  for (const pattern of setUp) expect(lines.some((line) => pattern.test(line)), `${pattern}`).to.equal(true);
  return lines.filter((line) => !line.startsWith("import ") && !setUp.some((pattern) => pattern.test(line))).join("\n");
}

describe("client: the docs/client.md example", function () {
  this.timeout(60_000);

  it("runs as written: deposit with permit, sign, fill through JSON, read the account, a decoded revert", async function () {
    const fx = await networkHelpers.loadFixture(clientFixture);
    const printed: string[] = [];
    const console = { log: (line: string) => printed.push(line) };
    const names = [...Object.keys(sdk), "provider", "deployment", "console"];
    const values = [...Object.values(sdk), ethers.provider, fx.deployment, console];
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
    await new AsyncFunction(...names, exampleBody())(...values);

    // Accounts 1 and 2 of the node are the fixture's Alice (maker) and Bob (taker), each with
    // 100,000 deposited; the example adds 5,000 each and Bob buys 4 at $2.50 as taker.
    expect(await fx.vault.cashOf(fx.alice.address) > 100_000n * USD, "the maker deposited").to.equal(true);
    expect((await fx.market.positionOf(fx.bob.address, fx.series)).size).to.equal(4n);
    const notional = notionalOf(4n, INITIAL_INDEX, 100n);
    const cash = 105_000n * USD - notional / 10n ** 12n - feeOf(notional, 5n);
    const free = cash + notional / 10n ** 12n - requirementOf(4n, INITIAL_INDEX, 100n, 2_000n);
    const date = new Date(Number(fx.params.expiry) * 1000).toISOString().slice(0, 10);
    expect(printed).to.deep.equal([
      `H100-SXM-HOUR ${date}: index 2.50, mark 2.50`,
      `equity ${sdk.formatUsdc(cash + notional / 10n ** 12n)} mUSD, free collateral ${sdk.formatUsdc(free)} mUSD`,
      `H100-SXM-HOUR ${date}: 4 @ 2.50, PnL 0.00, liquidation none`,
      `InsufficientFreeCollateral: insufficient free collateral: requested 1,000,000.00 mUSD, available ${sdk.formatUsdc(free)} mUSD`,
    ]);
    expect(free).to.equal(104_799_500_000n, "105,000 - 1,000 - 0.50 fee + 1,000 - 200 initial margin");
  });
});
