/**
 * The whole market on the embedded Hardhat network, with no other process and no network access:
 *
 *   npm run demo
 *
 * deploy everything (deploy/parameters/local.json) → four relayers publish H100-HOUR and TOKEN-OUT
 * from the replay histories (time compressed: the chain starts on 2026-10-20) → a market maker
 * quotes signed orders around the mark → Alice buys, Bob sells with high leverage → a price shock
 * (the demo's labelled scenario, data/README.md) drives Bob below maintenance margin and the keeper
 * liquidates him → the October series expire and settle → every account's final balance, and the
 * check that the vault holds exactly what it owes (exit 1 if not).
 */
import { network } from "hardhat";
import { HDNodeWallet, Mnemonic, Wallet, getAddress } from "ethers";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";

import { deploySystem } from "../deploy/deploySystem.js";
import type { PlannedSeries } from "../deploy/plan.js";
import { connect, formatBps, formatFixed, formatPnl, formatPrice, formatSize, formatUsdc, parseUsdc, type CfxClient, type SignedOrder } from "../src/client/index.js";
import { Keeper, parseKeeperConfig, type TickSummary } from "../src/keeper/index.js";
import { MockUSD__factory } from "../types/ethers-contracts/index.js";
import { heading, say, short, table, when } from "./demo/narrate.js";
import { DemoRelayers } from "./demo/relayers.js";
import { startRpcBridge } from "./demo/rpcBridge.js";

const START = "2026-10-20T00:00:00Z";
/** Prices in tables: 4 decimals at most (exact values are on chain and in the logs). */
const price = (wad: bigint) => formatPrice(wad, { decimals: "exact", minDecimals: 2 }).replace(/(\.\d{4})\d+$/, "$1");
/** A WAD amount of USD (realised PnL) in USD with 2 decimals, rounded down as the vault credits it. */
const usdFromWad = (wad: bigint) => formatFixed(wad, 18, { decimals: 2, rounding: "floor", plusSign: true });
const HOUR = 3600;
const started = Date.now();

const connection = await network.create({ override: { initialDate: START } });
const { ethers } = connection;
const provider = ethers.provider;
const chainNow = async () => (await provider.getBlock("latest"))!.timestamp;
let now = await chainNow();

// ---------------------------------------------------------------------------------- deploy
heading("Deploy");
const { deployment, series } = await deploySystem(connection, "deploy/parameters/local.json");
deployment.network = "demo";
table(
  ["contract", "address"],
  [
    ["MockUSD (collateral)", deployment.token],
    ["IndexOracle", deployment.oracle],
    ["MarginVault", deployment.vault],
    ["FuturesMarket", deployment.market],
    ...deployment.feeds.map((f) => [`${f.name} adapter (AggregatorV3)`, f.adapter]),
  ],
);
say("", "Series listed (monthly, last Friday 08:00 UTC; settled on the index TWAP of the last hour):");
table(
  ["series", "expiry", "contract", "tick", "IM / MM"],
  series.map((s) => [
    s.name,
    when(s.params.expiry),
    `${s.params.multiplier} index units`,
    formatPrice(s.params.tickSize),
    `${formatBps(s.params.initialMarginBps)} / ${formatBps(s.params.maintenanceMarginBps)}`,
  ]),
);
const h100 = seriesNamed(series, "H100-2026-10");
const token = seriesNamed(series, "TOKEN-2026-10");

// ---------------------------------------------------------------------------------- actors
const signers = await ethers.getSigners();
const [admin, makerSigner, aliceSigner, bobSigner] = signers;
const mnemonic = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
const keeperWallet = new Wallet(HDNodeWallet.fromMnemonic(mnemonic, "m/44'/60'/0'/0/5").privateKey, provider);
const usd = MockUSD__factory.connect(deployment.token, admin);
const clients = {
  admin: await connect(admin, deployment),
  maker: await connect(makerSigner, deployment),
  alice: await connect(aliceSigner, deployment),
  bob: await connect(bobSigner, deployment),
};
const deposits = new Map<string, bigint>([
  ["maker", parseUsdc("500,000")],
  ["Alice", parseUsdc("30,000")],
  ["Bob", parseUsdc("2,000")],
  ["keeper", parseUsdc("10,000")],
]);
const names = new Map<string, string>([
  [makerSigner.address, "maker"],
  [aliceSigner.address, "Alice"],
  [bobSigner.address, "Bob"],
  [keeperWallet.address, "keeper"],
]);

