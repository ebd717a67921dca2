/**
 * The main job until the end-to-end market demo exists: on the in-process Hardhat network,
 * deploy the IndexOracle and its Chainlink adapter for the H100 GPU-hour index, let four
 * relayers (f = 1) sign observations, submit quorum reports, and read the rounds back.
 *
 *   npm run demo
 *
 * Index levels: published H100 on-demand rental levels, USD per GPU-hour, from
 * shared/data/h100_index_history.csv — 2.99 (SemiAnalysis, 2024-10-07), 2.78 (compute-screener
 * composite, 2025-10-23) and 2.60 (approximate Silicon Data SDH100RT reading). Each relayer
 * sees the level with its own small source noise; relayer 3 misbehaves in round 2.
 */
import { network } from "hardhat";
import { formatUnits, parseUnits } from "ethers";

import type { IndexFeedAdapter } from "../types/ethers-contracts/index.js";
import { feedReport, type FeedReport } from "../src/oracle/observation.js";
import { deployOracle, feedId, relayerWallets, signObservations } from "../test/helpers/oracle.js";

const { ethers, networkHelpers } = await network.create();
const usd = (wad: bigint) => `$${Number(formatUnits(wad, 18)).toFixed(4)}`;

const FEED = "H100-HOUR";
const feed = feedId(FEED);
const relayers = relayerWallets(4);
const oracle = await deployOracle(ethers, [
  { name: FEED, signers: relayers.map((r) => r.address), f: 1, maxMoveBps: 1500, minUpdateInterval: 60 },
]);
const adapter = (await ethers.deployContract("IndexFeedAdapter", [
  await oracle.getAddress(),
  feed,
])) as unknown as IndexFeedAdapter;

console.log(`IndexOracle ${await oracle.getAddress()}  feed ${FEED} (${feed.slice(0, 10)}…)`);
console.log(`relayers (n = 4, f = 1, a report needs 2f+1 = 3 signatures):`);
for (const r of relayers) console.log(`  ${r.address}`);

const rounds: { level: string; observed: string[] }[] = [
  { level: "2.99", observed: ["2.99", "2.985", "3.00", "2.995"] },
  { level: "2.78", observed: ["2.78", "2.7811", "2.775", "9.99"] }, // relayer 3 lies
  { level: "2.60", observed: ["2.60", "2.61", "2.595", "2.60"] },
];

let lastReport: FeedReport | undefined;
console.log("\nround | observations (USD per GPU-hour)            | median stored | signers");
for (const round of rounds) {
  await networkHelpers.time.increase(600);
  const observedAt = BigInt(await networkHelpers.time.latest());
  const values = round.observed.map((v) => parseUnits(v, 18));
  const signed = await signObservations(oracle, relayers, feed, values, observedAt);
  lastReport = feedReport(feed, signed);
  await (await oracle.submit([lastReport])).wait();
  const latest = await oracle.latestRound(feed);
  const shown = round.observed.map((v) => v.padStart(6)).join(" ");
  console.log(`${String(latest.roundId).padStart(5)} | ${shown.padEnd(43)} | ${usd(latest.value).padStart(13)} | 4 of 4`);
}

const [roundId, answer, startedAt, updatedAt] = await adapter.latestRoundData();
console.log(`\nChainlink adapter: round ${roundId}, answer ${answer} (8 decimals = $${formatUnits(answer, 8)}),`);
console.log(`  observed at ${startedAt}, updated at ${updatedAt}, "${await adapter.description()}"`);

const now = BigInt(await networkHelpers.time.latest());
const first = await oracle.getRound(feed, 1n);
console.log(`TWAP since round 1 (${now - first.updatedAt} s): ${usd(await oracle.twap(feed, first.updatedAt, now))}`);

// Replaying the last report, even once the minimum update interval has passed, is refused:
// its observations are not newer than the round they created.
await networkHelpers.time.increase(120);
try {
  await oracle.submit.staticCall([lastReport!]);
  throw new Error("a replayed report was accepted");
} catch (error) {
  const decoded = oracle.interface.parseError((error as { data?: string }).data ?? "0x");
  if (decoded?.name !== "ObservationNotNewer") throw error;
  console.log(`Replaying round 3's report is refused: ${decoded.name}(observedAt ${decoded.args[2]} <= last ${decoded.args[3]})`);
}
console.log(`isStale: ${await oracle.isStale(feed)}`);
