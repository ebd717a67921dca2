/**
 * IndexOracle reads: latestRound / getRound (ring buffer), isStale, twap (against a brute-force
 * reference), feedInfo and observationDigest.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Signature, TypedDataEncoder, keccak256, recoverAddress, toUtf8Bytes } from "ethers";

import {
  MAIN,
  MAIN_DESCRIPTION,
  MAIN_F,
  MAIN_HISTORY,
  MAIN_PARAMS,
  MAIN_RING,
  OTHER,
  OTHER_DESCRIPTION,
  OTHER_F,
  OTHER_PARAMS,
  OTHER_RING,
  TYPES,
  UNKNOWN,
  WAD,
  bruteForceTwap,
  historyFixture,
  latestTime,
  nextBlockAt,
  oracleFixture,
  paramsTuple,
  signReport,
  submitHistory,
  uniform,
  type ModelRound,
} from "./helpers/fixtures.js";

const { networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

type Round = { roundId: bigint; value: bigint; observedAt: bigint; updatedAt: bigint };
const asModel = (r: Round): ModelRound => ({
  roundId: r.roundId,
  value: r.value,
  observedAt: r.observedAt,
  updatedAt: r.updatedAt,
});

/** Oldest round id a ring of `capacity` still holds when `latest` is the latest round. */
const oldestHeld = (latest: bigint, capacity: bigint) => (latest < capacity ? 1n : latest - capacity + 1n);

