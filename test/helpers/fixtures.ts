/**
 * Fixtures and helpers shared by the IndexOracle / IndexFeedAdapter mocha tests.
 *
 * Everything here computes expectations independently of the contracts: medians from a sorted
 * JS array, TWAPs by a second-by-second brute-force sum, digests with ethers' TypedDataEncoder.
 * Fixtures take the NetworkConnection that `networkHelpers.loadFixture` passes them, so each test
 * file keeps its own connection (`network.create()`).
 */
import { TypedDataEncoder, keccak256, toUtf8Bytes, type TypedDataDomain, type Wallet } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";

import type { AggregatorV3Consumer, IndexFeedAdapter } from "../../types/ethers-contracts/index.js";
import {
  OBSERVATION_TYPES,
  feedReport,
  oracleDomain,
  signObservation,
  type FeedReport,
  type SignedObservation,
} from "../../src/oracle/observation.js";
import { WAD, feedId, relayerWallets } from "./oracle.js";

export { WAD, feedId };

// ------------------------------------------------------------------------------- constants

/** Feed params as plain bigints (the shape of `IIndexOracle.FeedParams`). */
export interface Params {
  heartbeat: bigint;
  maxObservationAge: bigint;
  maxMoveBps: bigint;
  minUpdateInterval: bigint;
}

/** Tuple form of Params, the way events and return values decode a FeedParams struct. */
export function paramsTuple(p: Params): [bigint, bigint, bigint, bigint] {
  return [p.heartbeat, p.maxObservationAge, p.maxMoveBps, p.minUpdateInterval];
}

export const MAIN = feedId("H100-SXM-HOUR");
export const SHARED = feedId("A100-80GB-HOUR");
export const OTHER = feedId("LLM-1M-OUTPUT-TOKENS");
/** A feed id never added to the oracle. */
export const UNKNOWN = feedId("NOT-A-FEED");

export const MAIN_DESCRIPTION = "H100 SXM GPU-hour, USD";
export const SHARED_DESCRIPTION = "A100 80GB GPU-hour, USD";
export const OTHER_DESCRIPTION = "1M LLM output tokens, USD";

/** MAIN: 5 signers, f = 1 (quorum 3), 10% circuit breaker, one round per minute at most. */
export const MAIN_PARAMS: Params = { heartbeat: 3600n, maxObservationAge: 300n, maxMoveBps: 1000n, minUpdateInterval: 60n };
export const MAIN_F = 1n;
export const MAIN_RING = 4n;
/** SHARED: the same signer list as MAIN (so the same SignerSet data contract), no rate limit. */
export const SHARED_PARAMS: Params = { heartbeat: 7200n, maxObservationAge: 600n, maxMoveBps: 2000n, minUpdateInterval: 0n };
export const SHARED_RING = 16n;
/** OTHER: its own 4 signers, f = 1 (quorum 3). */
export const OTHER_PARAMS: Params = { heartbeat: 86400n, maxObservationAge: 900n, maxMoveBps: 500n, minUpdateInterval: 0n };
export const OTHER_F = 1n;
export const OTHER_RING = 8n;

/** The EIP-712 type the relayers sign, as ethers wants it (mutable copy). */
export const TYPES = { Observation: [...OBSERVATION_TYPES.Observation] };

// ------------------------------------------------------------------------------- fixtures

/**
 * An IndexOracle with separate admin, guardian, transmitter and a role-less relayer account,
 * and three feeds: MAIN and SHARED share one signer list (relayers 0..4), OTHER has its own
 * (relayers 5..8). No round has been stored yet.
 */
export async function oracleFixture({ ethers }: NetworkConnection) {
  const [admin, guardian, transmitter, relayerAccount] = await ethers.getSigners();
  const relayers = relayerWallets(9);
  const mainSigners = relayers.slice(0, 5);
  const otherSigners = relayers.slice(5, 9);
  /** Deterministic keys that are signers of no feed. */
  const outsiders = relayerWallets(3, "outsider");

  const oracle = await ethers.deployContract("IndexOracle", [admin.address, guardian.address], admin);
  await oracle.waitForDeployment();
  const addresses = (ws: Wallet[]) => ws.map((w) => w.address);
  await (
    await oracle.addFeed(MAIN, MAIN_DESCRIPTION, addresses(mainSigners), MAIN_F, MAIN_PARAMS, MAIN_RING)
  ).wait();
  await (
    await oracle.addFeed(SHARED, SHARED_DESCRIPTION, addresses(mainSigners), MAIN_F, SHARED_PARAMS, SHARED_RING)
  ).wait();
  await (
    await oracle.addFeed(OTHER, OTHER_DESCRIPTION, addresses(otherSigners), OTHER_F, OTHER_PARAMS, OTHER_RING)
  ).wait();

  const { chainId } = await ethers.provider.getNetwork();
  const domain = oracleDomain(chainId, await oracle.getAddress());
  return {
    oracle,
    /** The oracle as seen by an account with no role: anyone may transmit a report. */
    asTransmitter: oracle.connect(transmitter),
    admin,
    guardian,
    transmitter,
    relayerAccount,
    relayers,
    mainSigners,
    otherSigners,
    outsiders,
    chainId,
    domain,
  };
}

