/**
 * Gas of IndexOracle.submit, in steady state (warm ring slots, a previous round on record):
 * one feed with 3, 5, 7 and 15 signatures, and batches of 1, 5 and 20 feeds with 3 signatures
 * each. Prints a table and checks it against the targets of docs/oracle.md.
 *
 *   npm run bench
 */
import { network } from "hardhat";

import type { IndexOracle } from "../types/ethers-contracts/index.js";
import type { FeedReport } from "../src/oracle/observation.js";
import { WAD, deployOracle, feedId, relayerWallets, uniformReport } from "../test/helpers/oracle.js";

const TARGETS = { threeSignatures: 65_000n, perExtraSignature: 5_000n, perExtraFeed: 25_000n };

const { ethers, networkHelpers } = await network.create();
const wallets = relayerWallets(15);
const addresses = wallets.map((w) => w.address);

/** Submits two rounds and returns the gas of the second (steady state). */
async function steadyStateGas(oracle: IndexOracle, build: (value: bigint, at: bigint) => Promise<FeedReport[]>) {
  let gas = 0n;
  for (const value of [2n * WAD, 2n * WAD + WAD / 100n]) {
    await networkHelpers.time.increase(60);
    const at = BigInt(await networkHelpers.time.latest());
    const receipt = await (await oracle.submit(await build(value, at))).wait();
    gas = receipt!.gasUsed;
  }
  return gas;
}

// One feed with 15 signers and f = 1: the same signer set for every signature count.
const single = await deployOracle(ethers, [{ name: "BENCH", signers: addresses, f: 1 }]);
const bySignatures: [number, bigint][] = [];
for (const count of [3, 5, 7, 15]) {
  const gas = await steadyStateGas(single, async (value, at) => [
    await uniformReport(single, wallets.slice(0, count), feedId("BENCH"), value, at),
  ]);
  bySignatures.push([count, gas]);
}

// Batches: 20 feeds sharing one 4-signer set (f = 1), 3 signatures each.
const feedNames = Array.from({ length: 20 }, (_, i) => `BENCH-${i}`);
const batchOracle = await deployOracle(
  ethers,
  feedNames.map((name) => ({ name, signers: addresses.slice(0, 4), f: 1 })),
);
const byFeeds: [number, bigint][] = [];
for (const count of [1, 5, 20]) {
  const gas = await steadyStateGas(batchOracle, (value, at) =>
    Promise.all(feedNames.slice(0, count).map((name) => uniformReport(batchOracle, wallets.slice(0, 3), feedId(name), value, at))),
  );
  byFeeds.push([count, gas]);
}

const fmt = (n: bigint) => n.toLocaleString("en-US");
const three = bySignatures[0][1];
const perSignature = (bySignatures[3][1] - three) / 12n;
const perFeed = (byFeeds[2][1] - byFeeds[0][1]) / 19n;

console.log("\nIndexOracle.submit gas (steady state, transaction gas including 21,000 base and calldata)\n");
console.log("| report | gas | marginal |");
console.log("|---|---:|---:|");
let previous: [number, bigint] | undefined;
for (const [count, gas] of bySignatures) {
  const marginal = previous ? `${fmt((gas - previous[1]) / BigInt(count - previous[0]))} / signature` : "";
  console.log(`| 1 feed, ${count} signatures (n = 15, f = 1) | ${fmt(gas)} | ${marginal} |`);
  previous = [count, gas];
}
previous = undefined;
for (const [count, gas] of byFeeds) {
  const marginal = previous ? `${fmt((gas - previous[1]) / BigInt(count - previous[0]))} / feed` : "";
  console.log(`| ${count} feed${count > 1 ? "s" : ""}, 3 signatures each (n = 4, f = 1) | ${fmt(gas)} | ${marginal} |`);
  previous = [count, gas];
}

console.log("\n| target | limit | measured | met |");
console.log("|---|---:|---:|---|");
const rows: [string, bigint, bigint][] = [
  ["1 feed, 3 signatures", TARGETS.threeSignatures, three],
  ["each extra signature (3 -> 15)", TARGETS.perExtraSignature, perSignature],
  ["each extra feed in a batch (1 -> 20)", TARGETS.perExtraFeed, perFeed],
];
for (const [name, limit, measured] of rows) {
  console.log(`| ${name} | ${fmt(limit)} | ${fmt(measured)} | ${measured <= limit ? "yes" : "no"} |`);
}
console.log(`\nAnchor: Chainlink OCR2 spends about 110,000 gas per transmission; ratio 1 feed/3 sigs : OCR2 = ${(Number(three) / 110_000).toFixed(2)}`);
