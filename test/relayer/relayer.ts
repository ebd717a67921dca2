/**
 * Four relayers against a real `hardhat node`: each reads its own local price API (OpenRouter's
 * model-list format), computes the index, signs its observation and serves it over HTTP; the
 * relayer whose turn it is gathers the others' observations over HTTP and submits the report.
 * The relayers run in this process (the `cfx relayer` processes are tested separately) with a
 * clock that follows the chain, so the test can move time (test/helpers/relayerHarness.ts).
 */
import { expect } from "chai";
import { join } from "node:path";

import { feedFileName, loadFeedConfig, median } from "../../src/index/index.js";
import { main } from "../../src/cli/main.js";
import { readFeed } from "../../src/relayer/chain.js";
import type { Relayer } from "../../src/relayer/relayer.js";
import { transmitterTurn } from "../../src/relayer/schedule.js";
import { verifyRound } from "../../src/relayer/verify.js";
import { json, startPriceServer } from "../helpers/priceServers.js";
import { RelayerSet, modelsBody, wad3 } from "../helpers/relayerHarness.js";

const FEED = "TEST-TOKEN-OUT";
const GRACE = 30;
/** Honest relayers read slightly different markets: their indexes span 0.6%, within the 1% threshold. */
const INDEXES = ["2.140", "2.145", "2.150", "2.152"];