// ---------------------------------------------------------------------------------- relayers
const bridge = await startRpcBridge(connection.provider);
const relayers = await DemoRelayers.start(bridge.url, deployment.oracle, () => now);
const keeperDir = await mkdtemp(join(tmpdir(), "cfx-demo-keeper-"));
const market = clients.admin.contracts.market;
await (await market.grantRole(await market.DELEVERAGER_ROLE(), keeperWallet.address)).wait();
const keeper = await Keeper.start(parseKeeperConfig({ name: "demo-keeper", stateDir: keeperDir }, join(keeperDir, "keeper.yaml")), {
  provider,
  wallet: keeperWallet,
  deployment,
  clock: () => now,
  logger: pino({ level: process.env.DEMO_LOG ?? "silent" }),
});

async function run(): Promise<void> {
  heading("Four relayers publish the indexes (n = 4, f = 1: each round carries at least 3 signed observations)");
  say(
    `Relayers ${relayers.addresses.map(short).join(", ")} each compute both indexes from the dated replay`,
    "histories in data/replay/ and serve signed observations over HTTP; one transmitter per round submits",
    "the report. The chain's clock starts on 2026-10-20 and moves in compressed steps.",
  );
  await advance(HOUR);
  await publish();
  await printRounds();

  heading("Collateral");
  // MockUSD lets anyone mint: each account gets exactly what it deposits.
  for (const [address, name] of names) await (await usd.mint(address, deposits.get(name)!)).wait();
  await (await admin.sendTransaction({ to: keeperWallet.address, value: ethers.parseEther("10") })).wait(); // the keeper's gas
  await clients.maker.deposit(deposits.get("maker")!);
  await clients.alice.depositWithPermit(deposits.get("Alice")!); // an ERC-2612 permit: one transaction, no approve
  await clients.bob.deposit(deposits.get("Bob")!);
  await (await connect(keeperWallet, deployment)).deposit(deposits.get("keeper")!);
  await usd.mint(admin.address, parseUsdc("5,000")).then((tx) => tx.wait());
  await usd.approve(deployment.vault, parseUsdc("5,000")).then((tx) => tx.wait());
  await clients.admin.contracts.vault.fundInsurance(parseUsdc("5,000")).then((tx) => tx.wait());
  await printAccounts("Deposits (the admin also seeds the insurance fund with 5,000 USD)");

  heading("The market maker quotes around the mark; Alice buys, Bob sells");
  const quotes = await quote(clients.maker, h100, 4n, 40n);
  const tokenQuotes = await quote(clients.maker, token, 4n, 40n);
  const bestAsk = quotes.find((q) => !q.order.isBuy)!;
  const bestBid = quotes.find((q) => q.order.isBuy)!;
  await clients.alice.fill(bestAsk, 20n);
  await clients.bob.fill(bestBid, 29n); // about 5x leverage on 2,000 USD: just inside initial margin
  await clients.alice.fill(tokenQuotes.find((q) => !q.order.isBuy)!, 10n);
  await printTrades();
  await printAccounts("Accounts after the trades");

  heading("Days pass: the relayers keep publishing (heartbeat or a 1% move)");
  await stepUntil(Date.parse("2026-10-26T11:00:00Z") / 1000, 6 * HOUR);
  await printRounds(4);

  heading("The shock: H100 rental prices jump 12% at noon on 2026-10-26 (the demo's scenario)");
  await advance(Date.parse("2026-10-26T12:00:00Z") / 1000 - now);
  await publish();
  await printRounds(1);
  await printAccounts("Bob's equity is now below his maintenance margin");
  say("The keeper's next tick finds him (it follows accounts from the vault's and the market's events):");
  printKeeper(await keeper.tick());
  await printAccounts("After the partial liquidation (only what brings Bob back to initial margin moves)");

  heading("Another 7% the next day; the keeper watches every step");
  await stepUntil(Date.parse("2026-10-27T02:00:00Z") / 1000, HOUR);
  await printRounds(2);
  await printAccounts("Accounts");

  heading("Expiry: the October series stop trading at 07:00 and settle on the TWAP of 07:00-08:00 UTC, 2026-10-30");
  await stepUntil(Number(h100.params.expiry) - 2 * HOUR, 6 * HOUR);
  await stepUntil(Number(h100.params.expiry) + 60, 20 * 60);
  await printRounds(4);
  await stepUntil(Number(h100.params.expiry) + HOUR + 60, 20 * 60); // the settlement hour passes
  await printSettlement();

  heading("Everyone withdraws; final balances");
  const keeperClient = await connect(keeperWallet, deployment);
  const rows: string[][] = [];
  for (const [name, client] of [["maker", clients.maker], ["Alice", clients.alice], ["Bob", clients.bob], ["keeper", keeperClient]] as const) {
    const before = await client.account();
    if (before.freeCollateral > 0n) await client.withdraw(before.freeCollateral);
    const after = await client.account();
    const deposited = deposits.get(name) ?? 0n;
    rows.push([name, formatUsdc(deposited), formatUsdc(before.freeCollateral), formatPnl(before.freeCollateral - deposited), formatUsdc(after.cash), formatUsdc(after.walletBalance)]);
  }
  table(["account", "deposited", "withdrawn", "net result", "left in the vault", "wallet balance"], rows);
  say("");
  await checkConservation();
  const rounds = await Promise.all(deployment.feeds.map(async (f) => (await clients.admin.indexHistory(f.id)).length));
  say("");
  table(
    ["measure", "value", "target"],
    [
      ["wall time, deploy to final check", `${((Date.now() - started) / 1000).toFixed(1)} s`, "< 120 s"],
      ["chain time covered", `${((now - Date.parse(START) / 1000) / 86_400).toFixed(1)} days`, ""],
      ["index rounds published", deployment.feeds.map((f, i) => `${rounds[i]} ${f.name}`).join(", "), ""],
      ["blocks", String(await provider.getBlockNumber()), ""],
    ],
  );
}

