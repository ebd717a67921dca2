/**
 * IndexFeedAdapter: one IndexOracle feed behind Chainlink's AggregatorV3Interface. Read both
 * directly and through AggregatorV3Consumer, a test-only contract compiled against the official
 * `AggregatorV3Interface` of the Chainlink contracts package.
 */
import { expect } from "chai";
import { network } from "hardhat";

import {
  CONSUMER_MAX_AGE,
  MAIN,
  MAIN_DESCRIPTION,
  MAIN_RING,
  UNKNOWN,
  adapterFixture,
  adapterHistoryFixture,
  latestTime,
  toAnswer,
  type ModelRound,
} from "./helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

/** What a Chainlink feed returns for a round of the model: 8 decimals, rounded down. */
function chainlinkRound(r: ModelRound): [bigint, bigint, bigint, bigint, bigint] {
  return [r.roundId, toAnswer(r.value), r.observedAt, r.updatedAt, r.roundId];
}

describe("IndexFeedAdapter", function () {
  describe("metadata", function () {
    it("has 8 decimals, version 1 and the oracle feed's description", async function () {
      const fx = await loadFixture(adapterFixture);
      expect(await fx.adapter.decimals()).to.equal(8n);
      expect(await fx.adapter.version()).to.equal(1n);
      expect(await fx.adapter.description()).to.equal(MAIN_DESCRIPTION);
    });

    it("reads the same metadata through the official AggregatorV3Interface", async function () {
      const fx = await loadFixture(adapterFixture);
      expect([...(await fx.consumer.metadata())]).to.deep.equal([8n, MAIN_DESCRIPTION, 1n]);
    });

    it("follows the oracle's description when the admin changes it", async function () {
      const fx = await loadFixture(adapterFixture);
      await (await fx.oracle.setDescription(MAIN, "H100 GPU-hour (renamed)")).wait();
      expect(await fx.adapter.description()).to.equal("H100 GPU-hour (renamed)");
    });

    it("points at its oracle and feed", async function () {
      const fx = await loadFixture(adapterFixture);
      expect(await fx.adapter.oracle()).to.equal(await fx.oracle.getAddress());
      expect(await fx.adapter.feed()).to.equal(MAIN);
    });
  });

  describe("latestRoundData", function () {
    it("returns the latest round with answer = value / 1e10 rounded down", async function () {
      const fx = await loadFixture(adapterHistoryFixture);
      const last = fx.history[fx.history.length - 1];
      // The value has non-zero digits below 1e-8, so the rounding is visible.
      expect(last.value % 10n ** 10n).to.not.equal(0n);
      expect([...(await fx.adapter.latestRoundData())]).to.deep.equal(chainlinkRound(last));
    });

    it("returns the same through the official AggregatorV3Interface", async function () {
      const fx = await loadFixture(adapterHistoryFixture);
      const last = fx.history[fx.history.length - 1];
      expect([...(await fx.consumer.latestRound())]).to.deep.equal(chainlinkRound(last));
    });

    it("reverts with the oracle's NoData before the first round", async function () {
      const fx = await loadFixture(adapterFixture);
      await expect(fx.adapter.latestRoundData()).to.be.revertedWithCustomError(fx.oracle, "NoData").withArgs(MAIN);
    });
  });

  describe("getRoundData", function () {
    it("returns an old round still held by the oracle", async function () {
      const fx = await loadFixture(adapterHistoryFixture);
      const latest = BigInt(fx.history.length);
      const oldest = fx.history[Number(latest - MAIN_RING)]; // the oldest round still held
      expect([...(await fx.adapter.getRoundData(oldest.roundId))]).to.deep.equal(chainlinkRound(oldest));
    });

    it("returns every held round through the official AggregatorV3Interface", async function () {
      const fx = await loadFixture(adapterHistoryFixture);
      const held = fx.history.slice(fx.history.length - Number(MAIN_RING));
      for (const round of held) {
        expect([...(await fx.consumer.roundAt(round.roundId))]).to.deep.equal(chainlinkRound(round));
      }
    });

    it("reverts with RoundNotAvailable for a round the ring no longer holds", async function () {
      const fx = await loadFixture(adapterHistoryFixture);
      const latest = BigInt(fx.history.length);
      const oldest = latest - MAIN_RING + 1n;
      await expect(fx.adapter.getRoundData(oldest - 1n))
        .to.be.revertedWithCustomError(fx.oracle, "RoundNotAvailable")
        .withArgs(MAIN, oldest - 1n, oldest, latest);
    });

    it("reverts with RoundNotAvailable through the official interface too", async function () {
      const fx = await loadFixture(adapterHistoryFixture);
      const latest = BigInt(fx.history.length);
      const oldest = latest - MAIN_RING + 1n;
      await expect(fx.consumer.roundAt(1n))
        .to.be.revertedWithCustomError(fx.oracle, "RoundNotAvailable")
        .withArgs(MAIN, 1n, oldest, latest);
    });

    it("reverts with RoundNotAvailable for a round after the latest", async function () {
      const fx = await loadFixture(adapterHistoryFixture);
      const latest = BigInt(fx.history.length);
      await expect(fx.adapter.getRoundData(latest + 1n))
        .to.be.revertedWithCustomError(fx.oracle, "RoundNotAvailable")
        .withArgs(MAIN, latest + 1n, latest - MAIN_RING + 1n, latest);
    });

    it("reverts with RoundNotAvailable (not a cast error) for a round id above 2^64 - 1", async function () {
      const fx = await loadFixture(adapterHistoryFixture);
      const tooBig = 1n << 64n;
      const latest = fx.history[fx.history.length - 1].roundId;
      await expect(fx.adapter.getRoundData(tooBig))
        .to.be.revertedWithCustomError(fx.oracle, "RoundNotAvailable")
        .withArgs(MAIN, tooBig, latest - MAIN_RING + 1n, latest);
    });
  });

  describe("a Chainlink consumer with a staleness check", function () {
    it("accepts the latest answer while it is fresh", async function () {
      const fx = await loadFixture(adapterHistoryFixture);
      const last = fx.history[fx.history.length - 1];
      await networkHelpers.time.increaseTo(last.updatedAt + CONSUMER_MAX_AGE);
      expect([...(await fx.consumer.latestAnswer())]).to.deep.equal([toAnswer(last.value), 8n]);
    });

    it("refuses the latest answer once it is older than its limit (StaleAnswer)", async function () {
      const fx = await loadFixture(adapterHistoryFixture);
      const last = fx.history[fx.history.length - 1];
      await networkHelpers.time.increaseTo(last.updatedAt + CONSUMER_MAX_AGE + 1n);
      const now = await latestTime(networkHelpers);
      await expect(fx.consumer.latestAnswer())
        .to.be.revertedWithCustomError(fx.consumer, "StaleAnswer")
        .withArgs(last.roundId, last.updatedAt, CONSUMER_MAX_AGE, now);
    });

    it("sees the oracle's NoData before the first round", async function () {
      const fx = await loadFixture(adapterFixture);
      await expect(fx.consumer.latestAnswer()).to.be.revertedWithCustomError(fx.oracle, "NoData").withArgs(MAIN);
    });
  });

  describe("an adapter for a feed the oracle does not have", function () {
    it("reverts description() with UnknownFeed", async function () {
      const fx = await loadFixture(adapterFixture);
      const orphan = await ethers.deployContract("IndexFeedAdapter", [await fx.oracle.getAddress(), UNKNOWN]);
      await expect(orphan.description()).to.be.revertedWithCustomError(fx.oracle, "UnknownFeed").withArgs(UNKNOWN);
    });

    it("reverts latestRoundData() with NoData", async function () {
      const fx = await loadFixture(adapterFixture);
      const orphan = await ethers.deployContract("IndexFeedAdapter", [await fx.oracle.getAddress(), UNKNOWN]);
      await expect(orphan.latestRoundData()).to.be.revertedWithCustomError(fx.oracle, "NoData").withArgs(UNKNOWN);
    });
  });
});
