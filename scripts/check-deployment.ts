/**
 * Reads a deployed system back and checks its wiring against the parameters file
 * (deploy/checkDeployment.ts); prints one line per check and exits 1 if any failed.
 *
 *   npx hardhat run scripts/check-deployment.ts --network localhost
 *
 * Environment: CFX_DEPLOY_PARAMS (default deploy/parameters/local.json), CFX_DEPLOYMENT (default
 * deployments/<network>.json), CFX_DEPLOYER (who deployed: the holder of every role the
 * parameters leave out; default the network's first account), CFX_CHECK_MONTHS (e.g.
 * "2026-12,2027-01": the months whose series must be listed; default every month listed).
 */
import { network } from "hardhat";

import { allPassed, checkDeployment } from "../deploy/checkDeployment.js";
import { loadParameters } from "../deploy/parameters.js";
import { checkTable } from "../deploy/report.js";
import { deploymentFile, monthsVariable, parametersFile, readDeployment } from "../deploy/scriptEnv.js";

try {
  const parameters = await loadParameters(parametersFile());
  const connection = await network.create();
  const file = deploymentFile(connection.networkName);
  const deployment = await readDeployment(file);
  const deployer = process.env.CFX_DEPLOYER ?? (await connection.ethers.getSigners())[0]?.address;
  console.log(`checking ${file} against ${parametersFile()} on ${connection.networkName}\n`);
  const results = await checkDeployment(connection.ethers.provider, deployment, parameters, {
    deployer,
    months: monthsVariable("CFX_CHECK_MONTHS"),
  });
  console.log(checkTable(results));
  if (!allPassed(results)) process.exitCode = 1;
} catch (error) {
  console.error(`check failed to run: ${(error as Error).message}`);
  process.exitCode = 1;
}
