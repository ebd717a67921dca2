/**
 * Gas of the vault and the market in steady state (accounts funded and already holding
 * positions), with first-time figures beside them, and the same operations again once 1,000
 * more accounts are funded and trading: gas must not grow with the number of accounts.
 * Prints a table and compares it with the targets of docs/market.md.
 *
 *   npm run bench
 */
import { network } from "hardhat";
import { Wallet, type Signer } from "ethers";

import type { FuturesMarket } from "../types/ethers-contracts/index.js";
import {
  DAY,
  HOUR,
  fundAccount,
  INITIAL_INDEX,
  TICK,
  h100Params,
  latestTime,
  listSeries,
  marketFixture,
  pushIndex,
  signedOrder,
  type MarketFx,
} from "../test/helpers/market.js";

const TARGETS: Record<string, bigint> = {
  deposit: 60_000n,
  fill: 110_000n,
  "matchOrders (single)": 130_000n,
  "matchOrdersBatch (per fill, 10)": 80_000n,
  "settleAccount": 60_000n,
  "liquidate (partial)": 160_000n,
  "margin check, each extra open series": 12_000n,
};

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const fx: MarketFx = await marketFixture(connection);
const [, , , , , , , , maker2, taker2] = await ethers.getSigners();
/**
 * steady: accounts funded and already holding positions; crowded: the same after 1,000 more
 * accounts have been funded and have traded (their positions and fill records exist). The
 * operations measured only once, after the crowd, have a crowded figure alone.
 */
const rows: { name: string; first?: bigint; steady?: bigint; crowded?: bigint }[] = [];
const gasOf = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => (await (await tx).wait())!.gasUsed;
const asTrader = (s: Signer) => fx.market.connect(s) as FuturesMarket;
// Orders trade within a few ticks of the index; each is new (a fresh nonce), so each fill
// writes its order's fill record for the first time, as in real trading.
let tick = 0n;
const nextPrice = () => INITIAL_INDEX + ((tick++ % 5n) - 2n) * TICK;

async function fill(maker: Signer, taker: Signer, size = 1n, series = fx.series) {
  const signed = await signedOrder({ ...fx, series }, maker, { isBuy: false, size, limitPrice: nextPrice() });
  return gasOf(asTrader(taker).fill(signed.order, signed.signature, size));
}

async function match(maker: Signer, taker: Signer) {
  const p = nextPrice();
  const m = await signedOrder(fx, maker, { isBuy: false, size: 1n, limitPrice: p });
  const t = await signedOrder(fx, taker, { isBuy: true, size: 1n, limitPrice: p });
  return gasOf(fx.market.matchOrders(m.order, m.signature, t.order, t.signature, 1n));
}

async function batchPerFill(maker: Signer, taker: Signer, count: number) {
  const matches = [];
  for (let i = 0; i < count; i++) {
    const p = nextPrice();
    const m = await signedOrder(fx, maker, { isBuy: false, size: 1n, limitPrice: p });
    const t = await signedOrder(fx, taker, { isBuy: true, size: 1n, limitPrice: p });
    matches.push({ maker: m.order, makerSignature: m.signature, taker: t.order, takerSignature: t.signature, size: 1n });
  }
  return (await gasOf(fx.market.matchOrdersBatch(matches))) / BigInt(count);
}

/** Everything measured in one state of the market. */
async function measure(label: "first" | "steady" | "crowded") {
  const deposit = await gasOf(fx.vault.connect(fx.alice).deposit(1_000_000n));
  const fillGas = await fill(fx.alice, fx.bob);
  const matchGas = await match(fx.carol, fx.dave);
  const batch = await batchPerFill(fx.carol, fx.dave, 10);
  const withdraw = await gasOf(fx.vault.connect(fx.alice).withdraw(1_000_000n, fx.alice.address));
  const values: Record<string, bigint> = {
    deposit,
    fill: fillGas,
    "matchOrders (single)": matchGas,
    "matchOrdersBatch (per fill, 10)": batch,
    "withdraw (1 open series)": withdraw,
  };
  for (const [name, gas] of Object.entries(values)) {
    const row = rows.find((r) => r.name === name) ?? rows[rows.push({ name, steady: 0n }) - 1];
    if (label === "first") row.first = gas;
    else if (label === "steady") row.steady = gas;
    else row.crowded = gas;
  }
}

await measure("first"); // alice, bob, carol, dave open their first positions here
await measure("steady");

