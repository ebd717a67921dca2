/**
 * `cfx deploy`: the whole system in one command, as scripts/deploy.ts does it (deploy/deploySystem.ts:
 * Ignition modules, then the deployment file, then the read-back check), called in-process so
 * that `--rpc` can point the Hardhat network at any node and the output can be JSON.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { Command } from "commander";

import { allPassed, checkDeployment } from "../../deploy/checkDeployment.js";
import { loadParameters } from "../../deploy/parameters.js";
import { addressTable, checkTable, seriesTable } from "../../deploy/report.js";
import { deploymentsDir, parametersFile } from "../../deploy/scriptEnv.js";
import { parseDeployment, type Deployment } from "../client/index.js";
import { UsageError } from "./errors.js";
import { loadKey } from "./key.js";
import { DEFAULT_NETWORK, LOCALHOST_RPC, withKey, type KeyOptions } from "./options.js";
import { note, printResult } from "./output.js";
import { chainIdAt } from "./rpc.js";

interface DeployOptions extends KeyOptions {
  network: string;
  params?: string;
  rpc?: string;
  deployment?: string;
  deploymentId?: string;
  compile: boolean;
  json?: boolean;
}

export function deployCommand(): Command {
  const command = new Command("deploy")
    .description(
      "deploy the system (stablecoin or existing token, oracle and feeds, adapters, vault, market, launch series, roles), write the deployment file and check it",
    )
    .option("--network <name>", "a network of hardhat.config.ts (localhost, sepolia, ...)", DEFAULT_NETWORK)
    .option("--params <file>", "deploy parameters (default $CFX_DEPLOY_PARAMS, else deploy/parameters/local.json)")
    .option("--rpc <url>", "JSON-RPC URL of the network (overrides hardhat.config.ts; localhost is http://127.0.0.1:8545)")
    .option("--deployment <file>", "where to write the deployment (default deployments/<network>.json)")
    .option("--deployment-id <id>", "Ignition deployment id; its journal is deploy/deployments/<id>/ (default chain-<chainId>)")
    .option("--no-compile", "do not compile the contracts first (the artifacts must be current)")
    .option("--json", "print the deployment, the series and the check as JSON (no Ignition progress)")
    .addHelpText(
      "after",
      `
The deployer is the network's first account (hardhat.config.ts; on \`npx hardhat node\` account #0)
unless --key-env or --keystore is given. Running it again with the same parameters deploys nothing.

Examples:
  npx hardhat node                                   # another terminal
  cfx deploy                                         # localhost, deploy/parameters/local.json
  cfx deploy --rpc http://127.0.0.1:8546 --deployment /tmp/dev.json
  cfx deploy --network sepolia --params deploy/parameters/sepolia.json --keystore deployer.json --passphrase-file pass.txt`,
    )
    .action(async function (this: Command, options: DeployOptions) {
      const explicitKey = this.getOptionValueSource("keyEnv") === "cli" || options.keystore !== undefined;
      await deploy(options, explicitKey);
    });
  return withKey(command);
}

async function deploy(options: DeployOptions, explicitKey: boolean): Promise<void> {
  const json = options.json === true;
  // Everything that can be refused is checked before Hardhat loads.
  const file = options.params ?? parametersFile();
  const parameters = await loadParameters(file);
  const url = options.rpc ?? (options.network === "localhost" ? LOCALHOST_RPC : undefined);
  if (url !== undefined) await chainIdAt(url);
  const wallet = explicitKey ? await loadKey(options) : undefined;

  // Hardhat (and deploySystem, which imports it) load hardhat.config.ts: only this command needs them.
  const hardhat = await import("hardhat").catch((error: unknown) => {
    throw new UsageError(`cannot load hardhat.config.ts (run cfx deploy from the repository): ${(error as Error).message}`);
  });
  if (options.compile) await hardhat.tasks.getTask("build").run({ quiet: true, noTests: true });
  if (!(options.network in hardhat.config.networks)) {
    const known = Object.keys(hardhat.config.networks).join(", ");
    throw new UsageError(`--network: hardhat.config.ts has no network "${options.network}" (it has ${known})`);
  }
  const override = {
    ...(options.rpc === undefined ? {} : { url: options.rpc }),
    ...(wallet === undefined ? {} : { accounts: [wallet.privateKey] }),
  };
  const connection = await hardhat.network.create({ network: options.network, override });
  try {
    if (connection.networkConfig.type === "edr-simulated") {
      throw new UsageError(`--network ${options.network} is Hardhat's in-process chain, gone when cfx exits: deploy to a node (npx hardhat node, --network localhost)`);
    }
    const { deploySystem, writeDeployment } = await import("../../deploy/deploySystem.js");

    note(json, `deploying ${file} to ${connection.networkName}`);
    const { deployment, series, plan } = await deploySystem(connection, parameters, {
      displayUi: !json,
      where: file,
      deploymentId: options.deploymentId,
      log: (line) => note(json, line),
    });
    const written =
      options.deployment === undefined
        ? await writeDeployment(deployment, deploymentsDir())
        : await writeDeploymentTo(deployment, options.deployment);
    const checks = await checkDeployment(connection.ethers.provider, deployment, parameters, { deployer: plan.deployer });

    printResult(
      json,
      { file: written, deployment, deployer: plan.deployer, series, checks },
      () =>
        [
          `\n${deployment.network} (chain ${deployment.chainId}) from block ${deployment.startBlock}, deployer ${plan.deployer}`,
          addressTable(deployment),
          `\nlaunch series\n${seriesTable(series)}`,
          `\nwrote ${written}\n`,
          checkTable(checks),
        ].join("\n"),
    );
    if (!allPassed(checks)) throw new UsageError(`the deployment check failed (see the FAIL lines): ${written} is written but not right`);
  } finally {
    await connection.close();
  }
}

/** The deployment file at a path of the user's choosing (writeDeployment names it after the network). */
async function writeDeploymentTo(deployment: Deployment, file: string): Promise<string> {
  parseDeployment(deployment, file); // never write a file the client would refuse
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, `${JSON.stringify(deployment, null, 2)}\n`);
  return file;
}