describe("IndexOracle reads", function () {
  describe("latestRound and getRound", function () {
    it("latestRound reverts with NoData before the first round", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.latestRound(MAIN)).to.be.revertedWithCustomError(fx.oracle, "NoData").withArgs(MAIN);
    });

    it("getRound reverts with RoundNotAvailable(feed, 1, 1, 0) before the first round", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.getRound(MAIN, 1n))
        .to.be.revertedWithCustomError(fx.oracle, "RoundNotAvailable")
        .withArgs(MAIN, 1n, 1n, 0n);
    });

    it("latestRound returns the last stored round", async function () {
      const fx = await loadFixture(historyFixture);
      const last = fx.history[fx.history.length - 1];
      expect(asModel(await fx.oracle.latestRound(MAIN))).to.deep.equal(last);
      expect(last.roundId).to.equal(BigInt(MAIN_HISTORY.length));
    });

    it("getRound returns every round still held after the ring wrapped around", async function () {
      const fx = await loadFixture(historyFixture);
      const latest = BigInt(fx.history.length);
      const held = fx.history.filter((r) => r.roundId >= oldestHeld(latest, MAIN_RING));
      expect(held.length).to.equal(Number(MAIN_RING));
      for (const round of held) {
        expect(asModel(await fx.oracle.getRound(MAIN, round.roundId))).to.deep.equal(round);
      }
    });

    it("getRound reverts with RoundNotAvailable(feed, id, oldest, latest) for overwritten rounds", async function () {
      const fx = await loadFixture(historyFixture);
      const latest = BigInt(fx.history.length);
      const oldest = oldestHeld(latest, MAIN_RING);
      expect(oldest).to.be.greaterThan(1n); // the ring has wrapped
      for (let id = 1n; id < oldest; id++) {
        await expect(fx.oracle.getRound(MAIN, id))
          .to.be.revertedWithCustomError(fx.oracle, "RoundNotAvailable")
          .withArgs(MAIN, id, oldest, latest);
      }
    });

    it("getRound reverts with RoundNotAvailable for a round after the latest", async function () {
      const fx = await loadFixture(historyFixture);
      const latest = BigInt(fx.history.length);
      const oldest = oldestHeld(latest, MAIN_RING);
      await expect(fx.oracle.getRound(MAIN, latest + 1n))
        .to.be.revertedWithCustomError(fx.oracle, "RoundNotAvailable")
        .withArgs(MAIN, latest + 1n, oldest, latest);
    });

    it("getRound reverts with RoundNotAvailable for round 0", async function () {
      const fx = await loadFixture(historyFixture);
      const latest = BigInt(fx.history.length);
      await expect(fx.oracle.getRound(MAIN, 0n))
        .to.be.revertedWithCustomError(fx.oracle, "RoundNotAvailable")
        .withArgs(MAIN, 0n, oldestHeld(latest, MAIN_RING), latest);
    });

    it("holds exactly ringCapacity rounds: round 1 is readable until round ringCapacity + 1 replaces it", async function () {
      const fx = await loadFixture(oracleFixture);
      const steps = MAIN_HISTORY.slice(0, Number(MAIN_RING));
      const history = await submitHistory(fx, networkHelpers, steps);
      expect(asModel(await fx.oracle.getRound(MAIN, 1n))).to.deep.equal(history[0]);

      await submitHistory(fx, networkHelpers, [MAIN_HISTORY[Number(MAIN_RING)]], MAIN_RING + 1n);
      await expect(fx.oracle.getRound(MAIN, 1n))
        .to.be.revertedWithCustomError(fx.oracle, "RoundNotAvailable")
        .withArgs(MAIN, 1n, 2n, MAIN_RING + 1n);
      expect((await fx.oracle.getRound(MAIN, 2n)).value).to.equal(history[1].value);
    });

    it("getRound on a feed that was never added reverts with RoundNotAvailable(feed, id, 1, 0)", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.getRound(UNKNOWN, 1n))
        .to.be.revertedWithCustomError(fx.oracle, "RoundNotAvailable")
        .withArgs(UNKNOWN, 1n, 1n, 0n);
    });
  });

  describe("isStale", function () {
    /** One MAIN round observed `age` seconds before its block; returns the observedAt. */
    async function freshRound(fx: Awaited<ReturnType<typeof oracleFixture>>, age: bigint): Promise<bigint> {
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), WAD, t - age);
      await (await fx.asTransmitter.submit([report])).wait();
      return t - age;
    }

    it("is stale before the first round", async function () {
      const fx = await loadFixture(oracleFixture);
      expect(await fx.oracle.isStale(MAIN)).to.equal(true);
    });

    it("is fresh right after a round", async function () {
      const fx = await loadFixture(oracleFixture);
      await freshRound(fx, 100n);
      expect(await fx.oracle.isStale(MAIN)).to.equal(false);
    });

    it("is still fresh exactly heartbeat seconds after the round's observedAt", async function () {
      const fx = await loadFixture(oracleFixture);
      const observedAt = await freshRound(fx, 100n);
      await networkHelpers.time.increaseTo(observedAt + MAIN_PARAMS.heartbeat);
      expect(await fx.oracle.isStale(MAIN)).to.equal(false);
    });

    it("turns stale one second after observedAt + heartbeat (measured from observedAt, not updatedAt)", async function () {
      const fx = await loadFixture(oracleFixture);
      const observedAt = await freshRound(fx, 100n);
      await networkHelpers.time.increaseTo(observedAt + MAIN_PARAMS.heartbeat + 1n);
      // The round was stored 100 s after it was observed: by updatedAt it would still be fresh.
      expect(await fx.oracle.isStale(MAIN)).to.equal(true);
    });

    it("turns fresh again with a new round", async function () {
      const fx = await loadFixture(oracleFixture);
      const observedAt = await freshRound(fx, 0n);
      await networkHelpers.time.increaseTo(observedAt + MAIN_PARAMS.heartbeat + 1n);
      expect(await fx.oracle.isStale(MAIN)).to.equal(true);
      await freshRound(fx, 0n);
      expect(await fx.oracle.isStale(MAIN)).to.equal(false);
    });

    it("is stale while paused, even with a fresh round", async function () {
      const fx = await loadFixture(oracleFixture);
      await freshRound(fx, 0n);
      await (await fx.oracle.connect(fx.guardian).pause(MAIN)).wait();
      expect(await fx.oracle.isStale(MAIN)).to.equal(true);
    });

    it("is fresh again once unpaused", async function () {
      const fx = await loadFixture(oracleFixture);
      await freshRound(fx, 0n);
      await (await fx.oracle.connect(fx.guardian).pause(MAIN)).wait();
      await (await fx.oracle.unpause(MAIN)).wait();
      expect(await fx.oracle.isStale(MAIN)).to.equal(false);
    });

    it("is stale for a feed that was never added", async function () {
      const fx = await loadFixture(oracleFixture);
      expect(await fx.oracle.isStale(UNKNOWN)).to.equal(true);
    });

    describe("latestValue (value and staleness in one call)", function () {
      it("reverts with NoData before the first round", async function () {
        const fx = await loadFixture(oracleFixture);
        await expect(fx.oracle.latestValue(MAIN)).to.be.revertedWithCustomError(fx.oracle, "NoData").withArgs(MAIN);
      });

      it("agrees with latestRound and isStale while fresh", async function () {
        const fx = await loadFixture(oracleFixture);
        await freshRound(fx, 100n);
        const [value, stale] = await fx.oracle.latestValue(MAIN);
        expect(value).to.equal((await fx.oracle.latestRound(MAIN)).value);
        expect(stale).to.equal(false);
      });

      it("reports stale one second after observedAt + heartbeat, like isStale", async function () {
        const fx = await loadFixture(oracleFixture);
        const observedAt = await freshRound(fx, 100n);
        await networkHelpers.time.increaseTo(observedAt + MAIN_PARAMS.heartbeat + 1n);
        expect((await fx.oracle.latestValue(MAIN))[1]).to.equal(true);
        expect(await fx.oracle.isStale(MAIN)).to.equal(true);
      });

      it("reports stale while paused", async function () {
        const fx = await loadFixture(oracleFixture);
        await freshRound(fx, 0n);
        await (await fx.oracle.connect(fx.guardian).pause(MAIN)).wait();
        expect((await fx.oracle.latestValue(MAIN))[1]).to.equal(true);
      });
    });
  });

  describe("twap", function () {
    /** Windows as functions of the history and the current block time. */
    const windows: [string, (h: ModelRound[], now: bigint) => [bigint, bigint]][] = [
      ["from the oldest held round's update to now", (h, now) => [h[2].updatedAt, now]],
      ["across several rounds, starting and ending between updates", (h) => [h[2].updatedAt + 17n, h[4].updatedAt + 3n]],
      ["inside a single round", (h) => [h[3].updatedAt + 1n, h[3].updatedAt + 11n]],
      ["one second long", (h) => [h[4].updatedAt, h[4].updatedAt + 1n]],
      ["ending exactly at a round update", (h) => [h[3].updatedAt - 5n, h[5].updatedAt]],
      ["after the latest round (the latest value extends to end)", (h, now) => [h[5].updatedAt + 1n, now]],
    ];
    for (const [name, window] of windows) {
      it(`equals the brute-force average ${name}`, async function () {
        const fx = await loadFixture(historyFixture);
        await networkHelpers.time.increase(777);
        const now = await latestTime(networkHelpers);
        const [start, end] = window(fx.history, now);
        expect(await fx.oracle.twap(MAIN, start, end)).to.equal(bruteForceTwap(fx.history, start, end));
      });
    }

    it("equals the brute-force average over every round before the ring wraps", async function () {
      const fx = await loadFixture(oracleFixture);
      const history = await submitHistory(fx, networkHelpers, MAIN_HISTORY.slice(0, Number(MAIN_RING)));
      await networkHelpers.time.increase(100);
      const now = await latestTime(networkHelpers);
      const start = history[0].updatedAt;
      expect(await fx.oracle.twap(MAIN, start, now)).to.equal(bruteForceTwap(history, start, now));
    });

    it("InvalidTwapWindow: start equal to end", async function () {
      const fx = await loadFixture(historyFixture);
      const now = await latestTime(networkHelpers);
      const start = fx.history[3].updatedAt;
      await expect(fx.oracle.twap(MAIN, start, start))
        .to.be.revertedWithCustomError(fx.oracle, "InvalidTwapWindow")
        .withArgs(start, start, now);
    });

    it("InvalidTwapWindow: start after end", async function () {
      const fx = await loadFixture(historyFixture);
      const now = await latestTime(networkHelpers);
      const [start, end] = [fx.history[4].updatedAt, fx.history[3].updatedAt];
      await expect(fx.oracle.twap(MAIN, start, end))
        .to.be.revertedWithCustomError(fx.oracle, "InvalidTwapWindow")
        .withArgs(start, end, now);
    });

    it("InvalidTwapWindow: end after the current block time", async function () {
      const fx = await loadFixture(historyFixture);
      const now = await latestTime(networkHelpers);
      const start = fx.history[3].updatedAt;
      await expect(fx.oracle.twap(MAIN, start, now + 1n))
        .to.be.revertedWithCustomError(fx.oracle, "InvalidTwapWindow")
        .withArgs(start, now + 1n, now);
    });

    it("TwapWindowNotCovered: start before the oldest round still held (after wraparound)", async function () {
      const fx = await loadFixture(historyFixture);
      const now = await latestTime(networkHelpers);
      const oldest = fx.history[Number(oldestHeld(BigInt(fx.history.length), MAIN_RING)) - 1];
      // Rounds 1 and 2 were overwritten: their times are no longer covered.
      const start = fx.history[1].updatedAt + 1n;
      await expect(fx.oracle.twap(MAIN, start, now))
        .to.be.revertedWithCustomError(fx.oracle, "TwapWindowNotCovered")
        .withArgs(MAIN, start, oldest.updatedAt);
    });

    it("TwapWindowNotCovered: start before the first round", async function () {
      const fx = await loadFixture(oracleFixture);
      const [first] = await submitHistory(fx, networkHelpers, MAIN_HISTORY.slice(0, 2));
      const now = await latestTime(networkHelpers);
      await expect(fx.oracle.twap(MAIN, first.updatedAt - 1n, now))
        .to.be.revertedWithCustomError(fx.oracle, "TwapWindowNotCovered")
        .withArgs(MAIN, first.updatedAt - 1n, first.updatedAt);
    });

    it("NoData: a feed without rounds", async function () {
      const fx = await loadFixture(historyFixture);
      const now = await latestTime(networkHelpers);
      await expect(fx.oracle.twap(OTHER, now - 10n, now)).to.be.revertedWithCustomError(fx.oracle, "NoData").withArgs(OTHER);
    });
  });

  describe("feedInfo", function () {
    it("returns the configuration and counters of a feed", async function () {
      const fx = await loadFixture(historyFixture);
      const info = await fx.oracle.feedInfo(MAIN);
      expect(info.description).to.equal(MAIN_DESCRIPTION);
      expect([...info.signers]).to.deep.equal(fx.mainSigners.map((w) => w.address));
      expect(info.f).to.equal(MAIN_F);
      expect(info.paused).to.equal(false);
      expect([...info.params]).to.deep.equal(paramsTuple(MAIN_PARAMS));
      expect(info.params.minUpdateInterval).to.equal(MAIN_PARAMS.minUpdateInterval);
      expect(info.ringCapacity).to.equal(MAIN_RING);
      expect(info.ringPrefilled).to.equal(0n);
      expect(info.latestRoundId).to.equal(BigInt(fx.history.length));
    });

    it("returns a feed's own configuration (another feed, no rounds)", async function () {
      const fx = await loadFixture(oracleFixture);
      const info = await fx.oracle.feedInfo(OTHER);
      expect(info.description).to.equal(OTHER_DESCRIPTION);
      expect([...info.signers]).to.deep.equal(fx.otherSigners.map((w) => w.address));
      expect(info.f).to.equal(OTHER_F);
      expect([...info.params]).to.deep.equal(paramsTuple(OTHER_PARAMS));
      expect(info.ringCapacity).to.equal(OTHER_RING);
      expect(info.latestRoundId).to.equal(0n);
    });

    it("reverts with UnknownFeed for a feed that was never added", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.feedInfo(UNKNOWN)).to.be.revertedWithCustomError(fx.oracle, "UnknownFeed").withArgs(UNKNOWN);
    });
  });

  describe("observationDigest", function () {
    it("equals ethers' TypedDataEncoder.hash of the observation under the oracle's domain", async function () {
      const fx = await loadFixture(oracleFixture);
      const observation = {
        feed: MAIN,
        value: 2_345_678_901_234_567_890n,
        observedAt: 1_800_000_123n,
        inputsHash: keccak256(toUtf8Bytes("snapshot")),
      };
      const expected = TypedDataEncoder.hash(
        { name: "IndexOracle", version: "1", chainId: fx.chainId, verifyingContract: await fx.oracle.getAddress() },
        TYPES,
        observation,
      );
      expect(await fx.oracle.observationDigest(observation.feed, observation.value, observation.observedAt, observation.inputsHash)).to.equal(expected);
    });

    it("is the digest a relayer's Wallet.signTypedData signature recovers from", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await latestTime(networkHelpers);
      const { signed } = await signReport(fx.domain, OTHER, [fx.otherSigners[2]], [WAD / 7n], t);
      const [o] = signed;
      const digest = await fx.oracle.observationDigest(o.feed, o.value, o.observedAt, o.inputsHash);
      expect(recoverAddress(digest, Signature.from({ r: o.r, yParityAndS: o.vs }))).to.equal(fx.otherSigners[2].address);
    });
  });
});