// 1,000 more funded accounts, each trading once, then the same operations again.
const crowd = Array.from({ length: 1000 }, (_, i) => new Wallet(ethers.id(`bench-account-${i}`)));
await (await fx.usd.mint(fx.admin.address, 1000n * 10_000n * 10n ** 6n)).wait();
await (await fx.usd.approve(fx.vaultAddress, 2n ** 255n)).wait();
for (const w of crowd) await (await fx.vault.depositFor(w.address, 10_000n * 10n ** 6n)).wait();
for (let i = 0; i < crowd.length; i += 2) {
  const m = await signedOrder(fx, crowd[i], { isBuy: false, size: 1n, limitPrice: nextPrice() });
  const t = await signedOrder(fx, crowd[i + 1], { isBuy: true, size: 1n, limitPrice: m.order.limitPrice });
  await (await fx.market.matchOrders(m.order, m.signature, t.order, t.signature, 1n)).wait();
}
await pushIndex(fx, INITIAL_INDEX); // keep the index fresh after the long set-up
await measure("crowded");

// Eight open series: the margin check of every trade and withdrawal walks all of them.
const now = await latestTime(fx);
const extraSeries: string[] = [];
for (let i = 1; i < 8; i++) {
  const { id } = await listSeries(fx, h100Params(now, { expiry: now + 30n * DAY + BigInt(i) * HOUR, lastTradingTime: now + 29n * DAY }));
  extraSeries.push(id);
}
await fundAccount(fx, maker2.address, 100_000n * 10n ** 6n);
for (const id of extraSeries) await fill(maker2, fx.alice, 1n, id);
const fillWith8 = await fill(fx.bob, fx.alice);
const withdrawWith8 = await gasOf(fx.vault.connect(fx.alice).withdraw(1_000_000n, fx.alice.address));
const fillWith1 = rows.find((r) => r.name === "fill")!.crowded!;
rows.push({ name: "withdraw (8 open series)", crowded: withdrawWith8 });
rows.push({ name: "fill, taker with 8 open series", crowded: fillWith8 });
rows.push({ name: "margin check, each extra open series", crowded: (fillWith8 - fillWith1) / 7n });



// Liquidation: an account with 1,000 USD buys 18 contracts at 2.50; the index falls to 2.10 in
// two rounds and carol, who already holds a position, liquidates it.
const [, , , , , , , , , , poor] = await ethers.getSigners();
await fundAccount(fx, poor.address, 1_000n * 10n ** 6n);
await fill(fx.dave, poor, 18n);
await networkHelpers.time.increase(120);
await pushIndex(fx, INITIAL_INDEX - INITIAL_INDEX / 12n);
await networkHelpers.time.increase(120);
await pushIndex(fx, INITIAL_INDEX - INITIAL_INDEX / 6n);
rows.push({ name: "liquidate (partial)", crowded: await gasOf(asTrader(fx.carol).liquidate(poor.address, fx.series, 100n)) });

// Expiry: the main series settles on the index TWAP over its last hour, then accounts settle.
await networkHelpers.time.increaseTo(fx.params.expiry - fx.params.settlementWindow + 60n);
await pushIndex(fx, INITIAL_INDEX + 10n * TICK);
await networkHelpers.time.increaseTo(fx.params.expiry + 1n);
await pushIndex(fx, INITIAL_INDEX + 20n * TICK);
rows.push({ name: "settleSeries", crowded: await gasOf(fx.market.settleSeries(fx.series)) });
// Accounts settle after the deleveraging hour.
await networkHelpers.time.increase(await fx.market.ACCOUNT_SETTLEMENT_DELAY());
rows.push({ name: "settleAccount", crowded: await gasOf(fx.market.settleAccount(fx.bob.address, fx.series)) });

const fmt = (n?: bigint) => (n === undefined ? "" : n.toLocaleString("en-US"));
console.log("\nVault and market gas (transaction gas: 21,000 base and calldata included)\n");
console.log("| operation | first time | steady state | with 1,000 more accounts | target | met |");
console.log("|---|---:|---:|---:|---:|---|");
for (const r of rows) {
  const target = TARGETS[r.name];
  const measured = [r.steady, r.crowded].filter((g): g is bigint => g !== undefined);
  const met = target === undefined ? "" : measured.every((g) => g <= target) ? "yes" : "no";
  console.log(`| ${r.name} | ${fmt(r.first)} | ${fmt(r.steady)} | ${fmt(r.crowded)} | ${fmt(target)} | ${met} |`);
}
const grew = rows.filter((r) => r.steady !== undefined && r.crowded !== undefined && r.crowded > r.steady + r.steady / 50n);
console.log(grew.length === 0 ? "\nNo operation grew by more than 2% with 1,000 more accounts." : `\nGrew with the crowd: ${grew.map((r) => r.name).join(", ")}`);