/** oracleFixture plus an IndexFeedAdapter for MAIN and a test-only Chainlink consumer of it. */
export async function adapterFixture(connection: NetworkConnection) {
  const base = await oracleFixture(connection);
  const { ethers } = connection;
  const adapter: IndexFeedAdapter = await ethers.deployContract("IndexFeedAdapter", [
    await base.oracle.getAddress(),
    MAIN,
  ]);
  const consumer: AggregatorV3Consumer = await ethers.deployContract("AggregatorV3Consumer", [
    await adapter.getAddress(),
    CONSUMER_MAX_AGE,
  ]);
  return { ...base, adapter, consumer };
}

/** The test consumer refuses answers updated more than this many seconds ago. */
export const CONSUMER_MAX_AGE = 1800n;

// ------------------------------------------------------------------------------- signing

/** A recognisable inputs hash per relayer, feed and time (what a relayer would publish). */
export function inputsHashFor(feed: string, signer: string, observedAt: bigint, tag = ""): string {
  return keccak256(toUtf8Bytes(`snapshot:${feed}:${signer.toLowerCase()}:${observedAt}:${tag}`));
}

export interface SignedReport {
  report: FeedReport;
  signed: SignedObservation[];
}

/**
 * Each of `wallets` signs one observation of `feed` (`values[i]` at `times[i]`, or all at the
 * same time) for `domain` with ethers' `Wallet.signTypedData`.
 */
export async function signReport(
  domain: TypedDataDomain,
  feed: string,
  wallets: Wallet[],
  values: bigint[],
  times: bigint | bigint[],
): Promise<SignedReport> {
  if (values.length !== wallets.length) throw new Error("one value per wallet");
  const at = (i: number) => (typeof times === "bigint" ? times : times[i]);
  const signed = await Promise.all(
    wallets.map((wallet, i) =>
      signObservation(wallet, domain, {
        feed,
        value: values[i],
        observedAt: at(i),
        inputsHash: inputsHashFor(feed, wallet.address, at(i)),
      }),
    ),
  );
  return { report: feedReport(feed, signed), signed };
}

/** Every wallet observes the same value at the same time. */
export function uniform(
  domain: TypedDataDomain,
  feed: string,
  wallets: Wallet[],
  value: bigint,
  observedAt: bigint,
): Promise<SignedReport> {
  return signReport(domain, feed, wallets, wallets.map(() => value), observedAt);
}

/** The EIP-712 digest of an observation, computed by ethers. */
export function digestOf(
  domain: TypedDataDomain,
  o: { feed: string; value: bigint; observedAt: bigint; inputsHash: string },
): string {
  return TypedDataEncoder.hash(domain, TYPES, {
    feed: o.feed,
    value: o.value,
    observedAt: o.observedAt,
    inputsHash: o.inputsHash,
  });
}

// ------------------------------------------------------------------------------- time

/** The subset of the network helpers the time helpers use. */
export interface Clock {
  time: {
    latest(): Promise<number>;
    setNextBlockTimestamp(timestamp: bigint | number): Promise<void>;
  };
}

/**
 * Fixes the timestamp of the next mined block (the next transaction's `block.timestamp`) at
 * `seconds` after the latest block, and returns it.
 */
export async function nextBlockAt(helpers: Clock, seconds: bigint = 1n): Promise<bigint> {
  const t = BigInt(await helpers.time.latest()) + seconds;
  await helpers.time.setNextBlockTimestamp(t);
  return t;
}

export async function latestTime(helpers: Clock): Promise<bigint> {
  return BigInt(await helpers.time.latest());
}

// ------------------------------------------------------------------------------- reference model

/** Median as documented: middle value (odd count), floor of the mean of the middle two (even). */
export function median(values: bigint[]): bigint {
  if (values.length === 0) throw new Error("median of nothing");
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2n;
}

export function maxOf(values: bigint[]): bigint {
  return values.reduce((a, b) => (b > a ? b : a));
}