// ---------------------------------------------------------------------------------- steps

function seriesNamed(list: PlannedSeries[], name: string): PlannedSeries {
  const found = list.find((s) => s.name === name);
  if (found === undefined) throw new Error(`the deploy listed no ${name} series (listed: ${list.map((s) => s.name).join(", ")})`);
  return found;
}

async function advance(seconds: number): Promise<void> {
  await connection.provider.request({ method: "evm_increaseTime", params: [seconds] });
  await connection.provider.request({ method: "evm_mine", params: [] });
  now = await chainNow();
}

/** Every relayer observes; whoever's turn it is transmits. */
async function publish(): Promise<string[]> {
  const transmitted = await relayers.round();
  now = await chainNow();
  return transmitted;
}

/** Moves time in steps to `target`, publishing and letting the keeper work at every step. */
async function stepUntil(target: number, step: number): Promise<void> {
  while (now < target) {
    await advance(Math.min(step, target - now));
    await publish();
    const tick = await keeper.tick();
    printKeeper(tick, true);
  }
}

/** Bids and asks around the mark, `levels` each side, one tick apart around a 5-tick spread. */
async function quote(client: CfxClient, s: PlannedSeries, levels: bigint, size: bigint): Promise<SignedOrder[]> {
  const info = await client.seriesInfo(s.id);
  const tick = s.params.tickSize;
  const mid = (info.mark / tick) * tick;
  const orders: SignedOrder[] = [];
  for (let level = 0n; level < levels; level++) {
    for (const side of ["buy", "sell"] as const) {
      const offset = (3n + level) * tick;
      const price = side === "buy" ? mid - offset : mid + offset;
      orders.push(await client.signOrder(await client.buildOrder({ series: s.id, side, size, price })));
    }
  }
  table(
    [`${s.name} book`, "size", "price", "order hash"],
    orders
      .slice()
      .sort((a, b) => (a.order.limitPrice > b.order.limitPrice ? -1 : 1))
      .map((o) => [o.order.isBuy ? "bid" : "ask", formatSize(o.order.size), formatPrice(o.order.limitPrice), short(client.orderHash(o.order))]),
  );
  say(`mark ${price(info.mark)} = index ${price(info.index)} + basis ${price(info.basis)}`, "");
  return orders;
}

// ---------------------------------------------------------------------------------- printing

const roundsShown = new Map<string, bigint>();

async function printRounds(max = 2): Promise<void> {
  const rows: string[][] = [];
  for (const feed of deployment.feeds) {
    const rounds = await clients.admin.indexHistory(feed.id, { blockTimes: true });
    const fresh = rounds.filter((r) => r.roundId > (roundsShown.get(feed.id) ?? 0n));
    if (rounds.length > 0) roundsShown.set(feed.id, rounds[rounds.length - 1].roundId);
    const shown = fresh.slice(-max);
    if (fresh.length > shown.length) rows.push([feed.name, `(${fresh.length - shown.length} more)`, "", "", ""]);
    for (const r of shown) {
      rows.push([feed.name, String(r.roundId), when(r.observedAt), price(r.value), r.values.map(price).join(" ")]);
    }
  }
  table(["feed", "round", "observed", "median", "observations"], rows);
}

async function printTrades(): Promise<void> {
  const filled = await market.queryFilter(market.filters.OrderFilled(), deployment.startBlock);
  table(
    ["series", "maker", "taker", "side (taker)", "size", "price"],
    filled.map((e) => {
      const [seriesId, , maker, taker, , makerIsBuy, size, price] = e.args;
      return [labelOf(seriesId), nameOf(maker), nameOf(taker), makerIsBuy ? "sell" : "buy", formatSize(size), formatPrice(price)];
    }),
  );
}

