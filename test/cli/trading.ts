/**
 * The `cfx` trading and operations commands end to end, each a real process against a real
 * `hardhat node`: deploy, list next month, mint and deposit, the markets, a maker's signed order
 * filled by a taker, the account's margin and positions, cancels, withdrawals, a liquidation,
 * and expiry settlement. Every expected number is worked out here from the trades' inputs and
 * the market's rules (docs/market.md), never read back from the output under test.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { encryptKeystoreJsonSync } from "ethers";
import { expect } from "chai";

import { launchMonths, addMonths, formatMonth } from "../../deploy/series.js";
import { marketDomain, parseSignedOrder } from "../../src/client/index.js";
import { FuturesMarket__factory, IndexOracle__factory, MarginVault__factory, MockUSD__factory } from "../../types/ethers-contracts/index.js";
import { CliChain, USD, WAD, account, cfxFails, cfxOk, keyOf } from "./harness.js";

const SCALE = 10n ** 12n; // WAD per token unit (6 decimals)
const MULTIPLIER = 100n;
const MM_BPS = 1_200n;
const BPS = 10_000n;

const [DEPLOYER, MAKER, TAKER, THIN, LIQUIDATOR] = [0, 1, 2, 3, 4];

/** Equity below maintenance margin at mark `m`, with the contract's roundings (value down, requirement up). */
function liquidatable(cash: bigint, size: bigint, m: bigint): boolean {
  const value = size * MULTIPLIER * m; // WAD USD, size > 0 here
  const mm = (value * MM_BPS + BPS * SCALE - 1n) / (BPS * SCALE);
  return cash + value / SCALE < mm;
}

