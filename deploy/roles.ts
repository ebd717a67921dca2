/**
 * Who holds which role after a deploy. The constructors give every role of the vault and the
 * market (and the oracle's admin role) to the deployer, which needs them to add the feeds,
 * register the market and list the launch series; the Roles module then hands each role to its
 * holder from the parameters and the deployer renounces what it was not given.
 */
import { ZeroHash, getAddress, id } from "ethers";

import type { DeployParameters } from "./parameters.js";

/** A role holder named in the parameters file (`roles.<name>`). */
export type RoleHolder = "admin" | "guardian" | "lister" | "deleverager" | "feeManager";
export type RoleContract = "IndexOracle" | "MarginVault" | "FuturesMarket";

/** Every role holder's address, the deployer standing in for those the file leaves out. */
export type ResolvedRoles = Record<RoleHolder, string>;

export interface RoleAssignment {
  contract: RoleContract;
  /** The role's constant name in the contract, e.g. "LISTER_ROLE". */
  role: string;
  holder: RoleHolder;
  /** Whether the constructor gives the role to the deployer (so it must be handed over). */
  deployerAtFirst: boolean;
}

export const ROLE_HOLDERS: readonly RoleHolder[] = ["admin", "guardian", "lister", "deleverager", "feeManager"];

export const ROLE_ASSIGNMENTS: readonly RoleAssignment[] = [
  { contract: "IndexOracle", role: "DEFAULT_ADMIN_ROLE", holder: "admin", deployerAtFirst: true },
  // The oracle's constructor takes the guardian directly.
  { contract: "IndexOracle", role: "GUARDIAN_ROLE", holder: "guardian", deployerAtFirst: false },
  { contract: "MarginVault", role: "DEFAULT_ADMIN_ROLE", holder: "admin", deployerAtFirst: true },
  { contract: "MarginVault", role: "FEE_MANAGER_ROLE", holder: "feeManager", deployerAtFirst: true },
  { contract: "FuturesMarket", role: "DEFAULT_ADMIN_ROLE", holder: "admin", deployerAtFirst: true },
  { contract: "FuturesMarket", role: "LISTER_ROLE", holder: "lister", deployerAtFirst: true },
  { contract: "FuturesMarket", role: "GUARDIAN_ROLE", holder: "guardian", deployerAtFirst: true },
  { contract: "FuturesMarket", role: "DELEVERAGER_ROLE", holder: "deleverager", deployerAtFirst: true },
];

/** The role's bytes32 id: zero for OpenZeppelin's DEFAULT_ADMIN_ROLE, keccak256 of the name otherwise. */
export function roleId(role: string): string {
  return role === "DEFAULT_ADMIN_ROLE" ? ZeroHash : id(role);
}

/** The parameters' role holders, checksummed, with `deployer` for each one left out. */
export function resolveRoles(roles: DeployParameters["roles"], deployer: string): ResolvedRoles {
  const resolved = {} as ResolvedRoles;
  for (const holder of ROLE_HOLDERS) resolved[holder] = getAddress(roles[holder] ?? deployer);
  return resolved;
}

export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
