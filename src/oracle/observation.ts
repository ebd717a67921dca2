/**
 * The IndexOracle's EIP-712 observation: its types, its domain, and signing with any ethers
 * signer (a Wallet, or a JSON-RPC account through `eth_signTypedData_v4`).
 */
import { Signature, type Signer, type TypedDataDomain } from "ethers";

/** What a relayer signs for one feed. Values are WAD bigints, times unix seconds. */
export interface ObservationData {
  feed: string; // bytes32
  value: bigint;
  observedAt: bigint;
  inputsHash: string; // bytes32
}

/** An observation with its signature in the EIP-2098 compact form the oracle takes. */
export interface SignedObservation extends ObservationData {
  signer: string;
  r: string;
  vs: string;
}

/** The calldata shape of one feed's part of a report (`IIndexOracle.FeedReport`). */
export interface FeedReport {
  feed: string;
  observations: { value: bigint; observedAt: bigint; inputsHash: string; r: string; vs: string }[];
}

export const OBSERVATION_TYPES = {
  Observation: [
    { name: "feed", type: "bytes32" },
    { name: "value", type: "uint256" },
    { name: "observedAt", type: "uint256" },
    { name: "inputsHash", type: "bytes32" },
  ],
} as const;

/** The oracle's EIP-712 domain: it binds a signature to one chain and one oracle. */
export function oracleDomain(chainId: bigint, oracleAddress: string): TypedDataDomain {
  return { name: "IndexOracle", version: "1", chainId, verifyingContract: oracleAddress };
}

/** Signs an observation with any ethers signer and returns it in the oracle's format. */
export async function signObservation(
  signer: Signer,
  domain: TypedDataDomain,
  observation: ObservationData,
): Promise<SignedObservation> {
  const types = { Observation: [...OBSERVATION_TYPES.Observation] };
  const signature = await signer.signTypedData(domain, types, observation);
  return { ...observation, signer: await signer.getAddress(), ...compactSignature(signature) };
}

/** Splits a 65-byte signature into EIP-2098 `r` and `vs` (s with the parity bit on top). */
export function compactSignature(signature: string): { r: string; vs: string } {
  const sig = Signature.from(signature);
  return { r: sig.r, vs: sig.yParityAndS };
}

/** Groups signed observations into the `submit` calldata for one feed. */
export function feedReport(feed: string, observations: SignedObservation[]): FeedReport {
  return {
    feed,
    observations: observations.map(({ value, observedAt, inputsHash, r, vs }) => ({
      value,
      observedAt,
      inputsHash,
      r,
      vs,
    })),
  };
}
