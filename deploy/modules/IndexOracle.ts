/**
 * Ignition module: the IndexOracle with its admin and guardian. Feeds, signers and adapters are
 * added by the full-system modules (issue 5); this one is the oracle on its own.
 *
 *   npx hardhat ignition deploy deploy/modules/IndexOracle.ts --network localhost
 *
 * Parameters (IndexOracle.admin, IndexOracle.guardian) default to the deploying account.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export default buildModule("IndexOracle", (m) => {
  const deployer = m.getAccount(0);
  const admin = m.getParameter("admin", deployer);
  const guardian = m.getParameter("guardian", deployer);
  const oracle = m.contract("IndexOracle", [admin, guardian]);
  return { oracle };
});