describe("relayers publishing a feed to a real node", function () {
  this.timeout(180_000);

  let set: RelayerSet;
  const round = () => set.round();

  before(async function () {
    set = await RelayerSet.start({ feed: FEED, indexes: INDEXES, graceSeconds: GRACE });
  });

  after(async function () {
    await set?.stop();
  });

  it("publishes the first round: one transmitter, every observation, the median on chain", async function () {
    const transmitted = await round();
    expect(transmitted, "exactly one relayer transmitted").to.have.length(1);
    const state = await readFeed(set.oracle, set.feedId);
    expect([state.latestRoundId, state.value]).to.deep.equal([1n, median(INDEXES.map(wad3))]);
    // The round's event lists four observations, one per relayer.
    const [event] = await set.oracle.queryFilter(set.oracle.filters.RoundUpdated(set.feedId));
    expect(event.args[4].length).to.equal(4);
  });

  it("stays quiet while the feed is neither due by heartbeat nor by deviation", async function () {
    expect(await round()).to.deep.equal([]);
    expect((await readFeed(set.oracle, set.feedId)).latestRoundId).to.equal(1n);
  });

  it("publishes a new round when the index moves more than the deviation threshold", async function () {
    const moved = ["2.250", "2.255", "2.260", "2.262"];
    moved.forEach((index, i) => set.setIndex(i, index));
    expect(await round()).to.have.length(1);
    const state = await readFeed(set.oracle, set.feedId);
    expect([state.latestRoundId, state.value]).to.deep.equal([2n, median(moved.map(wad3))]);
  });

  it("publishes the heartbeat in a quiet market, even with no block mined for an hour (an automining dev node)", async function () {
    // The relayers' clock moves an hour on; the chain's latest block stays an hour old, and the
    // next block (the report's) gets the current time, as on a node that mines on demand.
    const now = set.chainNow + 3600;
    await set.provider.send("evm_setNextBlockTimestamp", [now]);
    set.chainNow = now;
    expect(await round()).to.have.length(1);
    expect((await readFeed(set.oracle, set.feedId)).latestRoundId).to.equal(3n);
    await set.travel(1); // the round was observed in the second its block was mined: the next must be newer
  });

  it("keeps the value within the honest range when one relayer lies", async function () {
    const honest = ["2.500", "2.505", "2.510"];
    honest.forEach((index, i) => set.setIndex(i, index));
    // Relayer 3 reports 95 USD: all three of its model prices are wild.
    set.servers[3].set("/api/v1/models", json(modelsBody({ "vendor/low": "90", "vendor/mid": "95", "vendor/high": "99" })));
    expect(await round()).to.have.length(1);
    const state = await readFeed(set.oracle, set.feedId);
    expect(state.latestRoundId).to.equal(4n);
    expect(state.value >= wad3("2.500") && state.value <= wad3("2.510")).to.equal(true);
  });

  it("survives a killed relayer: after the grace period the next in order transmits with a quorum of three", async function () {
    const indexes = ["3.000", "3.004", "3.008", "3.012"];
    indexes.forEach((index, i) => set.setIndex(i, index));
    const before = await readFeed(set.oracle, set.feedId);
    const turn = transmitterTurn(before, set.chainNow, GRACE);
    const killed = set.wallets.findIndex((w) => w.address === turn.transmitter);
    await set.stopRelayer(killed);
    expect(await round(), "nobody else transmits in its turn").to.deep.equal([]);
    await set.travel(GRACE);
    const transmitted = await round();
    expect(transmitted).to.have.length(1);
    expect(transmitted[0].startsWith(set.wallets[(killed + 1) % 4].address)).to.equal(true);
    const state = await readFeed(set.oracle, set.feedId);
    const alive = [0, 1, 2, 3].filter((i) => i !== killed).map((i) => wad3(indexes[i]));
    expect([state.latestRoundId, state.value]).to.deep.equal([before.latestRoundId + 1n, median(alive)]);
    // Back up with the same state directory: it rejoins, and no relayer left a nonce gap.
    await set.startRelayer(killed);
    for (const wallet of set.wallets) {
      expect(await set.provider.getTransactionCount(wallet.address, "pending")).to.equal(
        await set.provider.getTransactionCount(wallet.address, "latest"),
      );
    }
  });

  it("verifies a round: every observation recomputed from the snapshot its relayer serves", async function () {
    const feed = loadFeedConfig(join(set.dir, "r0", feedFileName(FEED)));
    const round = (await readFeed(set.oracle, set.feedId)).latestRoundId;
    const urls = set.relayers.filter((r): r is Relayer => r !== undefined).map((r) => r.url);
    const report = await verifyRound(set.oracle, feed, round, urls);
    expect(report.medianMatches).to.equal(true);
    expect(report.observations.map((o) => o.verdict)).to.deep.equal(report.observations.map(() => "verified"));
    for (const o of report.observations) expect(o.recomputedValue).to.equal(o.onchainValue);
    // A relayer serving a doctored snapshot under the same hash is caught.
    const first = report.observations[0];
    const genuine = (await (await fetch(`${first.relayer}/v1/snapshots/${first.inputsHash}`)).json()) as {
      quotes: { constituent: string; price: string }[];
    };
    genuine.quotes.find((quote) => quote.constituent === "mid")!.price = "2.999"; // the median's own quote
    const forger = await startPriceServer({ [`/v1/snapshots/${first.inputsHash}`]: json(genuine) });
    try {
      const forged = await verifyRound(set.oracle, feed, round, [forger.baseUrl, ...urls]);
      expect(forged.observations[0].verdict).to.equal("mismatch");
      expect(forged.observations[0].recomputedValue).not.to.equal(first.onchainValue);
    } finally {
      await forger.stop();
    }
    // Asking one relayer only: the others' snapshots cannot be found, and the round is not verified.
    const partial = await verifyRound(set.oracle, feed, round, [urls[0]]);
    expect(partial.ok).to.equal(false);
    expect(partial.observations.filter((o) => o.verdict === "no-snapshot")).to.have.length(report.observations.length - 1);
  });

  it("cfx index verify prints the table and exits 0 on a verified round, 3 otherwise", async function () {
    const round = (await readFeed(set.oracle, set.feedId)).latestRoundId;
    const urls = set.relayers.filter((r): r is Relayer => r !== undefined).map((r) => r.url);
    const oracleAddress = await set.oracle.getAddress();
    const args = (relayerUrls: string[]) => [
      "index", "verify", "--feed", FEED, "--round", round.toString(), "--rpc", set.node.url,
      "--oracle", oracleAddress, "--relayers", relayerUrls.join(","), "--feeds-dir", join(set.dir, "r0"),
    ];
    const run = async (argv: string[]) => {
      let out = "";
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
      const before = process.exitCode;
      try {
        const code = await main(argv);
        return { code: process.exitCode ?? code, out };
      } finally {
        process.stdout.write = write;
        process.exitCode = before;
      }
    };
    const good = await run(args(urls));
    expect(good.code).to.equal(0);
    expect(good.out).to.include(`${FEED} round ${round}: value `);
    expect(good.out.trim().endsWith("verified")).to.equal(true);
    const bad = await run(args([urls[0]]));
    expect(bad.code).to.equal(3);
    expect(bad.out.trim().endsWith("NOT verified")).to.equal(true);
  });

  it("serves its observation and the snapshot behind it, and reports health and metrics", async function () {
    await round();
    const relayer = set.relayers.find((r) => r !== undefined)!;
    const observation = (await (await fetch(`${relayer.url}/v1/feeds/${FEED}/observation`)).json()) as { inputsHash: string; value: string };
    const snapshot = (await (await fetch(`${relayer.url}/v1/snapshots/${observation.inputsHash}`)).json()) as { feed: string; quotes: unknown[] };
    expect([snapshot.feed, snapshot.quotes.length]).to.deep.equal([FEED, 3]);
    const health = await fetch(`${relayer.url}/healthz`);
    expect(health.status).to.equal(200);
    const metrics = await (await fetch(`${relayer.url}/metrics`)).text();
    expect(metrics).to.include(`cfx_relayer_observations_total{feed="${FEED}"}`);
  });
});
