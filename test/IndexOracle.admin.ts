/**
 * IndexOracle administration: addFeed validation, configuration events, role checks, signer
 * rotation and parameter changes.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { ZeroAddress, ZeroHash, type Wallet } from "ethers";

import { relayerWallets } from "./helpers/oracle.js";
import {
  DEFAULT_ADMIN_ROLE,
  GUARDIAN_ROLE,
  MAIN,
  MAIN_PARAMS,
  OTHER,
  SHARED,
  SHARED_PARAMS,
  UNKNOWN,
  WAD,
  feedId,
  latestTime,
  nextBlockAt,
  oracleFixture,
  paramsTuple,
  uniform,
  type Params,
} from "./helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

const NEW_FEED = feedId("B200-HOUR");
const NEW_PARAMS: Params = { heartbeat: 1800n, maxObservationAge: 120n, maxMoveBps: 250n, minUpdateInterval: 30n };
const addresses = (ws: Wallet[]) => ws.map((w) => w.address);

type Fx = Awaited<ReturnType<typeof oracleFixture>>;

/** The oracle as sent to by a relayer's own signing key (funded so it can pay for gas). */
async function asRelayerKey(fx: Fx) {
  const key = fx.mainSigners[0].connect(ethers.provider);
  await networkHelpers.setBalance(key.address, 10n ** 18n);
  return { key, oracle: fx.oracle.connect(key) };
}

