/**
 * When a feed needs a new round, and which relayer transmits it. Pure functions of the
 * on-chain state and the clock, so every relayer reaches the same answer on its own.
 */

/** What the relayer reads from the oracle about one feed. */
export interface OnchainFeed {
  feed: string; // bytes32
  /** 0 before the first round. */
  latestRoundId: bigint;
  /** The latest round's value (WAD) and the block time it was stored (unix seconds). */
  value: bigint;
  updatedAt: number;
  /** The feed's signer set, in the oracle's order. */
  signers: readonly string[];
}

export type DueReason = "first-round" | "heartbeat" | "deviation";

/**
 * Chainlink's push rule: a feed is due when it has no round yet, when `heartbeatSeconds` have
 * passed since its last round, or when `candidate` moved strictly more than `deviationBps` of
 * the on-chain value away from it. Returns why, or null when the feed is not due.
 */
export function dueReason(
  onchain: Pick<OnchainFeed, "latestRoundId" | "value" | "updatedAt">,
  candidate: bigint,
  now: number,
  heartbeatSeconds: number,
  deviationBps: number,
): DueReason | null {
  if (onchain.latestRoundId === 0n) return "first-round";
  if (now - onchain.updatedAt >= heartbeatSeconds) return "heartbeat";
  const move = candidate > onchain.value ? candidate - onchain.value : onchain.value - candidate;
  if (move * 10_000n > BigInt(deviationBps) * onchain.value) return "deviation";
  return null;
}

/** The relayer whose turn it is to transmit the feed's next round, and how many turns passed. */
export interface Turn {
  index: number;
  transmitter: string;
  /** 0 for the first choice; each `graceSeconds` without a new round passes the turn on. */
  attempt: number;
}

/**
 * One transmitter per round: the signer at (next round id + attempt) mod n, where attempt counts
 * the grace periods since the feed's last round (block time). If the chosen relayer is down,
 * the next one in the oracle's order takes over one grace period later, and so on round-robin.
 */
export function transmitterTurn(onchain: OnchainFeed, now: number, graceSeconds: number): Turn {
  const n = onchain.signers.length;
  if (n === 0) throw new Error(`feed ${onchain.feed} has no signers`);
  if (!(graceSeconds > 0)) throw new Error(`graceSeconds must be positive, got ${graceSeconds}`);
  const attempt = Math.floor(Math.max(0, now - onchain.updatedAt) / graceSeconds);
  const index = Number((onchain.latestRoundId + 1n + BigInt(attempt)) % BigInt(n));
  return { index, transmitter: onchain.signers[index], attempt };
}

/** Whether `address` (any case) holds the turn. */
export function isMyTurn(onchain: OnchainFeed, address: string, now: number, graceSeconds: number): boolean {
  return transmitterTurn(onchain, now, graceSeconds).transmitter.toLowerCase() === address.toLowerCase();
}
