/**
 * The deployment's contracts, typed by TypeChain, and the ABIs whose errors the client decodes.
 *
 * The collateral token is typed with MockUSD's ABI: it is exactly the ERC-20 + ERC-2612 permit +
 * ERC-5267 (eip712Domain) surface of an OpenZeppelin stablecoin, and its errors are
 * OpenZeppelin's standard ones. The client never calls `mint`, so a real USDC works the same.
 */
import type { ContractRunner, InterfaceAbi } from "ethers";

import { FuturesMarket__factory } from "../../types/ethers-contracts/factories/market/FuturesMarket__factory.js";
import { SeriesRules__factory } from "../../types/ethers-contracts/factories/market/SeriesRules__factory.js";
import { MarginVault__factory } from "../../types/ethers-contracts/factories/vault/MarginVault__factory.js";
import { IndexOracle__factory } from "../../types/ethers-contracts/factories/oracle/IndexOracle__factory.js";
import { MockUSD__factory } from "../../types/ethers-contracts/factories/mocks/MockUSD__factory.js";
import type { FuturesMarket } from "../../types/ethers-contracts/market/FuturesMarket.js";
import type { MarginVault } from "../../types/ethers-contracts/vault/MarginVault.js";
import type { IndexOracle } from "../../types/ethers-contracts/oracle/IndexOracle.js";
import type { MockUSD } from "../../types/ethers-contracts/mocks/MockUSD.js";
import type { Deployment } from "./deployment.js";

export type { FuturesMarket, MarginVault, IndexOracle, MockUSD };

export interface CfxContracts {
  market: FuturesMarket;
  vault: MarginVault;
  oracle: IndexOracle;
  /** The collateral stablecoin (ERC-20 with ERC-2612 permit). */
  token: MockUSD;
}

export function connectContracts(runner: ContractRunner, deployment: Deployment): CfxContracts {
  return {
    market: FuturesMarket__factory.connect(deployment.market, runner),
    vault: MarginVault__factory.connect(deployment.vault, runner),
    oracle: IndexOracle__factory.connect(deployment.oracle, runner),
    token: MockUSD__factory.connect(deployment.token, runner),
  };
}

/** Every ABI a revert met through the client can come from (the market's listing rules included). */
export const ERROR_ABIS: readonly InterfaceAbi[] = [
  FuturesMarket__factory.abi,
  SeriesRules__factory.abi,
  MarginVault__factory.abi,
  IndexOracle__factory.abi,
  MockUSD__factory.abi,
];
