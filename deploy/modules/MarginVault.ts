/**
 * Ignition module "MarginVault": the vault holding the stablecoin, with the deployer as its first
 * admin and fee manager (the market module registers the market with it; the Roles module hands
 * both roles over).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import type { TokenModule } from "./Token.js";

export function marginVaultModule(tokenModule: TokenModule, deployer: string) {
  return buildModule("MarginVault", (m) => {
    const { token } = m.useModule(tokenModule);
    const vault = m.contract("MarginVault", [token, deployer]);
    return { vault };
  });
}

export type MarginVaultModule = ReturnType<typeof marginVaultModule>;
