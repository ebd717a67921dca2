/**
 * Relayers under faults, against a real `hardhat node`: a price source that answers 500,
 * garbage or too slowly, and a JSON-RPC endpoint that goes away for a while (a TCP proxy in front
 * of the node that the test cuts and restores). The relayers run in this process
 * (test/helpers/relayerHarness.ts); the right value must end up on chain.
 */
import { expect } from "chai";

import { median } from "../../src/index/index.js";
import { readFeed } from "../../src/relayer/chain.js";
import { garbage, slow, status } from "../helpers/priceServers.js";
import { CuttableProxy } from "../helpers/cuttableProxy.js";
import { RelayerSet, wad3 } from "../helpers/relayerHarness.js";

const FEED = "FAULT-TOKEN-OUT";

describe("relayers under faults", function () {
  this.timeout(180_000);

  let set: RelayerSet;
  let proxy: CuttableProxy;

  before(async function () {
    set = await RelayerSet.start({
      feed: FEED,
      indexes: ["2.140", "2.145", "2.150", "2.152"],
      rpcUrlFor: async (nodeUrl) => {
        proxy = new CuttableProxy(new URL(nodeUrl));
        return proxy.open();
      },
    });
    expect(await set.round()).to.have.length(1);
  });

  after(async function () {
    await set?.stop();
    await proxy?.close();
  });

  for (const [name, behaviour, reason] of [
    ["answers 500", status(500), /HTTP 500/],
    ["answers garbage", garbage(), /JSON|UTF-8/i],
    ["is slower than its timeout", slow(3_000), /timed out|timeout/i],
  ] as const) {
    it(`leaves out a relayer whose only source ${name}: the others publish, and its metrics say why`, async function () {
      const broken = set.relayers[3]!;
      set.servers[3].set("/api/v1/models", behaviour);
      const before = await readFeed(set.oracle, set.feedId);
      const next = ["2.300", "2.305", "2.310"].map((v) => (Number(v) + Number(before.latestRoundId) * 0.1).toFixed(3));
      next.forEach((index, i) => set.setIndex(i, index));
      const observedBefore = await broken.observeAll();
      expect(observedBefore, "no value without its source").to.deep.equal([]);
      const health = (await (await fetch(`${broken.url}/healthz`)).json()) as { checks: Record<string, string> };
      expect(health.checks[`source ${FEED}/api`]).to.match(reason);
      const metrics = await (await fetch(`${broken.url}/metrics`)).text();
      expect(metrics).to.match(new RegExp(`cfx_relayer_source_errors_total\\{feed="${FEED}",source="api"\\} [1-9]`));
      expect(await set.round()).to.have.length(1);
      const state = await readFeed(set.oracle, set.feedId);
      expect([state.latestRoundId, state.value]).to.deep.equal([before.latestRoundId + 1n, median(next.map(wad3))]);
      set.setIndex(3, (Number(next[2]) + 0.002).toFixed(3)); // healed for the next test
    });
  }

  it("survives the RPC going away: health turns 503, nothing is sent, and the round lands once it is back", async function () {
    const before = await readFeed(set.oracle, set.feedId);
    ["3.000", "3.004", "3.008", "3.012"].forEach((index, i) => set.setIndex(i, index));
    await proxy.cut();
    expect(await set.round(), "no transmission without the chain").to.deep.equal([]);
    expect((await fetch(`${set.relayers[0]!.url}/healthz`)).status, "a short outage is tolerated").to.equal(200);
    // Ninety seconds later (the test moves the chain's clock directly, not through the proxy).
    await set.travel(90);
    expect(await set.round()).to.deep.equal([]);
    const health = await fetch(`${set.relayers[0]!.url}/healthz`);
    expect(health.status).to.equal(503);
    const body = (await health.json()) as { checks: { rpc: string } };
    expect(body.checks.rpc).to.match(/^unreachable for 9\d s$/);
    await proxy.restore();
    expect(await set.round()).to.have.length(1);
    const state = await readFeed(set.oracle, set.feedId);
    expect([state.latestRoundId, state.value]).to.deep.equal([
      before.latestRoundId + 1n,
      median(["3.000", "3.004", "3.008", "3.012"].map(wad3)),
    ]);
    expect((await fetch(`${set.relayers[0]!.url}/healthz`)).status).to.equal(200);
  });
});
