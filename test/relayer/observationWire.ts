import { expect } from "chai";
import { Wallet, ZeroHash, id } from "ethers";

import { oracleDomain, signObservation } from "../../src/oracle/observation.js";
import { checkObservation, toJson, type AcceptanceRules } from "../../src/relayer/observationWire.js";

const FEED = id("H100-HOUR");
const DOMAIN = oracleDomain(31337n, "0x" + "5f".repeat(20));
const RELAYERS = [1, 2, 3, 4].map((i) => new Wallet("0x" + i.toString(16).padStart(64, "0")));
const OUTSIDER = new Wallet("0x" + "99".padStart(64, "0"));
const NOW = 1_800_000_000n;
const VALUE = 2_345_000_000_000_000_000n;
const INPUTS = id("inputs");

function rules(overrides: Partial<AcceptanceRules> = {}): AcceptanceRules {
  return {
    feed: FEED,
    domain: DOMAIN,
    signers: RELAYERS.map((w) => w.address),
    lastObservedAt: NOW - 600n,
    maxObservationAge: 300n,
    maxFutureSkew: 15n,
    now: NOW,
    ...overrides,
  };
}

async function signed(signer: Wallet, overrides: Partial<{ value: bigint; observedAt: bigint; feed: string }> = {}) {
  const observation = { feed: FEED, value: VALUE, observedAt: NOW - 10n, inputsHash: INPUTS, ...overrides };
  return toJson("H100-HOUR", await signObservation(signer, DOMAIN, observation));
}

describe("relayer observations on the wire", function () {
  it("accepts a fresh observation signed by a member of the signer set, as bigints", async function () {
    const result = checkObservation(JSON.parse(JSON.stringify(await signed(RELAYERS[2]))), rules());
    expect(result.ok).to.equal(true);
    const { observation } = result as { ok: true; observation: { value: bigint; observedAt: bigint; signer: string } };
    expect([observation.value, observation.observedAt, observation.signer]).to.deep.equal([VALUE, NOW - 10n, RELAYERS[2].address]);
  });

  it("refuses a value changed after signing: the signature recovers to someone else", async function () {
    const body = { ...(await signed(RELAYERS[0])), value: (VALUE + 1n).toString() };
    const result = checkObservation(body, rules());
    expect(result.ok).to.equal(false);
    expect((result as { reason: string }).reason).to.match(/^signature recovers to 0x[0-9a-fA-F]{40}, not /);
  });

  it("refuses a signer outside the feed's set", async function () {
    const result = checkObservation(await signed(OUTSIDER), rules());
    expect(result).to.deep.equal({ ok: false, reason: `signer ${OUTSIDER.address} is not in the feed's signer set` });
  });

  it("refuses what the oracle would refuse: another feed, zero, not newer, too old, from the future", async function () {
    const other = id("TOKEN-OUT");
    expect(checkObservation(await signed(RELAYERS[0], { feed: other }), rules())).to.deep.equal({
      ok: false,
      reason: `observation of feed ${other}`,
    });
    expect(checkObservation(await signed(RELAYERS[0], { value: 0n }), rules())).to.deep.equal({ ok: false, reason: "zero value" });
    expect(checkObservation(await signed(RELAYERS[0], { observedAt: NOW - 600n }), rules())).to.deep.equal({
      ok: false,
      reason: `observed at ${NOW - 600n}, not after the last round (${NOW - 600n})`,
    });
    expect(checkObservation(await signed(RELAYERS[0], { observedAt: NOW - 301n }), rules())).to.deep.equal({
      ok: false,
      reason: `observed at ${NOW - 301n}, older than 300 s`,
    });
    expect(checkObservation(await signed(RELAYERS[0], { observedAt: NOW + 16n }), rules())).to.deep.equal({
      ok: false,
      reason: `observed at ${NOW + 16n}, in the future`,
    });
    // The boundaries themselves pass.
    expect(checkObservation(await signed(RELAYERS[0], { observedAt: NOW - 300n }), rules()).ok).to.equal(true);
    expect(checkObservation(await signed(RELAYERS[0], { observedAt: NOW + 15n }), rules()).ok).to.equal(true);
  });

  it("turns garbage into a reason naming the field, never an exception", async function () {
    const good = await signed(RELAYERS[0]);
    expect(checkObservation("not json", rules())).to.deep.equal({ ok: false, reason: "malformed observation: body: Invalid input: expected object, received string" });
    expect(checkObservation({ ...good, value: "-5" }, rules())).to.deep.equal({
      ok: false,
      reason: "malformed observation: value: expected an unsigned integer as a decimal string",
    });
    expect(checkObservation({ ...good, r: ZeroHash.slice(0, 10) }, rules())).to.deep.equal({
      ok: false,
      reason: "malformed observation: r: expected 32 bytes of hex",
    });
    expect(checkObservation({ ...good, r: ZeroHash, vs: ZeroHash }, rules())).to.deep.equal({ ok: false, reason: "unreadable signature" });
  });
});
