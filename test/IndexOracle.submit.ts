/**
 * IndexOracle.submit: every accepted and every rejected path (IIndexOracle NatSpec is the spec).
 * Observations are signed with ethers `Wallet.signTypedData` through `signObservation`.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Signature, recoverAddress, toBeHex, type TypedDataDomain } from "ethers";

import type { FeedReport } from "../src/oracle/observation.js";
import {
  MAIN,
  MAIN_F,
  MAIN_PARAMS,
  OTHER,
  SHARED,
  UNKNOWN,
  WAD,
  digestOf,
  inputsHashFor,
  median,
  maxOf,
  nextBlockAt,
  oracleFixture,
  signReport,
  uniform,
} from "./helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

/** secp256k1 group order and its half: an s above the half is the malleable twin. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N / 2n;

/** The address a compact signature recovers to for `digest` (what ecrecover would return). */
function recoverCompact(digest: string, o: { r: string; vs: string }): string {
  return recoverAddress(digest, Signature.from({ r: o.r, yParityAndS: o.vs }));
}

type Fx = Awaited<ReturnType<typeof oracleFixture>>;

/** Stores a first round of MAIN with 3 signers observing `value`; returns its times and report. */
async function firstMainRound(fx: Fx, value: bigint) {
  const updatedAt = await nextBlockAt(networkHelpers, 10n);
  const observedAt = updatedAt - 5n;
  const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), value, observedAt);
  await (await fx.asTransmitter.submit([report])).wait();
  return { updatedAt, observedAt, report };
}

/** Fixes the next block one minUpdateInterval after the last round and returns its time. */
async function nextMainSlot(): Promise<bigint> {
  return nextBlockAt(networkHelpers, MAIN_PARAMS.minUpdateInterval);
}

