/**
 * Ignition module "FuturesMarket": the market on the vault and the oracle, with the deployer
 * holding its roles at first, and registered with the vault (vault.registerMarket): only a
 * registered market moves cash and counts in the vault's margin checks.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import IndexOracleModule from "./IndexOracle.js";
import type { MarginVaultModule } from "./MarginVault.js";

export function futuresMarketModule(vaultModule: MarginVaultModule, deployer: string) {
  return buildModule("FuturesMarket", (m) => {
    const { oracle } = m.useModule(IndexOracleModule);
    const { vault } = m.useModule(vaultModule);
    const market = m.contract("FuturesMarket", [vault, oracle, deployer]);
    m.call(vault, "registerMarket", [market]);
    return { market, vault, oracle };
  });
}

export type FuturesMarketModule = ReturnType<typeof futuresMarketModule>;
