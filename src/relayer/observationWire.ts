/**
 * Signed observations as relayers exchange them over HTTP (`GET /v1/feeds/:id/observation`):
 * JSON with bigints as decimal strings, checked on receipt against the oracle's rules before a
 * transmitter puts them in a report.
 */
import { verifyTypedData, type TypedDataDomain } from "ethers";
import { z } from "zod";

import { OBSERVATION_TYPES, type SignedObservation } from "../oracle/observation.js";

const Hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected 32 bytes of hex");
const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected an address");
const UintString = z.string().regex(/^[0-9]{1,78}$/, "expected an unsigned integer as a decimal string");

/** The JSON form of a signed observation, plus the feed's config id for humans. */
export const ObservationJson = z.object({
  feedId: z.string().min(1),
  feed: Hex32,
  value: UintString,
  observedAt: UintString,
  inputsHash: Hex32,
  signer: Address,
  r: Hex32,
  vs: Hex32,
});
export type ObservationJson = z.infer<typeof ObservationJson>;

export function toJson(feedId: string, observation: SignedObservation): ObservationJson {
  return {
    feedId,
    feed: observation.feed,
    value: observation.value.toString(),
    observedAt: observation.observedAt.toString(),
    inputsHash: observation.inputsHash,
    signer: observation.signer,
    r: observation.r,
    vs: observation.vs,
  };
}

/** What the oracle will accept from an observation of `feed` now. */
export interface AcceptanceRules {
  feed: string;
  domain: TypedDataDomain;
  /** The feed's signer set (any case). */
  signers: readonly string[];
  /** The latest round's observedAt: a new observation must be newer. */
  lastObservedAt: bigint;
  /** The oracle's maxObservationAge and its future skew, seconds. */
  maxObservationAge: bigint;
  maxFutureSkew: bigint;
  now: bigint;
}

export type Checked = { ok: true; observation: SignedObservation } | { ok: false; reason: string };

/**
 * Parses a peer's answer and checks it as the oracle would: the right feed, a positive value,
 * fresh and newer than the last round, and a signature that recovers to the claimed signer, who
 * must be in the feed's signer set. A bad answer gives a reason, never an exception.
 */
export function checkObservation(body: unknown, rules: AcceptanceRules): Checked {
  const parsed = ObservationJson.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `malformed observation: ${issue.path.join(".") || "body"}: ${issue.message}` };
  }
  const json = parsed.data;
  const observation: SignedObservation = {
    feed: json.feed.toLowerCase(),
    value: BigInt(json.value),
    observedAt: BigInt(json.observedAt),
    inputsHash: json.inputsHash,
    signer: json.signer,
    r: json.r,
    vs: json.vs,
  };
  if (observation.feed !== rules.feed.toLowerCase()) return { ok: false, reason: `observation of feed ${json.feed}` };
  if (observation.value === 0n) return { ok: false, reason: "zero value" };
  if (observation.observedAt <= rules.lastObservedAt) {
    return { ok: false, reason: `observed at ${observation.observedAt}, not after the last round (${rules.lastObservedAt})` };
  }
  if (observation.observedAt + rules.maxObservationAge < rules.now) {
    return { ok: false, reason: `observed at ${observation.observedAt}, older than ${rules.maxObservationAge} s` };
  }
  if (observation.observedAt > rules.now + rules.maxFutureSkew) {
    return { ok: false, reason: `observed at ${observation.observedAt}, in the future` };
  }
  const signers = rules.signers.map((s) => s.toLowerCase());
  if (!signers.includes(observation.signer.toLowerCase())) {
    return { ok: false, reason: `signer ${observation.signer} is not in the feed's signer set` };
  }
  let recovered: string;
  try {
    const message = { feed: observation.feed, value: observation.value, observedAt: observation.observedAt, inputsHash: observation.inputsHash };
    recovered = verifyTypedData(rules.domain, { Observation: [...OBSERVATION_TYPES.Observation] }, message, {
      r: observation.r,
      yParityAndS: observation.vs,
    });
  } catch {
    return { ok: false, reason: "unreadable signature" };
  }
  if (recovered.toLowerCase() !== observation.signer.toLowerCase()) {
    return { ok: false, reason: `signature recovers to ${recovered}, not ${observation.signer}` };
  }
  return { ok: true, observation };
}
