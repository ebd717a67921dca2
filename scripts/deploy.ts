/**
 * Deploys the whole system with Ignition (deploy/modules/), writes deployments/<network>.json,
 * prints the addresses and the launch series, and runs the post-deploy check.
 *
 *   npx hardhat node                                          # another terminal: a local chain
 *   npx hardhat run scripts/deploy.ts --network localhost
 *   CFX_DEPLOY_PARAMS=deploy/parameters/sepolia.json npx hardhat run scripts/deploy.ts --network sepolia
 *
 * Environment: CFX_DEPLOY_PARAMS (default deploy/parameters/local.json), CFX_DEPLOYMENTS_DIR
 * (default deployments). Exits 1 on a bad parameter, a failed deploy or a failed check.
 * docs/deploy.md has the details.
 */
import { network } from "hardhat";

import { allPassed, checkDeployment } from "../deploy/checkDeployment.js";
import { deploySystem, writeDeployment } from "../deploy/deploySystem.js";
import { loadParameters } from "../deploy/parameters.js";
import { addressTable, checkTable, seriesTable } from "../deploy/report.js";
import { deploymentsDir, parametersFile } from "../deploy/scriptEnv.js";

try {
  const file = parametersFile();
  const parameters = await loadParameters(file);
  const connection = await network.create();
  console.log(`deploying ${file} to ${connection.networkName}`);
  const { deployment, series, plan } = await deploySystem(connection, parameters, {
    displayUi: true,
    where: file,
    log: (line) => console.log(line),
  });
  const written = await writeDeployment(deployment, deploymentsDir());

  console.log(`\n${deployment.network} (chain ${deployment.chainId}) from block ${deployment.startBlock}, deployer ${plan.deployer}`);
  console.log(addressTable(deployment));
  console.log(`\nlaunch series\n${seriesTable(series)}`);
  console.log(`\nwrote ${written}\n`);

  const results = await checkDeployment(connection.ethers.provider, deployment, parameters, { deployer: plan.deployer });
  console.log(checkTable(results));
  if (!allPassed(results)) process.exitCode = 1;
} catch (error) {
  console.error(`deploy failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