describe("IndexOracle.submit", function () {
  describe("accepted reports", function () {
    it("stores the median of a 2f+1 report and emits RoundUpdated listing signers, values and inputs hashes in submission order", async function () {
      const fx = await loadFixture(oracleFixture);
      // 2f+1 = 3 of 5 signers, deliberately not in registration order and values unsorted.
      const wallets = [fx.mainSigners[3], fx.mainSigners[0], fx.mainSigners[4]];
      const values = [2_300_000_000_000_000_000n, 1_950_000_000_000_000_000n, 2_100_000_000_000_000_000n];
      expect(BigInt(wallets.length)).to.equal(2n * MAIN_F + 1n);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report, signed } = await signReport(fx.domain, MAIN, wallets, values, t);

      await expect(fx.asTransmitter.submit([report]))
        .to.emit(fx.oracle, "RoundUpdated")
        .withArgs(
          MAIN,
          1n,
          median(values),
          t,
          wallets.map((w) => w.address),
          values,
          signed.map((o) => o.inputsHash),
        );
    });

    it("records the round: value = median, observedAt = newest observation time, updatedAt = block time", async function () {
      const fx = await loadFixture(oracleFixture);
      const wallets = fx.mainSigners.slice(0, 3);
      const values = [2n * WAD, 2n * WAD + 7n, 2n * WAD - 3n];
      const t = await nextBlockAt(networkHelpers, 10n);
      const times = [t - 4n, t - 90n, t];
      const { report } = await signReport(fx.domain, MAIN, wallets, values, times);
      await (await fx.asTransmitter.submit([report])).wait();

      const round = await fx.oracle.latestRound(MAIN);
      expect(round.roundId).to.equal(1n);
      expect(round.value).to.equal(median(values));
      expect(round.observedAt).to.equal(maxOf(times));
      expect(round.updatedAt).to.equal(t);
      expect((await fx.oracle.feedInfo(MAIN)).latestRoundId).to.equal(1n);
    });

    it("takes the middle value of an odd number of observations (5 of 5)", async function () {
      const fx = await loadFixture(oracleFixture);
      const values = [5n * WAD, 1n * WAD, 4n * WAD + 1n, 2n * WAD, 3n * WAD + 11n];
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await signReport(fx.domain, MAIN, fx.mainSigners, values, t);
      await (await fx.asTransmitter.submit([report])).wait();

      expect((await fx.oracle.latestRound(MAIN)).value).to.equal(median(values));
    });

    it("takes the floor of the mean of the two middle values for an even number of observations", async function () {
      const fx = await loadFixture(oracleFixture);
      const values = [3n * WAD + 1n, 2n * WAD, 5n * WAD, 2n * WAD + 2n];
      const sorted = [...values].sort((a, b) => (a < b ? -1 : 1));
      // The two middle values have an odd sum, so the rounding direction is visible.
      expect((sorted[1] + sorted[2]) % 2n).to.equal(1n);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await signReport(fx.domain, MAIN, fx.mainSigners.slice(0, 4), values, t);
      await (await fx.asTransmitter.submit([report])).wait();

      expect((await fx.oracle.latestRound(MAIN)).value).to.equal((sorted[1] + sorted[2] - 1n) / 2n);
      expect((await fx.oracle.latestRound(MAIN)).value).to.equal(median(values));
    });

    it("stores one round per feed for a batch of several feeds in one transaction", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const mainValues = [2n * WAD, 2n * WAD + 5n, 2n * WAD + 9n];
      const otherValues = [WAD / 3n, WAD / 4n, WAD / 5n, WAD / 2n];
      const main = await signReport(fx.domain, MAIN, fx.mainSigners.slice(1, 4), mainValues, t);
      const other = await signReport(fx.domain, OTHER, fx.otherSigners, otherValues, t - 1n);

      const receipt = await (await fx.asTransmitter.submit([main.report, other.report])).wait();
      const events = receipt!.logs
        .map((log) => fx.oracle.interface.parseLog(log))
        .filter((e) => e?.name === "RoundUpdated");
      expect(events.map((e) => [e!.args.feed, e!.args.roundId, e!.args.value])).to.deep.equal([
        [MAIN, 1n, median(mainValues)],
        [OTHER, 1n, median(otherValues)],
      ]);
      expect((await fx.oracle.latestRound(MAIN)).value).to.equal(median(mainValues));
      expect((await fx.oracle.latestRound(OTHER)).value).to.equal(median(otherValues));
      expect((await fx.oracle.latestRound(OTHER)).observedAt).to.equal(t - 1n);
    });

    it("accepts a batch of feeds sharing one signer set, interleaved with a feed of another set", async function () {
      const fx = await loadFixture(oracleFixture);
      const mainInfo = await fx.oracle.feedInfo(MAIN);
      expect(await fx.oracle.feedInfo(SHARED).then((i) => [...i.signers])).to.deep.equal([...mainInfo.signers]);
      const t = await nextBlockAt(networkHelpers, 10n);
      const main = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), 2n * WAD, t);
      const other = await uniform(fx.domain, OTHER, fx.otherSigners.slice(0, 3), WAD, t);
      const shared = await uniform(fx.domain, SHARED, fx.mainSigners.slice(2, 5), 3n * WAD, t);

      await (await fx.asTransmitter.submit([main.report, other.report, shared.report])).wait();

      expect((await fx.oracle.latestRound(MAIN)).value).to.equal(2n * WAD);
      expect((await fx.oracle.latestRound(OTHER)).value).to.equal(WAD);
      expect((await fx.oracle.latestRound(SHARED)).value).to.equal(3n * WAD);
    });

    it("lets an account without any role transmit a report (the signatures are the authority)", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), WAD, t);
      await expect(fx.oracle.connect(fx.relayerAccount).submit([report]))
        .to.emit(fx.oracle, "RoundUpdated")
        .withArgs(MAIN, 1n, WAD, t, fx.mainSigners.slice(0, 3).map((w) => w.address), [WAD, WAD, WAD], report.observations.map((o) => o.inputsHash));
    });

    it("accepts values up to MAX_VALUE = 2^80 - 1 (the uint80 round value)", async function () {
      const fx = await loadFixture(oracleFixture);
      const max = (1n << 80n) - 1n;
      expect(await fx.oracle.MAX_VALUE()).to.equal(max);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), max, t);
      await (await fx.asTransmitter.submit([report])).wait();
      expect((await fx.oracle.latestRound(MAIN)).value).to.equal(max);
    });

    it("accepts an observation exactly MAX_FUTURE_SKEW (15 s) ahead of the block time", async function () {
      const fx = await loadFixture(oracleFixture);
      const skew = await fx.oracle.MAX_FUTURE_SKEW();
      expect(skew).to.equal(15n);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await signReport(fx.domain, MAIN, fx.mainSigners.slice(0, 3), [WAD, WAD, WAD], [t, t + skew, t]);
      await (await fx.asTransmitter.submit([report])).wait();
      expect((await fx.oracle.latestRound(MAIN)).observedAt).to.equal(t + skew);
    });

    it("accepts an observation exactly maxObservationAge old", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const oldest = t - MAIN_PARAMS.maxObservationAge;
      const { report } = await signReport(fx.domain, MAIN, fx.mainSigners.slice(0, 3), [WAD, WAD, WAD], [t, oldest, t]);
      await (await fx.asTransmitter.submit([report])).wait();
      expect((await fx.oracle.latestRound(MAIN)).observedAt).to.equal(t);
    });

    it("accepts the next round exactly minUpdateInterval after the last one, observed one second later", async function () {
      const fx = await loadFixture(oracleFixture);
      const first = await firstMainRound(fx, 2n * WAD);
      const t = await nextMainSlot();
      expect(t - first.updatedAt).to.equal(MAIN_PARAMS.minUpdateInterval);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(1, 4), 2n * WAD + 1n, first.observedAt + 1n);
      await (await fx.asTransmitter.submit([report])).wait();

      const round = await fx.oracle.latestRound(MAIN);
      expect([round.roundId, round.value, round.observedAt, round.updatedAt]).to.deep.equal([
        2n,
        2n * WAD + 1n,
        first.observedAt + 1n,
        t,
      ]);
    });

    it("accepts a move of exactly maxMoveBps up from a quorum that is not every signer", async function () {
      const fx = await loadFixture(oracleFixture);
      const last = 2n * WAD;
      await firstMainRound(fx, last);
      const up = last + (last * MAIN_PARAMS.maxMoveBps) / 10_000n;
      const t = await nextMainSlot();
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), up, t);
      await (await fx.asTransmitter.submit([report])).wait();
      expect((await fx.oracle.latestRound(MAIN)).value).to.equal(up);
    });

    it("accepts a move of exactly maxMoveBps down from a quorum that is not every signer", async function () {
      const fx = await loadFixture(oracleFixture);
      const last = 2n * WAD;
      await firstMainRound(fx, last);
      const down = last - (last * MAIN_PARAMS.maxMoveBps) / 10_000n;
      const t = await nextMainSlot();
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), down, t);
      await (await fx.asTransmitter.submit([report])).wait();
      expect((await fx.oracle.latestRound(MAIN)).value).to.equal(down);
    });

    it("accepts a move beyond maxMoveBps when every signer signed", async function () {
      const fx = await loadFixture(oracleFixture);
      const last = 2n * WAD;
      await firstMainRound(fx, last);
      const values = [3n * WAD, 3n * WAD + 1n, 3n * WAD + 2n, 3n * WAD + 3n, 3n * WAD + 4n];
      const t = await nextMainSlot();
      const { report, signed } = await signReport(fx.domain, MAIN, fx.mainSigners, values, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.emit(fx.oracle, "RoundUpdated")
        .withArgs(MAIN, 2n, median(values), t, fx.mainSigners.map((w) => w.address), values, signed.map((o) => o.inputsHash));
      expect((await fx.oracle.latestRound(MAIN)).value).to.equal(median(values));
    });
  });

  describe("batches", function () {
    it("reverts the whole batch when one feed's report is bad, storing nothing", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const main = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), 2n * WAD, t);
      const bad = await signReport(fx.domain, OTHER, fx.otherSigners.slice(0, 3), [WAD, 0n, WAD], t);

      await expect(fx.asTransmitter.submit([main.report, bad.report]))
        .to.be.revertedWithCustomError(fx.oracle, "ZeroValue")
        .withArgs(OTHER, fx.otherSigners[1].address);
      await expect(fx.oracle.latestRound(MAIN)).to.be.revertedWithCustomError(fx.oracle, "NoData").withArgs(MAIN);
    });

    it("checks each feed against its own signer set: a signer of the previous feed in the batch is unknown to the next", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const other = await uniform(fx.domain, OTHER, fx.otherSigners.slice(0, 3), WAD, t);
      const intruder = fx.otherSigners[3];
      const main = await uniform(fx.domain, MAIN, [fx.mainSigners[0], fx.mainSigners[1], intruder], 2n * WAD, t);

      await expect(fx.asTransmitter.submit([other.report, main.report]))
        .to.be.revertedWithCustomError(fx.oracle, "UnknownSigner")
        .withArgs(MAIN, intruder.address);
    });

    it("refuses a feed listed twice in one batch with the same observations (ObservationNotNewer)", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      // SHARED has no minimum update interval, so only the replay guard can stop the duplicate.
      const shared = await uniform(fx.domain, SHARED, fx.mainSigners.slice(0, 3), WAD, t);

      await expect(fx.asTransmitter.submit([shared.report, shared.report]))
        .to.be.revertedWithCustomError(fx.oracle, "ObservationNotNewer")
        .withArgs(SHARED, fx.mainSigners[0].address, t, t);
    });

    it("UnknownFeed: reverts the whole batch when a later feed is unknown", async function () {
      // Regression: an unknown feed after a known one used to panic (0x11) while loading the
      // unknown feed's signer set, instead of raising UnknownFeed.
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const main = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), WAD, t);
      const unknown: FeedReport = { feed: UNKNOWN, observations: main.report.observations };

      await expect(fx.asTransmitter.submit([main.report, unknown]))
        .to.be.revertedWithCustomError(fx.oracle, "UnknownFeed")
        .withArgs(UNKNOWN);
      await expect(fx.oracle.latestRound(MAIN)).to.be.revertedWithCustomError(fx.oracle, "NoData").withArgs(MAIN);
    });
  });

  describe("rejected reports", function () {
    it("EmptyReport: a report with no feed", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.asTransmitter.submit([])).to.be.revertedWithCustomError(fx.oracle, "EmptyReport").withArgs();
    });

    it("UnknownFeed: a feed that was never added", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, UNKNOWN, fx.mainSigners.slice(0, 3), WAD, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "UnknownFeed")
        .withArgs(UNKNOWN);
    });

    it("FeedIsPaused: a feed the guardian paused", async function () {
      const fx = await loadFixture(oracleFixture);
      await (await fx.oracle.connect(fx.guardian).pause(MAIN)).wait();
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), WAD, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "FeedIsPaused")
        .withArgs(MAIN);
    });

    it("TooFewObservations: fewer than 2f+1", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 2), WAD, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "TooFewObservations")
        .withArgs(MAIN, 2n, 2n * MAIN_F + 1n);
    });

    it("TooManyObservations: more observations than the feed has signers", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const wallets = [...fx.mainSigners, fx.outsiders[0]];
      const { report } = await uniform(fx.domain, MAIN, wallets, WAD, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "TooManyObservations")
        .withArgs(MAIN, 6n, BigInt(fx.mainSigners.length));
    });

    it("InvalidSignature: s above half the curve order (the malleable form), at its index", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), WAD, t);
      const o = report.observations[1];
      const parityBit = BigInt(o.vs) >> 255n;
      const highS = HALF_N + 1n;
      report.observations[1] = { ...o, vs: toBeHex((parityBit << 255n) | highS, 32) };

      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "InvalidSignature")
        .withArgs(MAIN, 1n);
    });

    it("InvalidSignature: r = 0 (ecrecover returns the zero address), at its index", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), WAD, t);
      report.observations[2] = { ...report.observations[2], r: toBeHex(0n, 32) };

      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "InvalidSignature")
        .withArgs(MAIN, 2n);
    });

    it("UnknownSigner: a well-formed signature by a key that is not a signer of the feed", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const wallets = [fx.mainSigners[0], fx.outsiders[1], fx.mainSigners[1]];
      const { report } = await uniform(fx.domain, MAIN, wallets, WAD, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "UnknownSigner")
        .withArgs(MAIN, fx.outsiders[1].address);
    });

    it("UnknownSigner: a signer's valid signature for another feed, submitted under this feed", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      // Relayer 0 signs for SHARED (which it also serves); the observation is put under MAIN.
      const main = await uniform(fx.domain, MAIN, fx.mainSigners.slice(1, 3), WAD, t);
      const forShared = await uniform(fx.domain, SHARED, [fx.mainSigners[0]], WAD, t);
      const moved = forShared.report.observations[0];
      const recovered = recoverCompact(digestOf(fx.domain, { feed: MAIN, ...moved }), moved);
      expect(recovered).to.not.equal(fx.mainSigners[0].address);

      const report: FeedReport = { feed: MAIN, observations: [moved, ...main.report.observations] };
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "UnknownSigner")
        .withArgs(MAIN, recovered);
    });

    it("UnknownSigner: the value was changed after signing", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), WAD, t);
      const tampered = { ...report.observations[0], value: WAD + 1n };
      report.observations[0] = tampered;
      const recovered = recoverCompact(digestOf(fx.domain, { feed: MAIN, ...tampered }), tampered);
      expect(recovered).to.not.equal(fx.mainSigners[0].address);

      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "UnknownSigner")
        .withArgs(MAIN, recovered);
    });

    it("UnknownSigner: the inputs hash was changed after signing", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), WAD, t);
      const tampered = { ...report.observations[1], inputsHash: inputsHashFor(MAIN, fx.mainSigners[1].address, t, "forged") };
      report.observations[1] = tampered;
      const recovered = recoverCompact(digestOf(fx.domain, { feed: MAIN, ...tampered }), tampered);

      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "UnknownSigner")
        .withArgs(MAIN, recovered);
    });

    it("UnknownSigner: signed for another chain id", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const otherChain: TypedDataDomain = { ...fx.domain, chainId: fx.chainId + 1n };
      const { report } = await uniform(otherChain, MAIN, fx.mainSigners.slice(0, 3), WAD, t);
      const o = report.observations[0];
      const recovered = recoverCompact(digestOf(fx.domain, { feed: MAIN, ...o }), o);
      expect(recovered).to.not.equal(fx.mainSigners[0].address);

      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "UnknownSigner")
        .withArgs(MAIN, recovered);
    });

    it("UnknownSigner: signed for another oracle address on the same chain", async function () {
      const fx = await loadFixture(oracleFixture);
      const twin = await ethers.deployContract("IndexOracle", [fx.admin.address, fx.guardian.address]);
      const otherOracle: TypedDataDomain = { ...fx.domain, verifyingContract: await twin.getAddress() };
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(otherOracle, MAIN, fx.mainSigners.slice(0, 3), WAD, t);
      const o = report.observations[0];
      const recovered = recoverCompact(digestOf(fx.domain, { feed: MAIN, ...o }), o);
      expect(recovered).to.not.equal(fx.mainSigners[0].address);

      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "UnknownSigner")
        .withArgs(MAIN, recovered);
    });

    it("DuplicateSigner: two observations by the same signer", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const first = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 2), WAD, t);
      // The same relayer signs a second, different observation to pad the quorum.
      const again = await signReport(fx.domain, MAIN, [fx.mainSigners[1]], [WAD + 1n], t - 1n);
      const report: FeedReport = { feed: MAIN, observations: [...first.report.observations, ...again.report.observations] };

      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "DuplicateSigner")
        .withArgs(MAIN, fx.mainSigners[1].address);
    });

    it("ZeroValue: an observation of zero", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await signReport(fx.domain, MAIN, fx.mainSigners.slice(0, 3), [WAD, WAD, 0n], t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "ZeroValue")
        .withArgs(MAIN, fx.mainSigners[2].address);
    });

    it("ValueTooLarge: an observation of MAX_VALUE + 1", async function () {
      const fx = await loadFixture(oracleFixture);
      const max = (1n << 80n) - 1n;
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await signReport(fx.domain, MAIN, fx.mainSigners.slice(0, 3), [WAD, max + 1n, WAD], t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "ValueTooLarge")
        .withArgs(MAIN, fx.mainSigners[1].address, max + 1n, max);
    });

    it("ObservationFromFuture: observed more than MAX_FUTURE_SKEW after the block time", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const future = t + 15n + 1n;
      const { report } = await signReport(fx.domain, MAIN, fx.mainSigners.slice(0, 3), [WAD, WAD, WAD], [t, future, t]);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "ObservationFromFuture")
        .withArgs(MAIN, fx.mainSigners[1].address, future, t + 15n);
    });

    it("ObservationTooOld: observed more than maxObservationAge before the block time", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const old = t - MAIN_PARAMS.maxObservationAge - 1n;
      const { report } = await signReport(fx.domain, MAIN, fx.mainSigners.slice(0, 3), [WAD, WAD, WAD], [t, t, old]);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "ObservationTooOld")
        .withArgs(MAIN, fx.mainSigners[2].address, old, t - MAIN_PARAMS.maxObservationAge);
    });

    it("ObservationNotNewer: fresh signatures observed at the last round's observedAt", async function () {
      const fx = await loadFixture(oracleFixture);
      const first = await firstMainRound(fx, 2n * WAD);
      await nextMainSlot();
      const { report } = await signReport(
        fx.domain,
        MAIN,
        fx.mainSigners.slice(2, 5),
        [2n * WAD + 1n, 2n * WAD + 2n, 2n * WAD + 3n],
        [first.observedAt + 1n, first.observedAt, first.observedAt + 2n],
      );
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "ObservationNotNewer")
        .withArgs(MAIN, fx.mainSigners[3].address, first.observedAt, first.observedAt);
    });

    it("ObservationNotNewer: replaying the previous round's exact signed report", async function () {
      const fx = await loadFixture(oracleFixture);
      const first = await firstMainRound(fx, 2n * WAD);
      await nextMainSlot(); // past minUpdateInterval and well within maxObservationAge
      await expect(fx.asTransmitter.submit([first.report]))
        .to.be.revertedWithCustomError(fx.oracle, "ObservationNotNewer")
        .withArgs(MAIN, fx.mainSigners[0].address, first.observedAt, first.observedAt);
      expect((await fx.oracle.latestRound(MAIN)).roundId).to.equal(1n);
    });

    it("ObservationNotNewer: reusing observations of the last round alongside a fresh one", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const [a, b, c, d] = fx.mainSigners;
      // Round 1 observed at different times: b and c later than a.
      const round1 = await signReport(fx.domain, MAIN, [a, b, c], [2n * WAD, 2n * WAD, 2n * WAD], [t - 10n, t, t]);
      await (await fx.asTransmitter.submit([round1.report])).wait();
      const now = await nextMainSlot();
      // b's and c's signed observations from round 1, plus a fresh one from d.
      const fresh = await signReport(fx.domain, MAIN, [d], [2n * WAD], [now]);
      const reused = { feed: MAIN, observations: [...round1.report.observations.slice(1), ...fresh.report.observations] };
      await expect(fx.asTransmitter.submit([reused]))
        .to.be.revertedWithCustomError(fx.oracle, "ObservationNotNewer")
        .withArgs(MAIN, b.address, t, t);
    });

    it("UpdateTooSoon: a round less than minUpdateInterval after the last", async function () {
      const fx = await loadFixture(oracleFixture);
      const first = await firstMainRound(fx, 2n * WAD);
      const t = await nextBlockAt(networkHelpers, MAIN_PARAMS.minUpdateInterval - 1n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), 2n * WAD, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "UpdateTooSoon")
        .withArgs(MAIN, first.updatedAt, first.updatedAt + MAIN_PARAMS.minUpdateInterval);
    });

    it("MoveTooLarge: a median more than maxMoveBps above the last value without every signer", async function () {
      const fx = await loadFixture(oracleFixture);
      const last = 2n * WAD;
      await firstMainRound(fx, last);
      const up = last + (last * MAIN_PARAMS.maxMoveBps) / 10_000n + 1n;
      const t = await nextMainSlot();
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), up, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "MoveTooLarge")
        .withArgs(MAIN, last, up, MAIN_PARAMS.maxMoveBps, 3n, 5n);
    });

    it("MoveTooLarge: a median more than maxMoveBps below the last value without every signer", async function () {
      const fx = await loadFixture(oracleFixture);
      const last = 2n * WAD;
      await firstMainRound(fx, last);
      const down = last - (last * MAIN_PARAMS.maxMoveBps) / 10_000n - 1n;
      const t = await nextMainSlot();
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), down, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "MoveTooLarge")
        .withArgs(MAIN, last, down, MAIN_PARAMS.maxMoveBps, 3n, 5n);
    });

    it("MoveTooLarge: all signers but one are still not enough for a large move", async function () {
      const fx = await loadFixture(oracleFixture);
      const last = 2n * WAD;
      await firstMainRound(fx, last);
      const t = await nextMainSlot();
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 4), 3n * WAD, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "MoveTooLarge")
        .withArgs(MAIN, last, 3n * WAD, MAIN_PARAMS.maxMoveBps, 4n, 5n);
    });
  });
});
