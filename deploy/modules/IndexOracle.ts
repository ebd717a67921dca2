/**
 * Ignition module "IndexOracle": the oracle with its admin and guardian. Usable on its own,
 *
 *   npx hardhat ignition deploy deploy/modules/IndexOracle.ts --network localhost
 *
 * and as part of the whole system (System.ts), whose deploy passes the deployer as `admin` (it
 * adds the feeds, then the Roles module hands the role over) and the parameters' guardian.
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
