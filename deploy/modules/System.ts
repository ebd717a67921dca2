/**
 * Ignition module "ComputeFutures": the whole system from a plan (deploy/plan.ts), composed of one
 * module per concern:
 *
 *   Token          MockUSD, or the existing stablecoin
 *   IndexOracle    the oracle (admin: the deployer until Roles; guardian from the parameters)
 *   Feeds          oracle.addFeed per feed: signers, f, guard parameters, ring capacity
 *   FeedAdapters   one IndexFeedAdapter (Chainlink AggregatorV3) per feed
 *   MarginVault    the vault on the token
 *   FuturesMarket  the market on the vault and the oracle, registered with the vault
 *   LaunchSeries   listSeries for each product and launch month
 *   Roles          every role handed to its holder, the deployer renouncing the rest
 *
 * Deploy it with deploy/deploySystem.ts, which builds the plan and passes `systemParameters(plan)`.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import type { SystemPlan } from "../plan.js";
import { feedAdaptersModule } from "./FeedAdapters.js";
import { feedsModule } from "./Feeds.js";
import { futuresMarketModule } from "./FuturesMarket.js";
import { launchSeriesModule } from "./LaunchSeries.js";
import { marginVaultModule } from "./MarginVault.js";
import { rolesModule } from "./Roles.js";
import { tokenModule } from "./Token.js";

export function systemModule(plan: SystemPlan) {
  const token = tokenModule(plan.token);
  const feeds = feedsModule(plan.feeds);
  const adapters = feedAdaptersModule(plan.feeds);
  const vault = marginVaultModule(token, plan.deployer);
  const market = futuresMarketModule(vault, plan.deployer);
  const series = launchSeriesModule(market, feeds, plan.series);
  const roles = rolesModule({ feeds, market, series }, plan.roles, plan.deployer);

  return buildModule("ComputeFutures", (m) => {
    const { token: tokenContract } = m.useModule(token);
    const { oracle, vault: vaultContract, market: marketContract } = m.useModule(roles);
    const adapterContracts = m.useModule(adapters);
    return { token: tokenContract, oracle, vault: vaultContract, market: marketContract, ...adapterContracts };
  });
}

/** The Ignition parameters of the system's modules: the oracle's constructor roles. */
export function systemParameters(plan: SystemPlan) {
  return { IndexOracle: { admin: plan.deployer, guardian: plan.roles.guardian } };
}
