/**
 * `schedule.clock: chain`: on a local chain whose time is not today's (a node started inside the
 * replay histories, or moved with evm_increaseTime), the relayers observe and publish at the
 * chain's time, the timestamp the node would give its next block.
 */
import { expect } from "chai";

import { median } from "../../src/index/index.js";
import { readFeed } from "../../src/relayer/chain.js";
import { RelayerSet, wad3 } from "../helpers/relayerHarness.js";

describe("relayers on the chain's clock", function () {
  this.timeout(120_000);

  let set: RelayerSet;
  const indexes = ["2.140", "2.145", "2.150", "2.152"];

  before(async function () {
    set = await RelayerSet.start({ feed: "CLOCK-TOKEN-OUT", indexes, clock: "chain" });
  });

  after(async function () {
    await set?.stop();
  });

  it("observes at the chain's time, 30 days ahead of the machine's, and publishes the round", async function () {
    await set.travel(30 * 86_400);
    // The clock is measured at each tick: run the relayers' own ticks, not the harness's round.
    for (const relayer of set.relayers) await relayer!.tick();
    for (const relayer of set.relayers) await relayer!.tick();
    const state = await readFeed(set.oracle, set.feedId);
    expect(state.latestRoundId).to.equal(1n);
    // `values` shadows a method of ethers' Result: read the event's fields by position.
    const [event] = await set.oracle.queryFilter(set.oracle.filters.RoundUpdated(set.feedId, 1n));
    const values = [...event.args[5]];
    expect(values.length).to.be.at.least(3);
    for (const value of values) expect(indexes.map(wad3)).to.include(value);
    expect(state.value).to.equal(median(values));
    const wall = Math.floor(Date.now() / 1000);
    expect(Number(state.observedAt) - wall, "observed on the chain's clock").to.be.within(30 * 86_400 - 60, 30 * 86_400 + 60);
  });
});
