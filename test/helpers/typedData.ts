/**
 * The JSON payload of `eth_signTypedData_v4`: what a wallet receives over JSON-RPC. Unlike
 * ethers' `signTypedData`, it lists the EIP712Domain type explicitly and carries numbers as
 * decimal strings (JSON has no bigint).
 */
import type { TypedDataDomain, TypedDataField } from "ethers";

const EIP712_DOMAIN: TypedDataField[] = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
];

export function typedDataV4Json(
  domain: TypedDataDomain,
  types: Record<string, readonly TypedDataField[]>,
  primaryType: string,
  message: Record<string, unknown>,
): string {
  return JSON.stringify({
    types: { EIP712Domain: EIP712_DOMAIN, ...types },
    primaryType,
    domain: {
      name: domain.name,
      version: domain.version,
      chainId: Number(domain.chainId),
      verifyingContract: domain.verifyingContract,
    },
    message,
  }, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
}
