/**
 * What `cfx` says when the input is wrong: exit code 1 and one line saying what to fix, never a
 * stack trace. Malformed addresses and amounts, sizes and prices the series refuses, unknown
 * series, a missing key, a dead RPC, a missing deployment, a contract revert, an edited order,
 * command-line mistakes; and --help with examples.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect } from "chai";

import { formatMonth, launchMonths } from "../../deploy/series.js";
import { freePort } from "../helpers/hardhatNode.js";
import { CliChain, cfxFails, cfxOk, keyOf, runCfx } from "./harness.js";

const MAKER = 1;
const TRADER = 5;

describe("cfx bad input: one line saying what to fix", function () {
  this.timeout(120_000);

  let chain: CliChain;
  let at: string[];
  let h100: string;
  let seriesNames: string[];

  before(async function () {
    chain = await CliChain.start();
    at = chain.at;
    await chain.pushIndex({ "H100-HOUR": 2_500_000_000_000_000_000n, "TOKEN-OUT": 2_000_000_000_000_000_000n });
    const months = launchMonths(await chain.now(), 3, 604_800).map(formatMonth);
    seriesNames = ["H100", "TOKEN"].flatMap((symbol) => months.map((m) => `${symbol}-${m}`));
    h100 = seriesNames[0];
    await Promise.all([
      cfxOk(["mint", "1,000", ...at], { env: keyOf(TRADER) }),
      cfxOk(["mint", "10,000", ...at], { env: keyOf(MAKER) }),
    ]);
    await Promise.all([cfxOk(["deposit", "100", ...at], { env: keyOf(TRADER) }), cfxOk(["deposit", "5,000", ...at], { env: keyOf(MAKER) })]);
  });

  after(async function () {
    await chain?.stop();
  });

  const order = (...args: string[]) => ["order", "--series", h100, "--side", "buy", ...args, ...at];

  it("a malformed address", async function () {
    expect(await cfxFails(["account", "0x1234", ...at])).to.equal('cfx: <address>: "0x1234" is not an address (0x and 40 hex digits)');
    const badChecksum = "0x70997970c51812dc3a010c7d01b50e0d17dc79C8";
    expect(await cfxFails(["withdraw", "1", "--to", badChecksum, ...at], { env: keyOf(TRADER) })).to.equal(
      `cfx: --to: "${badChecksum}" is not an address (its mixed-case checksum is wrong)`,
    );
  });

  it("an amount with more decimals than the collateral has", async function () {
    expect(await cfxFails(["deposit", "1.1234567", ...at], { env: keyOf(TRADER) })).to.equal(
      'cfx: <amount>: "1.1234567" has 7 decimals; mUSD amount takes at most 6 decimals',
    );
    expect(await cfxFails(["deposit", "1,00", ...at], { env: keyOf(TRADER) })).to.equal('cfx: <amount>: "1,00" is not a decimal number');
  });

  it("a size below the series' minimum, or not whole contracts", async function () {
    expect(await cfxFails(order("--size", "0", "--price", "2.5"), { env: keyOf(TRADER) })).to.equal("cfx: --size: must be at least 1 contract");
    expect(await cfxFails(order("--size", "1.5", "--price", "2.5"), { env: keyOf(TRADER) })).to.equal(
      'cfx: --size: "1.5" has 1 decimals; size in whole contracts takes no decimals',
    );
  });

  it("a price off the tick, with the two nearest prices on it", async function () {
    expect(await cfxFails(order("--size", "1", "--price", "2.5005"), { env: keyOf(TRADER) })).to.equal(
      "cfx: --price: 2.5005 is not a multiple of the tick 0.001: use 2.50 or 2.501",
    );
  });

  it("an expiry that is neither a time nor a duration, or already past", async function () {
    expect(await cfxFails(order("--size", "1", "--price", "2.5", "--expiry", "tomorrow"), { env: keyOf(TRADER) })).to.equal(
      'cfx: --expiry: "tomorrow" is neither unix seconds nor a duration like 90s, 30m, 1h, 2d or 1h30m',
    );
    expect(await cfxFails(order("--size", "1", "--price", "2.5", "--expiry", "1000"), { env: keyOf(TRADER) })).to.match(
      /^cfx: --expiry: 1970-01-01T00:16:40Z is not in the future \(block time 20\d\d-[-\dT:]+Z\)$/,
    );
  });

  it("an unknown series, listing the known ones", async function () {
    expect(await cfxFails(["order", "--series", "H100-2031-01", "--side", "buy", "--size", "1", "--price", "2.5", ...at], { env: keyOf(TRADER) })).to.equal(
      `cfx: --series: unknown series "H100-2031-01": the market lists ${seriesNames.join(", ")} (a name, a label or a 0x id)`,
    );
  });

  it("a missing key names the environment variable", async function () {
    expect(await cfxFails(["deposit", "1", ...at])).to.equal(
      "cfx: environment variable CFX_PRIVATE_KEY is not set: give a key with --key-env <VAR> (default CFX_PRIVATE_KEY) or --keystore <file>",
    );
    expect(await cfxFails(["deposit", "1", "--key-env", "TRADER_KEY", ...at], { env: { TRADER_KEY: "0x1234" } })).to.equal(
      "cfx: environment variable TRADER_KEY is not a private key (expected 32 bytes of hex): give a key with --key-env <VAR> (default CFX_PRIVATE_KEY) or --keystore <file>",
    );
  });

  it("a dead RPC says which URL", async function () {
    const port = await freePort();
    expect(await cfxFails(["markets", "--rpc", `http://127.0.0.1:${port}`, "--deployment", chain.deploymentFile])).to.equal(
      `cfx: cannot reach the RPC at http://127.0.0.1:${port} (connection refused): is the node running? (npx hardhat node)`,
    );
  });

  it("a missing deployment file says how to deploy", async function () {
    expect(await cfxFails(["markets", "--network", "nowhere"])).to.equal(
      "cfx: no deployment file deployments/nowhere.json: deploy first (cfx deploy --network nowhere) or pass --deployment <file>",
    );
  });

  it("a contract revert, decoded into the client's message", async function () {
    await cfxOk(["order", "--series", h100, "--side", "sell", "--size", "10", "--price", "2.50", "--out", path.join(chain.dir, "ask.json"), ...at], {
      env: keyOf(MAKER),
    });
    // Buying 10 x 100 at 2.50 needs 20% of 2,500 as initial margin; 100 deposited less the 0.05% fee (1.25) is what it has.
    expect(await cfxFails(["fill", path.join(chain.dir, "ask.json"), ...at], { env: keyOf(TRADER) })).to.equal(
      "cfx: insufficient margin: need 500.00 mUSD, have 98.75 mUSD",
    );
  });

  it("an edited signed order is refused before it is sent", async function () {
    const file = path.join(chain.dir, "ask.json");
    const signed = JSON.parse(await readFile(file, "utf8"));
    signed.order.limitPrice = "2000000000000000000";
    const edited = path.join(chain.dir, "edited.json");
    await writeFile(edited, JSON.stringify(signed));
    expect(await cfxFails(["fill", edited, "--size", "1", ...at], { env: keyOf(TRADER) })).to.match(
      new RegExp(`^cfx: ${edited}: not a signed order for this market: signedOrder\\.hash: ${signed.hash} is not the order's digest on this market`),
    );
  });

  it("command-line mistakes are one line too, pointing at --help", async function () {
    expect(await cfxFails(["order", "--side", "buy", "--size", "1", "--price", "2"])).to.equal(
      "cfx: required option '--series <series>' not specified (see cfx order --help)",
    );
    expect(await cfxFails(["cancel", ...at], { env: keyOf(MAKER) })).to.equal("cfx: give a signed order file to cancel, or --all (not both)");
    expect(await cfxFails(["withdraw", "all", ...at], { env: keyOf(9) })).to.equal("cfx: nothing to withdraw: free collateral is 0.00 mUSD");
  });

  it("--help shows every command, and examples for the trading commands", async function () {
    const top = await runCfx(["--help"]);
    expect(top.code).to.equal(0);
    for (const command of ["deploy", "markets", "account", "positions", "deposit", "withdraw", "order", "fill", "cancel", "liquidate", "settle", "series", "relayer", "index", "keeper"]) {
      expect(top.stdout).to.match(new RegExp(`^  ${command} `, "m"));
    }
    for (const command of [["order"], ["fill"], ["settle"], ["series", "list-next"], ["deploy"]]) {
      const help = await runCfx([...command, "--help"]);
      expect(help.code, command.join(" ")).to.equal(0);
      expect(help.stdout, command.join(" ")).to.include("Examples:");
    }
  });
});