async function printAccounts(title: string): Promise<void> {
  say(`${title}:`);
  const rows: string[][] = [];
  for (const [address, name] of names) {
    const a = await clients.admin.account(address);
    const positions = a.positions.map((p) => `${formatSize(p.size, { plusSign: true })} ${labelOf(p.series)} @ ${price(p.entryPrice)}`).join(", ");
    rows.push([
      name,
      formatUsdc(a.cash),
      formatUsdc(a.equity),
      formatUsdc(a.maintenanceMargin),
      formatPnl(a.positions.reduce((sum, p) => sum + p.unrealisedPnl, 0n)),
      a.liquidatable ? "LIQUIDATABLE" : a.openPositions > 0n ? "ok" : "-",
      positions || "-",
    ]);
  }
  table(["account", "cash", "equity", "maint. margin", "unrealised PnL", "status", "positions"], rows);
  say("");
}

function printKeeper(tick: TickSummary, quietIfIdle = false): void {
  const lines: string[] = [];
  for (const l of tick.liquidations) {
    if (l.status !== "liquidated") continue;
    lines.push(
      `keeper liquidated ${formatSize(l.moved)} ${labelOf(l.plan.series)} of ${nameOf(l.plan.account)} at the mark ${price(l.plan.markPrice)}: ` +
        `its share of the penalty ${formatUsdc(l.reward)} USD, for ${l.plan.gas.toLocaleString("en-US")} gas`,
    );
  }
  for (const d of tick.deleveraged) {
    if (d.status === "deleveraged") {
      lines.push(`keeper deleveraged ${formatSize(d.size)} ${labelOf(d.series)} of ${nameOf(d.account)} against ${nameOf(d.counterparty)}, who took ${formatUsdc(d.deficitShare)} USD of the debt`);
    } else {
      lines.push(`keeper could not deleverage ${nameOf(d.account)}: ${d.detail}`);
    }
  }
  for (const s of tick.seriesSettled) {
    if (s.status === "settled") lines.push(`keeper settled the series ${labelOf(s.series)} at ${price(s.price)}`);
  }
  for (const a of tick.accountsSettled) {
    lines.push(`keeper settled ${a.settled.length} accounts of ${labelOf(a.series)} (${a.settled.map(nameOf).join(", ")}) in ${a.transactions} transaction(s)`);
  }
  if (lines.length === 0 && !quietIfIdle) lines.push(`keeper tick at ${when(now)}: nothing to do`);
  for (const line of lines) say(`  [${when(now)}] ${line}`);
}

async function printSettlement(): Promise<void> {
  const settled = await market.queryFilter(market.filters.SeriesSettled(), deployment.startBlock);
  table(["series", "settlement price"], settled.map((e) => [labelOf(e.args[0]), price(e.args[1])]));
  const accounts = await market.queryFilter(market.filters.AccountSettled(), deployment.startBlock);
  table(
    ["account", "series", "size", "cash", "realised PnL (USD)"],
    accounts.map((e) => {
      const [account, seriesId, size, , cash, pnl] = e.args;
      return [nameOf(account), labelOf(seriesId), formatSize(size, { plusSign: true }), formatPnl(cash), usdFromWad(pnl)];
    }),
  );
}

async function checkConservation(): Promise<void> {
  const vault = clients.admin.contracts.vault;
  const [held, cash, insurance, fees] = await Promise.all([
    usd.balanceOf(deployment.vault),
    vault.totalCash(),
    vault.insuranceFund(),
    vault.feeBalance(),
  ]);
  const owed = cash + insurance + fees;
  table(
    ["the vault", "USD"],
    [
      ["holds (token balance)", formatUsdc(held)],
      ["owes: account cash", formatUsdc(cash)],
      ["owes: insurance fund", formatUsdc(insurance)],
      ["owes: fees", formatUsdc(fees)],
      ["owes in total", formatUsdc(owed)],
    ],
  );
  if (held !== owed) throw new Error(`the vault holds ${formatUsdc(held)} but owes ${formatUsdc(owed)}`);
  say("Conservation check passed: the vault holds exactly what it owes.");
}

function nameOf(address: string): string {
  return names.get(getAddress(address)) ?? short(address);
}

function labelOf(seriesId: string): string {
  return series.find((s) => s.id === seriesId)?.name ?? short(seriesId);
}

// ---------------------------------------------------------------------------------- main

let exitCode = 0;
try {
  await run();
} catch (error) {
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.CFX_DEBUG === "1" && error instanceof Error) console.error(error.stack);
  exitCode = 1;
} finally {
  await keeper.stop();
  await relayers.stop();
  await bridge.close();
  await rm(keeperDir, { recursive: true, force: true });
}
process.exitCode = exitCode;
