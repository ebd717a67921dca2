/**
 * Shared set-up for the oracle's tests, benchmark and demo: deterministic relayer wallets, a
 * deployed IndexOracle with feeds, and signed reports.
 */
import { Wallet, id, keccak256, toUtf8Bytes, type Signer } from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import type { IndexOracle } from "../../types/ethers-contracts/index.js";
import {
  feedReport,
  oracleDomain,
  signObservation,
  type FeedReport,
  type SignedObservation,
} from "../../src/oracle/observation.js";

export const WAD = 10n ** 18n;

/** Feed ids are the keccak256 of their name, e.g. feedId("H100-HOUR"). */
export function feedId(name: string): string {
  return id(name);
}

/** `count` relayer wallets derived from fixed seeds, so every run signs with the same keys. */
export function relayerWallets(count: number, seed = "relayer"): Wallet[] {
  return Array.from({ length: count }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`${seed}-${i}`))));
}

export interface FeedSetup {
  name: string;
  signers: string[];
  f: number;
  heartbeat?: number;
  maxObservationAge?: number;
  maxMoveBps?: number;
  minUpdateInterval?: number;
  ringCapacity?: number;
  prefill?: boolean;
}

export const DEFAULT_PARAMS = {
  heartbeat: 3600,
  maxObservationAge: 300,
  maxMoveBps: 1000,
  minUpdateInterval: 0,
};

/** Deploys an IndexOracle (admin = guardian = first account) and adds `feeds`. */
export async function deployOracle(ethers: HardhatEthers, feeds: FeedSetup[]): Promise<IndexOracle> {
  const [admin] = await ethers.getSigners();
  const oracle = (await ethers.deployContract("IndexOracle", [admin.address, admin.address])) as unknown as IndexOracle;
  for (const feed of feeds) {
    const params = {
      heartbeat: feed.heartbeat ?? DEFAULT_PARAMS.heartbeat,
      maxObservationAge: feed.maxObservationAge ?? DEFAULT_PARAMS.maxObservationAge,
      maxMoveBps: feed.maxMoveBps ?? DEFAULT_PARAMS.maxMoveBps,
      minUpdateInterval: feed.minUpdateInterval ?? DEFAULT_PARAMS.minUpdateInterval,
    };
    const capacity = feed.ringCapacity ?? 64;
    await (await oracle.addFeed(feedId(feed.name), feed.name, feed.signers, feed.f, params, capacity)).wait();
    if (feed.prefill ?? true) await (await oracle.prefillRing(feedId(feed.name), capacity)).wait();
  }
  return oracle;
}

/** Signs one observation per signer of `values` (same length) for `feed` at `observedAt`. */
export async function signObservations(
  oracle: IndexOracle,
  signers: Signer[],
  feed: string,
  values: bigint[],
  observedAt: bigint,
): Promise<SignedObservation[]> {
  const { chainId } = await oracle.runner!.provider!.getNetwork();
  const domain = oracleDomain(chainId, await oracle.getAddress());
  return Promise.all(
    signers.map((signer, i) =>
      signObservation(signer, domain, {
        feed,
        value: values[i],
        observedAt,
        inputsHash: keccak256(toUtf8Bytes(`inputs:${feed}:${observedAt}:${i}`)),
      }),
    ),
  );
}

/** A one-feed report in which every signer observes the same `value`. */
export async function uniformReport(
  oracle: IndexOracle,
  signers: Signer[],
  feed: string,
  value: bigint,
  observedAt: bigint,
): Promise<FeedReport> {
  const observations = await signObservations(oracle, signers, feed, signers.map(() => value), observedAt);
  return feedReport(feed, observations);
}
