/**
 * `inputsHash`: keccak256 of the canonical ABI encoding of the quotes a computation used, so that
 * anyone holding the inputs can check a signed observation (docs/methodology.md, "inputsHash").
 *
 *   inputsHash = keccak256(abi.encode(
 *     bytes32 feedId,              // keccak256 of the feed name in UTF-8
 *     uint256 methodologyVersion,
 *     UsedQuote[] quotes           // sorted by compareQuotes
 *   ))
 *   UsedQuote = (string constituent, string source, string kind, uint256 price,
 *                uint256 observedAt, uint256 weight)   // kind: "transaction" | "firm" | "indicative"
 *                                                      // price: WAD; weight: 0 when absent
 */
import { AbiCoder, keccak256 } from "ethers";

import { feedId } from "./feed-id.js";
import { compareQuotes } from "./quote-order.js";
import type { Quote } from "./types.js";

/** The ABI types of the encoding, in order. */
export const INPUTS_ABI_TYPES = [
  "bytes32",
  "uint256",
  "tuple(string constituent,string source,string kind,uint256 price,uint256 observedAt,uint256 weight)[]",
] as const;

/** The canonical ABI encoding (hex) of the used quotes of one computation of feed `feedName`. */
export function encodeInputs(feedName: string, methodologyVersion: number, used: readonly Quote[]): string {
  const quotes = [...used]
    .sort(compareQuotes)
    .map((quote) => [quote.constituent, quote.source, quote.kind, quote.price, quote.observedAt, quote.weight ?? 0n]);
  return AbiCoder.defaultAbiCoder().encode(INPUTS_ABI_TYPES, [feedId(feedName), methodologyVersion, quotes]);
}

/** keccak256 of `encodeInputs`: the `inputsHash` a relayer signs. */
export function inputsHash(feedName: string, methodologyVersion: number, used: readonly Quote[]): string {
  return keccak256(encodeInputs(feedName, methodologyVersion, used));
}