describe("IndexOracle administration", function () {
  describe("addFeed validation", function () {
    it("InvalidFeedId: the zero feed id", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.addFeed(ZeroHash, "zero", addresses(fx.mainSigners), 1n, NEW_PARAMS, 8n))
        .to.be.revertedWithCustomError(fx.oracle, "InvalidFeedId")
        .withArgs();
    });

    it("FeedAlreadyExists: adding a feed id twice", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.addFeed(MAIN, "again", addresses(fx.otherSigners), 1n, NEW_PARAMS, 8n))
        .to.be.revertedWithCustomError(fx.oracle, "FeedAlreadyExists")
        .withArgs(MAIN);
    });

    it("InvalidRingCapacity: a ring of fewer than 2 rounds", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.addFeed(NEW_FEED, "tiny ring", addresses(fx.mainSigners), 1n, NEW_PARAMS, 1n))
        .to.be.revertedWithCustomError(fx.oracle, "InvalidRingCapacity")
        .withArgs(1n, 2n);
    });

    it("accepts the smallest ring (2 rounds)", async function () {
      const fx = await loadFixture(oracleFixture);
      await (await fx.oracle.addFeed(NEW_FEED, "ring of 2", addresses(fx.mainSigners), 1n, NEW_PARAMS, 2n)).wait();
      expect((await fx.oracle.feedInfo(NEW_FEED)).ringCapacity).to.equal(2n);
    });

    it("TooManySigners: 32 signers (more than 31)", async function () {
      const fx = await loadFixture(oracleFixture);
      const many = addresses(relayerWallets(32, "many"));
      await expect(fx.oracle.addFeed(NEW_FEED, "crowd", many, 1n, NEW_PARAMS, 8n))
        .to.be.revertedWithCustomError(fx.oracle, "TooManySigners")
        .withArgs(32n, 31n);
    });

    it("accepts 31 signers with f = 15", async function () {
      const fx = await loadFixture(oracleFixture);
      const many = addresses(relayerWallets(31, "many"));
      await (await fx.oracle.addFeed(NEW_FEED, "31 signers", many, 15n, NEW_PARAMS, 8n)).wait();
      const info = await fx.oracle.feedInfo(NEW_FEED);
      expect([...info.signers]).to.deep.equal(many);
      expect(info.f).to.equal(15n);
    });

    it("SignerSetTooSmall: fewer than 2f+1 signers", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.addFeed(NEW_FEED, "small", addresses(fx.mainSigners.slice(0, 4)), 2n, NEW_PARAMS, 8n))
        .to.be.revertedWithCustomError(fx.oracle, "SignerSetTooSmall")
        .withArgs(4n, 2n, 5n);
    });

    it("SignerSetTooSmall: no signer at all", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.addFeed(NEW_FEED, "nobody", [], 0n, NEW_PARAMS, 8n))
        .to.be.revertedWithCustomError(fx.oracle, "SignerSetTooSmall")
        .withArgs(0n, 0n, 1n);
    });

    it("InvalidSignerAddress: the zero address as a signer", async function () {
      const fx = await loadFixture(oracleFixture);
      const signers = [...addresses(fx.mainSigners.slice(0, 2)), ZeroAddress];
      await expect(fx.oracle.addFeed(NEW_FEED, "zero signer", signers, 1n, NEW_PARAMS, 8n))
        .to.be.revertedWithCustomError(fx.oracle, "InvalidSignerAddress")
        .withArgs(ZeroAddress);
    });

    it("InvalidSignerAddress: the same signer twice", async function () {
      const fx = await loadFixture(oracleFixture);
      const dup = fx.mainSigners[1].address;
      const signers = [fx.mainSigners[0].address, dup, fx.mainSigners[2].address, dup];
      await expect(fx.oracle.addFeed(NEW_FEED, "dup signer", signers, 1n, NEW_PARAMS, 8n))
        .to.be.revertedWithCustomError(fx.oracle, "InvalidSignerAddress")
        .withArgs(dup);
    });

    for (const name of ["heartbeat", "maxObservationAge", "maxMoveBps"] as const) {
      it(`InvalidParam: ${name} = 0`, async function () {
        const fx = await loadFixture(oracleFixture);
        const params: Params = { ...NEW_PARAMS, [name]: 0n };
        await expect(fx.oracle.addFeed(NEW_FEED, "bad params", addresses(fx.mainSigners), 1n, params, 8n))
          .to.be.revertedWithCustomError(fx.oracle, "InvalidParam")
          .withArgs(name, 0n);
      });
    }

    it("accepts minUpdateInterval = 0 (no rate limit)", async function () {
      const fx = await loadFixture(oracleFixture);
      const params: Params = { ...NEW_PARAMS, minUpdateInterval: 0n };
      await (await fx.oracle.addFeed(NEW_FEED, "no limit", addresses(fx.mainSigners), 1n, params, 8n)).wait();
      expect([...(await fx.oracle.feedInfo(NEW_FEED)).params]).to.deep.equal(paramsTuple(params));
    });

    it("setSigners validates the new set like addFeed (SignerSetTooSmall)", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.setSigners(MAIN, addresses(fx.mainSigners), 3n))
        .to.be.revertedWithCustomError(fx.oracle, "SignerSetTooSmall")
        .withArgs(5n, 3n, 7n);
    });

    it("setParams validates like addFeed (InvalidParam)", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.setParams(MAIN, { ...MAIN_PARAMS, maxMoveBps: 0n }))
        .to.be.revertedWithCustomError(fx.oracle, "InvalidParam")
        .withArgs("maxMoveBps", 0n);
    });
  });

  describe("functions on an unknown feed revert with UnknownFeed", function () {
    const calls: [string, (fx: Fx) => Promise<unknown>][] = [
      ["setSigners", (fx) => fx.oracle.setSigners(UNKNOWN, addresses(fx.mainSigners), 1n)],
      ["setParams", (fx) => fx.oracle.setParams(UNKNOWN, NEW_PARAMS)],
      ["setDescription", (fx) => fx.oracle.setDescription(UNKNOWN, "x")],
      ["pause", (fx) => fx.oracle.connect(fx.guardian).pause(UNKNOWN)],
      ["unpause", (fx) => fx.oracle.unpause(UNKNOWN)],
      ["prefillRing", (fx) => fx.oracle.prefillRing(UNKNOWN, 4n)],
    ];
    for (const [name, call] of calls) {
      it(name, async function () {
        const fx = await loadFixture(oracleFixture);
        await expect(call(fx)).to.be.revertedWithCustomError(fx.oracle, "UnknownFeed").withArgs(UNKNOWN);
      });
    }
  });

  describe("events", function () {
    it("addFeed emits FeedAdded, SignersSet and FeedParamsSet", async function () {
      const fx = await loadFixture(oracleFixture);
      const signers = addresses(fx.otherSigners.slice(0, 3));
      await expect(fx.oracle.addFeed(NEW_FEED, "B200 GPU-hour", signers, 1n, NEW_PARAMS, 12n))
        .to.emit(fx.oracle, "FeedAdded")
        .withArgs(NEW_FEED, "B200 GPU-hour", 12n)
        .and.to.emit(fx.oracle, "SignersSet")
        .withArgs(NEW_FEED, signers, 1n)
        .and.to.emit(fx.oracle, "FeedParamsSet")
        .withArgs(NEW_FEED, paramsTuple(NEW_PARAMS));
    });

    it("setSigners emits SignersSet", async function () {
      const fx = await loadFixture(oracleFixture);
      const signers = addresses([...fx.otherSigners, ...fx.mainSigners.slice(0, 3)]);
      await expect(fx.oracle.setSigners(MAIN, signers, 3n))
        .to.emit(fx.oracle, "SignersSet")
        .withArgs(MAIN, signers, 3n);
    });

    it("setParams emits FeedParamsSet and feedInfo returns the new params", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.setParams(MAIN, NEW_PARAMS))
        .to.emit(fx.oracle, "FeedParamsSet")
        .withArgs(MAIN, paramsTuple(NEW_PARAMS));
      expect([...(await fx.oracle.feedInfo(MAIN)).params]).to.deep.equal(paramsTuple(NEW_PARAMS));
    });

    it("setDescription emits FeedDescriptionSet and feedInfo returns the new description", async function () {
      const fx = await loadFixture(oracleFixture);
      const description = "H100 SXM5 80GB GPU-hour, USD (v2 methodology)";
      await expect(fx.oracle.setDescription(MAIN, description))
        .to.emit(fx.oracle, "FeedDescriptionSet")
        .withArgs(MAIN, description);
      expect((await fx.oracle.feedInfo(MAIN)).description).to.equal(description);
    });

    it("pause (guardian) emits FeedPaused with the guardian and marks the feed paused", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.connect(fx.guardian).pause(MAIN))
        .to.emit(fx.oracle, "FeedPaused")
        .withArgs(MAIN, fx.guardian.address);
      expect((await fx.oracle.feedInfo(MAIN)).paused).to.equal(true);
    });

    it("unpause (admin) emits FeedUnpaused with the admin and clears the flag", async function () {
      const fx = await loadFixture(oracleFixture);
      await (await fx.oracle.connect(fx.guardian).pause(MAIN)).wait();
      await expect(fx.oracle.unpause(MAIN)).to.emit(fx.oracle, "FeedUnpaused").withArgs(MAIN, fx.admin.address);
      expect((await fx.oracle.feedInfo(MAIN)).paused).to.equal(false);
    });

    it("pausing a paused feed changes nothing and emits nothing", async function () {
      const fx = await loadFixture(oracleFixture);
      await (await fx.oracle.connect(fx.guardian).pause(MAIN)).wait();
      await expect(fx.oracle.connect(fx.guardian).pause(MAIN)).to.not.emit(fx.oracle, "FeedPaused");
      expect((await fx.oracle.feedInfo(MAIN)).paused).to.equal(true);
    });

    it("unpausing a running feed changes nothing and emits nothing", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.unpause(MAIN)).to.not.emit(fx.oracle, "FeedUnpaused");
      expect((await fx.oracle.feedInfo(MAIN)).paused).to.equal(false);
    });

    it("prefillRing emits RingPrefilled with the prefilled count, capped at the capacity", async function () {
      const fx = await loadFixture(oracleFixture);
      const capacity = (await fx.oracle.feedInfo(OTHER)).ringCapacity;
      await expect(fx.oracle.prefillRing(OTHER, 3n)).to.emit(fx.oracle, "RingPrefilled").withArgs(OTHER, 3n, capacity);
      expect((await fx.oracle.feedInfo(OTHER)).ringPrefilled).to.equal(3n);
      await expect(fx.oracle.prefillRing(OTHER, capacity))
        .to.emit(fx.oracle, "RingPrefilled")
        .withArgs(OTHER, capacity, capacity);
      expect((await fx.oracle.feedInfo(OTHER)).ringPrefilled).to.equal(capacity);
    });

    it("prefillRing can be paid by any account, e.g. a relayer key without a role", async function () {
      const fx = await loadFixture(oracleFixture);
      const { oracle } = await asRelayerKey(fx);
      const capacity = (await fx.oracle.feedInfo(MAIN)).ringCapacity;
      await expect(oracle.prefillRing(MAIN, capacity)).to.emit(fx.oracle, "RingPrefilled").withArgs(MAIN, capacity, capacity);
    });

    it("prefilled ring slots never surface as rounds", async function () {
      const fx = await loadFixture(oracleFixture);
      const capacity = (await fx.oracle.feedInfo(MAIN)).ringCapacity;
      await (await fx.oracle.prefillRing(MAIN, capacity)).wait();
      await expect(fx.oracle.latestRound(MAIN)).to.be.revertedWithCustomError(fx.oracle, "NoData").withArgs(MAIN);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), 2n * WAD, t);
      await (await fx.asTransmitter.submit([report])).wait();
      const round = await fx.oracle.getRound(MAIN, 1n);
      expect([round.roundId, round.value, round.observedAt, round.updatedAt]).to.deep.equal([1n, 2n * WAD, t, t]);
      await expect(fx.oracle.getRound(MAIN, 2n))
        .to.be.revertedWithCustomError(fx.oracle, "RoundNotAvailable")
        .withArgs(MAIN, 2n, 1n, 1n);
    });
  });

  describe("roles", function () {
    it("grants DEFAULT_ADMIN_ROLE to the admin and GUARDIAN_ROLE to the guardian only", async function () {
      const fx = await loadFixture(oracleFixture);
      expect(await fx.oracle.GUARDIAN_ROLE()).to.equal(GUARDIAN_ROLE);
      expect(await fx.oracle.DEFAULT_ADMIN_ROLE()).to.equal(DEFAULT_ADMIN_ROLE);
      const holders = async (role: string) => {
        const all = [fx.admin, fx.guardian, fx.transmitter, fx.relayerAccount, ...fx.mainSigners, ...fx.otherSigners];
        const out: string[] = [];
        for (const a of all) if (await fx.oracle.hasRole(role, a.address)) out.push(a.address);
        return out;
      };
      expect(await holders(DEFAULT_ADMIN_ROLE)).to.deep.equal([fx.admin.address]);
      expect(await holders(GUARDIAN_ROLE)).to.deep.equal([fx.guardian.address]);
    });

    describe("a relayer key (no role) cannot call any admin or guardian function", function () {
      const adminCalls: [string, (fx: Fx, oracle: Fx["oracle"]) => Promise<unknown>][] = [
        ["addFeed", (fx, o) => o.addFeed(NEW_FEED, "x", addresses(fx.mainSigners), 1n, NEW_PARAMS, 8n)],
        ["setSigners", (fx, o) => o.setSigners(MAIN, addresses(fx.outsiders), 1n)],
        ["setParams", (_fx, o) => o.setParams(MAIN, { ...MAIN_PARAMS, maxMoveBps: 10_000n })],
        ["setDescription", (_fx, o) => o.setDescription(MAIN, "hijacked")],
        ["unpause", (_fx, o) => o.unpause(MAIN)],
        ["grantRole(GUARDIAN_ROLE)", (fx, o) => o.grantRole(GUARDIAN_ROLE, fx.mainSigners[0].address)],
        ["grantRole(DEFAULT_ADMIN_ROLE)", (fx, o) => o.grantRole(DEFAULT_ADMIN_ROLE, fx.mainSigners[0].address)],
      ];
      for (const [name, call] of adminCalls) {
        it(`${name}: AccessControlUnauthorizedAccount(relayer, DEFAULT_ADMIN_ROLE)`, async function () {
          const fx = await loadFixture(oracleFixture);
          const { key, oracle } = await asRelayerKey(fx);
          await expect(call(fx, oracle))
            .to.be.revertedWithCustomError(fx.oracle, "AccessControlUnauthorizedAccount")
            .withArgs(key.address, DEFAULT_ADMIN_ROLE);
        });
      }

      it("pause: AccessControlUnauthorizedAccount(relayer, GUARDIAN_ROLE)", async function () {
        const fx = await loadFixture(oracleFixture);
        const { key, oracle } = await asRelayerKey(fx);
        await expect(oracle.pause(MAIN))
          .to.be.revertedWithCustomError(fx.oracle, "AccessControlUnauthorizedAccount")
          .withArgs(key.address, GUARDIAN_ROLE);
      });
    });

    it("the admin cannot pause (GUARDIAN_ROLE only)", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.oracle.connect(fx.admin).pause(MAIN))
        .to.be.revertedWithCustomError(fx.oracle, "AccessControlUnauthorizedAccount")
        .withArgs(fx.admin.address, GUARDIAN_ROLE);
    });

    it("the guardian cannot unpause (DEFAULT_ADMIN_ROLE only)", async function () {
      const fx = await loadFixture(oracleFixture);
      const asGuardian = fx.oracle.connect(fx.guardian);
      await (await asGuardian.pause(MAIN)).wait();
      await expect(asGuardian.unpause(MAIN))
        .to.be.revertedWithCustomError(fx.oracle, "AccessControlUnauthorizedAccount")
        .withArgs(fx.guardian.address, DEFAULT_ADMIN_ROLE);
    });

    const guardianAdminCalls: [string, (fx: Fx, oracle: Fx["oracle"]) => Promise<unknown>][] = [
      ["addFeed", (fx, o) => o.addFeed(NEW_FEED, "x", addresses(fx.mainSigners), 1n, NEW_PARAMS, 8n)],
      ["setSigners", (fx, o) => o.setSigners(MAIN, addresses(fx.outsiders), 1n)],
      ["setParams", (_fx, o) => o.setParams(MAIN, NEW_PARAMS)],
      ["setDescription", (_fx, o) => o.setDescription(MAIN, "guardian was here")],
    ];
    for (const [name, call] of guardianAdminCalls) {
      it(`the guardian cannot ${name} (DEFAULT_ADMIN_ROLE only)`, async function () {
        const fx = await loadFixture(oracleFixture);
        await expect(call(fx, fx.oracle.connect(fx.guardian)))
          .to.be.revertedWithCustomError(fx.oracle, "AccessControlUnauthorizedAccount")
          .withArgs(fx.guardian.address, DEFAULT_ADMIN_ROLE);
      });
    }

    it("a transmitter account (no role) cannot call setParams", async function () {
      const fx = await loadFixture(oracleFixture);
      await expect(fx.asTransmitter.setParams(MAIN, NEW_PARAMS))
        .to.be.revertedWithCustomError(fx.oracle, "AccessControlUnauthorizedAccount")
        .withArgs(fx.transmitter.address, DEFAULT_ADMIN_ROLE);
    });

    it("a feed unpaused by the admin takes rounds again", async function () {
      const fx = await loadFixture(oracleFixture);
      await (await fx.oracle.connect(fx.guardian).pause(MAIN)).wait();
      await (await fx.oracle.unpause(MAIN)).wait();
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), WAD, t);
      await expect(fx.asTransmitter.submit([report])).to.emit(fx.oracle, "RoundUpdated").withArgs(
        MAIN,
        1n,
        WAD,
        t,
        addresses(fx.mainSigners.slice(0, 3)),
        [WAD, WAD, WAD],
        report.observations.map((o) => o.inputsHash),
      );
    });

    it("pausing one feed leaves the others open", async function () {
      const fx = await loadFixture(oracleFixture);
      await (await fx.oracle.connect(fx.guardian).pause(MAIN)).wait();
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, SHARED, fx.mainSigners.slice(0, 3), WAD, t);
      await (await fx.asTransmitter.submit([report])).wait();
      expect((await fx.oracle.latestRound(SHARED)).value).to.equal(WAD);
    });
  });

  describe("signer rotation", function () {
    it("a removed signer's observations are refused with UnknownSigner", async function () {
      const fx = await loadFixture(oracleFixture);
      const removed = fx.mainSigners[0];
      await (await fx.oracle.setSigners(MAIN, addresses(fx.mainSigners.slice(1)), 1n)).wait();
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, [fx.mainSigners[1], removed, fx.mainSigners[2]], WAD, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "UnknownSigner")
        .withArgs(MAIN, removed.address);
    });

    it("an observation signed before the rotation by a removed signer is refused after it", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), WAD, t);
      // The rotation lands in the block the report was meant for; the report comes right after.
      await (await fx.oracle.setSigners(MAIN, addresses(fx.otherSigners), 1n)).wait();
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "UnknownSigner")
        .withArgs(MAIN, fx.mainSigners[0].address);
    });

    it("the new signers are accepted after a rotation", async function () {
      const fx = await loadFixture(oracleFixture);
      await (await fx.oracle.setSigners(MAIN, addresses(fx.otherSigners), 1n)).wait();
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, fx.otherSigners.slice(1, 4), 3n * WAD, t);
      await (await fx.asTransmitter.submit([report])).wait();
      expect((await fx.oracle.latestRound(MAIN)).value).to.equal(3n * WAD);
      expect([...(await fx.oracle.feedInfo(MAIN)).signers]).to.deep.equal(addresses(fx.otherSigners));
    });

    it("a new f raises the quorum (TooFewObservations with the new 2f+1)", async function () {
      const fx = await loadFixture(oracleFixture);
      const seven = [...fx.mainSigners, ...fx.otherSigners.slice(0, 2)];
      await (await fx.oracle.setSigners(MAIN, addresses(seven), 2n)).wait();
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, MAIN, seven.slice(0, 4), WAD, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "TooFewObservations")
        .withArgs(MAIN, 4n, 5n);
    });

    it("rotating one feed's signers leaves a feed that shared the old set unchanged", async function () {
      const fx = await loadFixture(oracleFixture);
      await (await fx.oracle.setSigners(MAIN, addresses(fx.otherSigners), 1n)).wait();
      expect([...(await fx.oracle.feedInfo(SHARED)).signers]).to.deep.equal(addresses(fx.mainSigners));
      const t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, SHARED, fx.mainSigners.slice(0, 3), WAD, t);
      await (await fx.asTransmitter.submit([report])).wait();
      expect((await fx.oracle.latestRound(SHARED)).value).to.equal(WAD);
    });

    it("the circuit breaker counts the new signer set: all of a larger set is needed for a large move", async function () {
      const fx = await loadFixture(oracleFixture);
      let t = await nextBlockAt(networkHelpers, 10n);
      await (await fx.asTransmitter.submit([(await uniform(fx.domain, SHARED, fx.mainSigners.slice(0, 3), WAD, t)).report])).wait();
      const seven = [...fx.mainSigners, ...fx.otherSigners.slice(0, 2)];
      await (await fx.oracle.setSigners(SHARED, addresses(seven), 1n)).wait();
      t = await nextBlockAt(networkHelpers, 10n);
      const { report } = await uniform(fx.domain, SHARED, fx.mainSigners, 2n * WAD, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "MoveTooLarge")
        .withArgs(SHARED, WAD, 2n * WAD, SHARED_PARAMS.maxMoveBps, 5n, 7n);
    });
  });

  describe("parameter changes take effect", function () {
    /** One MAIN round of `value` by signers 0..2; returns its block time. */
    async function mainRound(fx: Fx, value: bigint, after: bigint): Promise<bigint> {
      const t = await nextBlockAt(networkHelpers, after);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), value, t);
      await (await fx.asTransmitter.submit([report])).wait();
      return t;
    }

    it("a longer minUpdateInterval delays the next round (UpdateTooSoon with the new bound)", async function () {
      const fx = await loadFixture(oracleFixture);
      const first = await mainRound(fx, WAD, 10n);
      await (await fx.oracle.setParams(MAIN, { ...MAIN_PARAMS, minUpdateInterval: 600n })).wait();
      const t = await nextBlockAt(networkHelpers, MAIN_PARAMS.minUpdateInterval * 2n);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), WAD, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "UpdateTooSoon")
        .withArgs(MAIN, first, first + 600n);
    });

    it("a larger maxMoveBps admits a move the old limit refused", async function () {
      const fx = await loadFixture(oracleFixture);
      await mainRound(fx, 2n * WAD, 10n);
      const move = 3n * WAD; // +50%
      const t = await nextBlockAt(networkHelpers, MAIN_PARAMS.minUpdateInterval);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), move, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "MoveTooLarge")
        .withArgs(MAIN, 2n * WAD, move, MAIN_PARAMS.maxMoveBps, 3n, 5n);
      await (await fx.oracle.setParams(MAIN, { ...MAIN_PARAMS, maxMoveBps: 5000n })).wait();
      await (await fx.asTransmitter.submit([report])).wait();
      expect((await fx.oracle.latestRound(MAIN)).value).to.equal(move);
    });

    it("a smaller maxMoveBps refuses a move the old limit allowed", async function () {
      const fx = await loadFixture(oracleFixture);
      await mainRound(fx, 2n * WAD, 10n);
      await (await fx.oracle.setParams(MAIN, { ...MAIN_PARAMS, maxMoveBps: 100n })).wait();
      const move = 2n * WAD + (2n * WAD * 5n) / 100n; // +5%: inside 10%, outside 1%
      const t = await nextBlockAt(networkHelpers, MAIN_PARAMS.minUpdateInterval);
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), move, t);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "MoveTooLarge")
        .withArgs(MAIN, 2n * WAD, move, 100n, 3n, 5n);
    });

    it("a shorter maxObservationAge refuses observations the old limit accepted", async function () {
      const fx = await loadFixture(oracleFixture);
      await (await fx.oracle.setParams(MAIN, { ...MAIN_PARAMS, maxObservationAge: 30n })).wait();
      const t = await nextBlockAt(networkHelpers, 10n);
      const observedAt = t - 31n; // within the old 300 s
      const { report } = await uniform(fx.domain, MAIN, fx.mainSigners.slice(0, 3), WAD, observedAt);
      await expect(fx.asTransmitter.submit([report]))
        .to.be.revertedWithCustomError(fx.oracle, "ObservationTooOld")
        .withArgs(MAIN, fx.mainSigners[0].address, observedAt, t - 30n);
    });

    it("a shorter heartbeat makes the latest round stale", async function () {
      const fx = await loadFixture(oracleFixture);
      const t = await mainRound(fx, WAD, 10n);
      await networkHelpers.time.increaseTo(t + 600n);
      expect(await fx.oracle.isStale(MAIN)).to.equal(false);
      await (await fx.oracle.setParams(MAIN, { ...MAIN_PARAMS, heartbeat: 300n })).wait();
      expect(await latestTime(networkHelpers)).to.be.greaterThan(t + 300n);
      expect(await fx.oracle.isStale(MAIN)).to.equal(true);
    });
  });
});