/** A round as the reference model remembers it. */
export interface ModelRound {
  roundId: bigint;
  value: bigint;
  observedAt: bigint;
  updatedAt: bigint;
}

/**
 * Time-weighted average over [start, end) by brute force: for every second, the value of the
 * latest round stored (updatedAt) at or before that second; the sum divided by the length,
 * rounded down.
 */
export function bruteForceTwap(history: ModelRound[], start: bigint, end: bigint): bigint {
  let sum = 0n;
  for (let t = start; t < end; t++) {
    let value: bigint | undefined;
    for (const round of history) if (round.updatedAt <= t) value = round.value;
    if (value === undefined) throw new Error(`no round at ${t}`);
    sum += value;
  }
  return sum / (end - start);
}

/** Chainlink-style answer of the adapter: value scaled from 18 to 8 decimals, rounded down. */
export function toAnswer(value: bigint): bigint {
  return value / 10n ** (18n - 8n);
}

/** The role hash OpenZeppelin's AccessControl reports for GUARDIAN_ROLE. */
export const GUARDIAN_ROLE = keccak256(toUtf8Bytes("GUARDIAN_ROLE"));
export const DEFAULT_ADMIN_ROLE = "0x" + "00".repeat(32);

// ------------------------------------------------------------------------------- history

/** One round to submit: seconds after the previous block, the values, each value's age. */
export interface Step {
  gap: bigint;
  values: bigint[];
  ages: bigint[];
}

/**
 * Six MAIN rounds (ring capacity 4, so rounds 1 and 2 end up overwritten) with uneven gaps,
 * 3, 4 and 5 observations, moves inside MAIN's 10% breaker and odd wei so roundings show.
 */
export const MAIN_HISTORY: Step[] = [
  { gap: 10n, values: [2_000_000_000_123_456_789n, 2_020_000_000_000_000_001n, 1_980_000_000_000_000_003n], ages: [0n, 5n, 12n] },
  { gap: 300n, values: [2_050_000_000_000_000_007n, 2_100_000_000_000_000_000n, 2_070_000_000_987_654_321n], ages: [3n, 0n, 40n] },
  { gap: 60n, values: [2_150_000_000_000_000_011n, 2_200_000_000_000_000_000n, 2_120_000_000_000_000_000n], ages: [1n, 2n, 3n] },
  {
    gap: 1200n,
    values: [2_010_000_000_000_000_001n, 2_030_000_000_000_000_000n, 2_050_000_000_000_000_000n, 2_000_000_000_000_000_000n],
    ages: [0n, 0n, 9n, 30n],
  },
  { gap: 75n, values: [1_900_000_000_000_000_000n, 1_950_000_000_555_555_555n, 1_930_000_000_000_000_013n], ages: [20n, 10n, 0n] },
  {
    gap: 480n,
    values: [1_990_000_000_000_000_000n, 2_010_000_000_000_000_000n, 2_000_000_000_999_999_999n, 1_980_000_000_000_000_000n, 2_020_000_000_000_000_000n],
    ages: [4n, 4n, 4n, 50n, 4n],
  },
];

/**
 * Submits `steps` as consecutive MAIN rounds (signers rotate through MAIN's five relayers) with
 * every block time fixed, and returns the reference model of the stored rounds.
 */
export async function submitHistory(
  fx: Awaited<ReturnType<typeof oracleFixture>>,
  helpers: Clock,
  steps: Step[],
  firstRoundId = 1n,
): Promise<ModelRound[]> {
  const history: ModelRound[] = [];
  for (const [i, step] of steps.entries()) {
    const t = await nextBlockAt(helpers, step.gap);
    const times = step.ages.map((age) => t - age);
    const wallets = step.values.map((_, j) => fx.mainSigners[(i + j) % fx.mainSigners.length]);
    const { report } = await signReport(fx.domain, MAIN, wallets, step.values, times);
    await (await fx.asTransmitter.submit([report])).wait();
    history.push({ roundId: firstRoundId + BigInt(i), value: median(step.values), observedAt: maxOf(times), updatedAt: t });
  }
  return history;
}

/** oracleFixture with MAIN_HISTORY stored. */
export async function historyFixture(connection: NetworkConnection) {
  const fx = await oracleFixture(connection);
  const history = await submitHistory(fx, connection.networkHelpers, MAIN_HISTORY);
  return { ...fx, history };
}

/** adapterFixture with MAIN_HISTORY stored. */
export async function adapterHistoryFixture(connection: NetworkConnection) {
  const fx = await adapterFixture(connection);
  const history = await submitHistory(fx, connection.networkHelpers, MAIN_HISTORY);
  return { ...fx, history };
}
