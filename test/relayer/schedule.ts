import { expect } from "chai";
import fc from "fast-check";

import { dueReason, isMyTurn, transmitterTurn, type OnchainFeed } from "../../src/relayer/schedule.js";

const WAD = 10n ** 18n;
const SIGNERS = ["0xA1", "0xB2", "0xC3", "0xD4"].map((s) => s.padEnd(42, "0"));

function feed(overrides: Partial<OnchainFeed> = {}): OnchainFeed {
  return { feed: "0x" + "11".repeat(32), latestRoundId: 7n, value: 2n * WAD, updatedAt: 1_000, signers: SIGNERS, ...overrides };
}

describe("relayer schedule", function () {
  describe("dueReason (heartbeat and deviation)", function () {
    it("a feed without rounds is due at once", function () {
      expect(dueReason(feed({ latestRoundId: 0n, value: 0n, updatedAt: 0 }), WAD, 5, 3600, 50)).to.equal("first-round");
    });

    it("is due exactly when the heartbeat has elapsed, not a second before", function () {
      expect(dueReason(feed(), 2n * WAD, 1_000 + 3599, 3600, 50)).to.equal(null);
      expect(dueReason(feed(), 2n * WAD, 1_000 + 3600, 3600, 50)).to.equal("heartbeat");
    });

    it("is due on a move strictly beyond the threshold, either way (50 bps of 2.0 = 0.01)", function () {
      const limit = (2n * WAD * 50n) / 10_000n; // 0.01
      expect(dueReason(feed(), 2n * WAD + limit, 1_001, 3600, 50)).to.equal(null);
      expect(dueReason(feed(), 2n * WAD + limit + 1n, 1_001, 3600, 50)).to.equal("deviation");
      expect(dueReason(feed(), 2n * WAD - limit, 1_001, 3600, 50)).to.equal(null);
      expect(dueReason(feed(), 2n * WAD - limit - 1n, 1_001, 3600, 50)).to.equal("deviation");
    });

    it("the heartbeat wins over a small move", function () {
      expect(dueReason(feed(), 2n * WAD + 1n, 1_000 + 3600, 3600, 50)).to.equal("heartbeat");
    });
  });

  describe("transmitterTurn (one transmitter per round, failover after the grace period)", function () {
    it("gives round r to signer r mod n while the grace period lasts", function () {
      // Next round 8: 8 mod 4 = 0.
      expect(transmitterTurn(feed(), 1_000, 30)).to.deep.equal({ index: 0, transmitter: SIGNERS[0], attempt: 0 });
      expect(transmitterTurn(feed(), 1_029, 30)).to.deep.equal({ index: 0, transmitter: SIGNERS[0], attempt: 0 });
    });

    it("passes the turn to the next signer after each grace period, wrapping around", function () {
      expect(transmitterTurn(feed(), 1_030, 30).index).to.equal(1);
      expect(transmitterTurn(feed(), 1_060, 30).index).to.equal(2);
      expect(transmitterTurn(feed(), 1_090, 30).index).to.equal(3);
      expect(transmitterTurn(feed(), 1_120, 30)).to.deep.equal({ index: 0, transmitter: SIGNERS[0], attempt: 4 });
    });

    it("moves to the next signer for the next round", function () {
      expect(transmitterTurn(feed({ latestRoundId: 8n }), 1_000, 30).index).to.equal(1);
    });

    it("treats a clock behind the last round as attempt 0", function () {
      expect(transmitterTurn(feed(), 900, 30).attempt).to.equal(0);
    });

    it("exactly one relayer holds the turn at any time, whatever the state (property)", function () {
      fc.assert(
        fc.property(
          fc.bigInt({ min: 0n, max: 1n << 63n }),
          fc.integer({ min: 0, max: 2_000_000_000 }),
          fc.integer({ min: 0, max: 100_000 }),
          fc.integer({ min: 1, max: 600 }),
          fc.integer({ min: 1, max: 31 }),
          (round, updatedAt, elapsed, grace, n) => {
            const signers = Array.from({ length: n }, (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}`);
            const state = feed({ latestRoundId: round, updatedAt, signers });
            const holders = signers.filter((s) => isMyTurn(state, s, updatedAt + elapsed, grace));
            expect(holders).to.have.length(1);
          },
        ),
      );
    });

    it("matches addresses in any case", function () {
      expect(isMyTurn(feed(), SIGNERS[0].toUpperCase().replace("0X", "0x"), 1_000, 30)).to.equal(true);
    });

    it("refuses an empty signer set and a non-positive grace period", function () {
      expect(() => transmitterTurn(feed({ signers: [] }), 1_000, 30)).to.throw("has no signers");
      expect(() => transmitterTurn(feed(), 1_000, 0)).to.throw("graceSeconds must be positive, got 0");
    });
  });
});
