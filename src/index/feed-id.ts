/**
 * The on-chain id of a feed: the `bytes32` key under which the IndexOracle stores it.
 */
import { id } from "ethers";

/**
 * keccak256 of the feed's name in UTF-8, e.g. `feedId("H100-HOUR")`. The same formula as
 * `feedId` in test/helpers/oracle.ts and the deploy scripts (docs/oracle.md, "Feeds"); this is the
 * one to import outside the tests.
 */
export function feedId(name: string): string {
  return id(name);
}
