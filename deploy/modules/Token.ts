/**
 * Ignition module "Token": the USD stablecoin the vault holds. An existing token (USDC on a
 * testnet or mainnet) when its address is given, otherwise a MockUSD — test-only, anyone may
 * mint it, so the deploy allows it on local chains only (deploy/plan.ts).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { Interface } from "ethers";

/** What the deploy and the check read of an existing token; no bytecode: it is never deployed. */
const EXISTING_TOKEN_ARTIFACT = {
  _format: "hh3-artifact-1",
  contractName: "IERC20Metadata",
  sourceName: "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol",
  abi: JSON.parse(
    new Interface([
      "function name() view returns (string)",
      "function symbol() view returns (string)",
      "function decimals() view returns (uint8)",
      "function totalSupply() view returns (uint256)",
      "function balanceOf(address) view returns (uint256)",
    ]).formatJson(),
  ),
  bytecode: "0x",
  deployedBytecode: "0x",
  linkReferences: {},
  deployedLinkReferences: {},
};

export function tokenModule(existing: string | undefined) {
  return buildModule("Token", (m) => {
    const token =
      existing === undefined
        ? m.contract("MockUSD", [], { id: "MockUSD" })
        : m.contractAt("ExistingToken", EXISTING_TOKEN_ARTIFACT, existing, { id: "ExistingToken" });
    return { token };
  });
}

export type TokenModule = ReturnType<typeof tokenModule>;
