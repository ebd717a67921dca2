/**
 * The transmitter's side of a round: fetch every peer's latest observation of a feed over HTTP
 * (`GET <peer>/v1/feeds/<id>/observation`), keep those the oracle would accept, one per signer.
 * A peer that is down, slow or lying costs its observation, never the round.
 */
import { fetchJson } from "../index/sources/http.js";
import type { SignedObservation } from "../oracle/observation.js";
import { checkObservation, toJson, type AcceptanceRules } from "./observationWire.js";

export interface PeerAnswer {
  peer: string;
  reason: string;
}

export interface Gathered {
  accepted: SignedObservation[];
  refused: PeerAnswer[];
}

/** An observation is a few hundred bytes: anything much larger is not one. */
const MAX_OBSERVATION_BYTES = 16_384;

/**
 * Asks `peers` (base URLs) concurrently for their observation of `feedName`, adds `own`, and
 * returns the accepted ones, at most one per signer (the first accepted wins: `own` first).
 */
export async function gatherObservations(
  peers: readonly string[],
  feedName: string,
  own: SignedObservation | undefined,
  rules: AcceptanceRules,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Gathered> {
  const answers = await Promise.all(
    peers.map(async (peer) => {
      const url = `${peer.replace(/\/$/, "")}/v1/feeds/${encodeURIComponent(feedName)}/observation`;
      try {
        const body = await fetchJson(url, { timeoutMs, retries: 0, backoffMs: 0, maxBytes: MAX_OBSERVATION_BYTES }, signal);
        return { peer, checked: checkObservation(body, rules) };
      } catch (error) {
        return { peer, checked: { ok: false as const, reason: (error as Error).message } };
      }
    }),
  );
  const accepted: SignedObservation[] = [];
  const refused: PeerAnswer[] = [];
  const seen = new Set<string>();
  const take = (peer: string, observation: SignedObservation) => {
    const signer = observation.signer.toLowerCase();
    if (seen.has(signer)) return refused.push({ peer, reason: `a second observation by ${observation.signer}` });
    seen.add(signer);
    accepted.push(observation);
  };
  if (own !== undefined) {
    const checked = checkObservation(toJson(feedName, own), rules);
    if (checked.ok) take("self", checked.observation);
    else refused.push({ peer: "self", reason: checked.reason });
  }
  for (const { peer, checked } of answers) {
    if (checked.ok) take(peer, checked.observation);
    else refused.push({ peer, reason: checked.reason });
  }
  return { accepted, refused };
}
