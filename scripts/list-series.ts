/**
 * Lists a month's series on a deployed market, one per product of the parameters file, skipping
 * those already listed (deploy/listSeries.ts). Not a redeploy: one listSeries transaction each.
 *
 *   npx hardhat run scripts/list-series.ts --network localhost               # the next month
 *   CFX_LIST_MONTH=2027-03 npx hardhat run scripts/list-series.ts --network localhost
 *
 * Environment: CFX_LIST_MONTH (YYYY-MM; default the month after the latest listed, or that month
 * if a product still lacks its series), CFX_LISTER (the listing account, one of the network's
 * accounts, holding LISTER_ROLE; default the first), CFX_DEPLOY_PARAMS (default
 * deploy/parameters/local.json), CFX_DEPLOYMENT (default deployments/<network>.json).
 */
import { network } from "hardhat";

import { describeListing, listMonthSeries } from "../deploy/listSeries.js";
import { loadParameters } from "../deploy/parameters.js";
import { deploymentFile, monthVariable, parametersFile, readDeployment } from "../deploy/scriptEnv.js";

try {
  const parameters = await loadParameters(parametersFile());
  const connection = await network.create();
  const deployment = await readDeployment(deploymentFile(connection.networkName));
  const lister = process.env.CFX_LISTER;
  const signer = lister === undefined ? (await connection.ethers.getSigners())[0] : await connection.ethers.getSigner(lister);
  const result = await listMonthSeries(signer, deployment, parameters, { month: monthVariable("CFX_LIST_MONTH") });
  console.log(describeListing(result).join("\n"));
} catch (error) {
  console.error(`listing failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