describe("cfx trading and operations commands against a hardhat node", function () {
  this.timeout(120_000);

  let chain: CliChain;
  let at: string[];
  let seriesNames: string[];
  const month = (name: string) => seriesNames.find((s) => s.startsWith(name))!;
  const ask = () => path.join(chain.dir, "ask.json");

  before(async function () {
    chain = await CliChain.start();
    at = chain.at;
    const months = launchMonths(await chain.now(), 3, 604_800).map(formatMonth);
    seriesNames = ["H100", "TOKEN"].flatMap((symbol) => months.map((m) => `${symbol}-${m}`));
  });

  after(async function () {
    await chain?.stop();
  });

  const market = () => FuturesMarket__factory.connect(chain.deployment.market, chain.provider);
  const vault = () => MarginVault__factory.connect(chain.deployment.vault, chain.provider);
  const token = () => MockUSD__factory.connect(chain.deployment.token, chain.provider);
  const seriesId = async (name: string) => {
    const rows = JSON.parse((await cfxOk(["markets", ...at, "--json"])).stdout) as { name: string; id: string }[];
    return rows.find((r) => r.name === name)!.id;
  };

  it("cfx deploy writes the deployment file, with code at every address, and its check passes", async function () {
    const result = JSON.parse(chain.deployRun.stdout) as { file: string; checks: { ok: boolean }[]; series: { name: string }[] };
    expect(result.file).to.equal(chain.deploymentFile);
    expect(JSON.parse(await readFile(chain.deploymentFile, "utf8"))).to.deep.equal(chain.deployment);
    const { token: t, oracle, vault: v, market: m, feeds } = chain.deployment;
    for (const address of [t, oracle, v, m, ...feeds.map((f) => f.adapter)]) {
      expect(await chain.provider.getCode(address), address).not.to.equal("0x");
    }
    expect(feeds.map((f) => f.name)).to.deep.equal(["H100-HOUR", "TOKEN-OUT"]);
    expect(result.series.map((s) => s.name).sort()).to.deep.equal([...seriesNames].sort());
    expect(result.checks.every((c) => c.ok)).to.equal(true);
  });

  it("cfx deploy again deploys nothing and prints the same addresses", async function () {
    const blockBefore = await chain.provider.getBlockNumber();
    const run = await cfxOk(
      ["deploy", "--rpc", chain.node.url, "--deployment", chain.deploymentFile, "--deployment-id", chain.deploymentId, "--no-compile"],
      { env: keyOf(DEPLOYER) },
    );
    for (const address of [chain.deployment.oracle, chain.deployment.vault, chain.deployment.market]) expect(run.stdout).to.include(address);
    expect(run.stdout).to.match(/all \d+ checks passed/);
    expect(await chain.provider.getBlockNumber(), "no transaction sent").to.equal(blockBefore);
    expect(JSON.parse(await readFile(chain.deploymentFile, "utf8"))).to.deep.equal(chain.deployment);
  });

  it("cfx markets lists the launch series before their feeds' first round", async function () {
    const rows = JSON.parse((await cfxOk(["markets", ...at, "--json"])).stdout) as { name: string; index: unknown; state: string }[];
    expect(rows.map((r) => [r.name, r.index, r.state])).to.deep.equal(seriesNames.map((name) => [name, null, "trading"]));
    const table = (await cfxOk(["markets", ...at])).stdout;
    expect(table).to.match(new RegExp(`^${month("H100")}\\s+H100-HOUR\\s+\\S+\\s+no round yet`, "m"));
  });

  it("cfx oracle push publishes a round per feed, signed by the local relayer keys", async function () {
    const run = await cfxOk(["oracle", "push", "H100-HOUR=2.50", "TOKEN-OUT=2", ...at]);
    expect(run.stdout).to.match(/^H100-HOUR round 1: 2\.50\nTOKEN-OUT round 1: 2\.00\n\(tx 0x/);
    const oracle = IndexOracle__factory.connect(chain.deployment.oracle, chain.provider);
    for (const [name, value] of [["H100-HOUR", 2_500_000_000_000_000_000n], ["TOKEN-OUT", 2_000_000_000_000_000_000n]] as const) {
      const round = await oracle.latestRound(chain.deployment.feeds.find((f) => f.name === name)!.id);
      expect(round.value, name).to.equal(value);
    }
  });

  it("cfx mint and cfx deposit (approve, or --permit) move collateral into the vault", async function () {
    await Promise.all(
      [
        [MAKER, "10,000"],
        [TAKER, "10,000"],
        [THIN, "1,000"],
        [LIQUIDATOR, "5,000"],
      ].map(([who, amount]) => cfxOk(["mint", String(amount), ...at], { env: keyOf(Number(who)) })),
    );
    const maker = await cfxOk(["deposit", "5,000", ...at], { env: keyOf(MAKER) });
    const taker = await cfxOk(["deposit", "1,000", "--permit", ...at, "--json"], { env: keyOf(TAKER) });
    await cfxOk(["deposit", "450", ...at], { env: keyOf(THIN) });
    await cfxOk(["deposit", "3000", ...at], { env: keyOf(LIQUIDATOR) });

    expect(maker.stdout).to.match(/^deposited 5,000\.00 mUSD/);
    expect(JSON.parse(taker.stdout)).to.include({ action: "deposit", amount: String(1_000n * USD), cash: String(1_000n * USD) });
    expect((await vault().accountMargin(account(MAKER).address)).cash).to.equal(5_000n * USD);
    expect((await vault().accountMargin(account(TAKER).address)).cash).to.equal(1_000n * USD);
    expect(await token().balanceOf(account(TAKER).address)).to.equal(9_000n * USD);
    expect(await token().allowance(account(MAKER).address, chain.deployment.vault), "an exact approval, used up").to.equal(0n);
  });

  it("cfx markets lists every series with its index and mark, as a table and as JSON", async function () {
    const rows = JSON.parse((await cfxOk(["markets", ...at, "--json"])).stdout) as Record<string, unknown>[];
    expect(rows.map((r) => r.name)).to.deep.equal(seriesNames);
    const h100 = rows.find((r) => r.name === month("H100"))!;
    expect(h100).to.include({ index: "2500000000000000000", mark: "2500000000000000000", state: "trading", openInterest: "0" });
    const token = rows.find((r) => r.name === month("TOKEN"))!;
    expect(token).to.include({ index: "2000000000000000000", feedName: "TOKEN-OUT" });

    const table = (await cfxOk(["markets", ...at])).stdout.split("\n");
    expect(table[0]).to.match(/^series\s+feed\s+expiry\s+index\s+mark\s+basis\s+open interest\s+expires in\s+state$/);
    expect(table.find((line) => line.startsWith(`${month("H100")} `))).to.match(/H100-HOUR .* 2\.50 +2\.50 +0\.00 +0 +\d+d \d+h +trading$/);
  });

  it("a series may be given by its label or its id as well as its name", async function () {
    const rows = JSON.parse((await cfxOk(["markets", ...at, "--json"])).stdout) as { name: string; label: string; id: string }[];
    const { label, id } = rows.find((r) => r.name === month("H100"))!;
    expect(label).to.match(/^H100-HOUR \d{4}-\d{2}-\d{2}$/);
    for (const series of [label.toLowerCase(), id]) {
      const run = await cfxOk(["order", "--series", series, "--side", "buy", "--size", "1", "--price", "2.4", ...at], { env: keyOf(MAKER) });
      expect(JSON.parse(run.stdout).order.series, series).to.equal(id);
    }
  });

  it("the key may come from an encrypted keystore and a passphrase file", async function () {
    const keystore = path.join(chain.dir, "maker.json");
    const passphrase = path.join(chain.dir, "maker.pass");
    await writeFile(keystore, encryptKeystoreJsonSync(account(MAKER), "correct horse", { scrypt: { N: 1 << 10 } }));
    await writeFile(passphrase, "correct horse\n");
    const run = await cfxOk(["account", "--keystore", keystore, "--passphrase-file", passphrase, ...at, "--json"]);
    expect(JSON.parse(run.stdout).address).to.equal(account(MAKER).address);
    await writeFile(passphrase, "wrong\n");
    expect(await cfxFails(["account", "--keystore", keystore, "--passphrase-file", passphrase, ...at])).to.equal(
      `cfx: keystore ${keystore}: wrong passphrase or not an encrypted JSON keystore`,
    );
  });

  it("cfx series list-next lists the month after the launch months, one series per product", async function () {
    const launch = launchMonths(await chain.now(), 3, 604_800);
    const next = formatMonth(addMonths(launch[2], 1));
    const run = await cfxOk(["series", "list-next", ...at, "--json"], { env: keyOf(DEPLOYER) });
    const result = JSON.parse(run.stdout) as { series: { name: string; id: string; status: string }[] };
    expect(result.series.map((s) => [s.name, s.status])).to.deep.equal([
      [`H100-${next}`, "listed"],
      [`TOKEN-${next}`, "listed"],
    ]);
    for (const s of result.series) expect((await market().seriesParams(s.id)).expiry).not.to.equal(0n);
  });

  it("cfx order signs a maker's order for this market, and cfx fill takes part of it", async function () {
    const series = month("H100");
    await cfxOk(["order", "--series", series, "--side", "sell", "--size", "10", "--price", "2.50", "--out", ask(), ...at], { env: keyOf(MAKER) });
    const signed = parseSignedOrder(await readFile(ask(), "utf8"), marketDomain(chain.deployment.chainId, chain.deployment.market));
    const id = await seriesId(series);
    expect(signed.order).to.include({ trader: account(MAKER).address, series: id, isBuy: false, size: 10n, limitPrice: 2_500_000_000_000_000_000n, flags: 0n });
    expect(signed.order.expiry, "default expiry: the last trading time").to.equal((await market().seriesParams(id)).lastTradingTime);

    const fill = await cfxOk(["fill", ask(), "--size", "4", ...at], { env: keyOf(TAKER) });
    expect(fill.stdout).to.match(new RegExp(`^bought 4 ${series} at 2\\.50, taker fee 0\\.50 mUSD; position now \\+4 \\(tx 0x`));
    expect((await market().positionOf(account(TAKER).address, id)).size).to.equal(4n);
    expect((await market().positionOf(account(MAKER).address, id)).size).to.equal(-4n);
  });

  it("cfx account and cfx positions give the taker's margin as the trade makes it", async function () {
    // Bought 4 x 100 GPU-hours at 2.50: paid 1,000 of notional and 0.05% of it as the taker fee.
    const notional = 4n * MULTIPLIER * 2_500_000_000_000_000_000n; // WAD
    const cash = 1_000n * USD - notional / SCALE - (notional * 5n) / (BPS * SCALE);
    const equity = cash + notional / SCALE; // marked at the index, no basis: the fill was at the index
    const initial = (notional * 2_000n) / (BPS * SCALE);
    const maintenance = (notional * MM_BPS) / (BPS * SCALE);
    const run = await cfxOk(["account", account(TAKER).address, ...at, "--json"]);
    const summary = JSON.parse(run.stdout);
    expect(summary).to.include({
      cash: String(cash),
      equity: String(equity),
      initialMargin: String(initial),
      maintenanceMargin: String(maintenance),
      freeCollateral: String(equity - initial),
      marginRatio: String((equity * WAD) / maintenance),
      liquidatable: false,
    });
    expect(cash).to.equal(-500_000n); // -0.50 USD: the long paid its notional and the fee
    const [position] = summary.positions;
    expect(position).to.include({ name: month("H100"), size: "4", entryPrice: "2500000000000000000", mark: "2500000000000000000", unrealisedPnl: "0" });
    const liquidation = BigInt(position.liquidationPrice);
    expect(liquidatable(cash, 4n, liquidation), "liquidatable at its liquidation price").to.equal(true);
    expect(liquidatable(cash, 4n, liquidation + 1n), "not one wei above").to.equal(false);

    const table = (await cfxOk(["positions", ...at], { env: keyOf(TAKER) })).stdout;
    expect(table.split("\n")[1]).to.match(new RegExp(`^${month("H100")}\\s+long\\s+4\\s+2\\.50\\s+2\\.50\\s+0\\.00 mUSD\\s+200\\.00 mUSD\\s+0\\.0015$`));
    const human = (await cfxOk(["account", ...at], { env: keyOf(TAKER) })).stdout;
    expect(human).to.match(/free collateral\s+799\.50 mUSD/);
    expect(human).to.match(/margin ratio\s+8\.32/); // 999.50 / 120, rounded down
  });

  it("cfx cancel voids the rest of an order: a later fill gets the market's reason", async function () {
    const { hash } = JSON.parse(await readFile(ask(), "utf8")) as { hash: string };
    const run = await cfxOk(["cancel", ask(), ...at, "--json"], { env: keyOf(MAKER) });
    expect(JSON.parse(run.stdout)).to.include({ action: "cancel", orderHash: hash });
    expect(await cfxFails(["fill", ask(), "--size", "1", ...at], { env: keyOf(TAKER) })).to.equal(`cfx: order ${hash} is cancelled`);
    expect(await cfxFails(["fill", ask(), ...at], { env: keyOf(TAKER) })).to.equal(
      `cfx: order ${hash} has nothing left to fill: it is cancelled`,
    );
  });

  it("cfx cancel --all voids every order signed before it, not those signed after", async function () {
    const nextH100 = seriesNames[1]; // H100's second launch month
    const bid = await cfxOk(["order", "--series", nextH100, "--side", "buy", "--size", "1", "--price", "2.40", ...at], { env: keyOf(MAKER) });
    const { hash } = JSON.parse(bid.stdout) as { hash: string };
    await cfxOk(["cancel", "--all", ...at], { env: keyOf(MAKER) });
    expect(await cfxFails(["fill", "-", ...at], { env: keyOf(TAKER), input: bid.stdout })).to.equal(
      `cfx: order ${hash} has nothing left to fill: its maker cancelled every order up to it (cancel --all)`,
    );
    const after = await cfxOk(["order", "--series", month("TOKEN"), "--side", "sell", "--size", "10", "--price", "2", "--out", path.join(chain.dir, "token-ask.json"), ...at], {
      env: keyOf(MAKER),
    });
    expect(after.stdout).to.match(new RegExp(`^signed sell 10 ${month("TOKEN")} @ 2\\.00, expires`));
    await cfxOk(["fill", "-", ...at], { env: keyOf(THIN), input: await readFile(path.join(chain.dir, "token-ask.json"), "utf8") });
    expect((await market().positionOf(account(THIN).address, await seriesId(month("TOKEN")))).size).to.equal(10n);
  });

  it("cfx withdraw pays out free collateral and refuses more than is free", async function () {
    const before = await token().balanceOf(account(TAKER).address);
    await cfxOk(["withdraw", "100", ...at], { env: keyOf(TAKER) });
    expect(await token().balanceOf(account(TAKER).address)).to.equal(before + 100n * USD);
    // Free: equity 999.50 - initial margin 200.00 - the 100.00 just withdrawn.
    expect(await cfxFails(["withdraw", "1,000,000", ...at], { env: keyOf(TAKER) })).to.equal(
      "cfx: insufficient free collateral: requested 1,000,000.00 mUSD, available 699.50 mUSD",
    );
  });

  it("cfx liquidate takes over only what brings an account below maintenance back to initial margin", async function () {
    // THIN bought 10 TOKEN contracts at 2.00 with 450 deposited: cash 450 - 2,000 - 1.00 fee.
    const cash = (450n - 2_000n - 1n) * USD;
    const before = JSON.parse((await cfxOk(["positions", account(THIN).address, ...at, "--json"])).stdout);
    const liquidation = BigInt(before[0].liquidationPrice);
    expect(liquidatable(cash, 10n, liquidation)).to.equal(true);
    expect(liquidatable(cash, 10n, liquidation + 1n)).to.equal(false);

    await chain.advance(61n); // the feeds' minUpdateInterval
    const mark = 1_700_000_000_000_000_000n;
    await chain.pushIndex({ "TOKEN-OUT": mark, "H100-HOUR": 2_600_000_000_000_000_000n });
    const summary = JSON.parse((await cfxOk(["account", account(THIN).address, ...at, "--json"])).stdout);
    expect(summary.liquidatable).to.equal(true);

    // The fewest contracts n after which equity - penalty(n) covers the initial margin of the rest.
    const perContract = MULTIPLIER * mark; // WAD
    const equity = cash + (10n * perContract) / SCALE;
    const penalty = (n: bigint) => (n * perContract * 500n + BPS * SCALE - 1n) / (BPS * SCALE);
    let n = 1n;
    while (equity - penalty(n) < ((10n - n) * perContract * 2_000n) / (BPS * SCALE)) n++;
    const reward = penalty(n) / 2n;

    const run = await cfxOk(["liquidate", account(THIN).address, "--series", month("TOKEN"), ...at, "--json"], { env: keyOf(LIQUIDATOR) });
    expect(JSON.parse(run.stdout)).to.include({ size: String(n), markPrice: String(mark), toLiquidator: String(reward), position: String(n) });
    const id = await seriesId(month("TOKEN"));
    expect((await market().positionOf(account(THIN).address, id)).size).to.equal(10n - n);
    expect((await market().positionOf(account(LIQUIDATOR).address, id)).size).to.equal(n);
    expect(await cfxFails(["liquidate", account(THIN).address, "--series", month("TOKEN"), ...at], { env: keyOf(LIQUIDATOR) })).to.match(
      new RegExp(`^cfx: ${account(THIN).address} is not liquidatable: equity [\\d,.]+ mUSD is at or above its maintenance margin`),
    );
  });

  it("cfx settle refuses before expiry, fixes the price after it, and settles the holders an hour later", async function () {
    const series = month("H100");
    const id = await seriesId(series);
    const { expiry } = await market().seriesParams(id);
    expect(await cfxFails(["settle", "--series", series, ...at], { env: keyOf(DEPLOYER) })).to.match(
      new RegExp(`^cfx: ${series} expires at ${new Date(Number(expiry) * 1000).toISOString().replace(".000Z", "Z")} \\(in \\d+d \\d+h\\): it cannot settle before$`),
    );

    await chain.advance(expiry - (await chain.now()) + 1n);
    const first = JSON.parse((await cfxOk(["settle", "--series", series, ...at, "--json"], { env: keyOf(DEPLOYER) })).stdout);
    // The last round before the settlement window was 2.60: the TWAP over the window is 2.60.
    expect(first).to.include({ settlementPrice: "2600000000000000000", accountsOpenAt: String((await chain.now()) + 3_600n) });
    expect(first.settled).to.deep.equal([]);
    expect((await market().seriesState(id)).settlementPrice).to.equal(2_600_000_000_000_000_000n);

    await chain.advance(3_600n);
    const second = JSON.parse((await cfxOk(["settle", "--series", series, ...at, "--json"], { env: keyOf(DEPLOYER) })).stdout);
    const value = (4n * MULTIPLIER * 2_600_000_000_000_000_000n) / SCALE; // 1,040 USD, exact
    expect(second.settled.map((s: { account: string; size: string; cash: string }) => [s.account, s.size, s.cash])).to.have.deep.members([
      [account(MAKER).address, "-4", String(-value)],
      [account(TAKER).address, "4", String(value)],
    ]);
    expect((await market().positionOf(account(TAKER).address, id)).size).to.equal(0n);
    // -0.50 after the trade, -100 withdrawn, +1,040 at settlement.
    expect((await vault().accountMargin(account(TAKER).address)).cash).to.equal(-500_000n - 100n * USD + value);
  });

  it("cfx withdraw all pays out all the free collateral", async function () {
    const before = await token().balanceOf(account(TAKER).address);
    const run = JSON.parse((await cfxOk(["withdraw", "all", ...at, "--json"], { env: keyOf(TAKER) })).stdout);
    const expected = 939_500_000n; // 939.50: see the settlement above
    expect(run).to.include({ amount: String(expected), cash: "0" });
    expect(await token().balanceOf(account(TAKER).address)).to.equal(before + expected);
  });
});
