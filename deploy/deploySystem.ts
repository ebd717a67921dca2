/**
 * The deploy entry point, for a Hardhat script (scripts/deploy.ts) and for code (tests, the demo):
 * validate the parameters, plan the system at the chain's current time, run the Ignition modules
 * (deploy/modules/System.ts) and describe the result as a client `Deployment`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { getAddress, type Provider } from "ethers";
import { config } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { parseDeployment, type Deployment } from "../src/client/deployment.js";
import { feedId } from "../src/index/feed-id.js";
import { FuturesMarket__factory } from "../types/ethers-contracts/index.js";
import {
  defaultDeploymentId,
  discardStaleJournal,
  journalCreationBlock,
  readLaunchMonth,
  recordedAddress,
  writeLaunchMonth,
} from "./journal.js";
import { isListed } from "./listedSeries.js";
import { adapterKey } from "./modules/FeedAdapters.js";
import { systemModule, systemParameters } from "./modules/System.js";
import { loadParameters, parseParameters, type DeployParametersInput } from "./parameters.js";
import { buildPlan, validatePlan, type PlannedSeries, type SystemPlan } from "./plan.js";
import { creationBlock } from "./startBlock.js";

export interface DeployOptions {
  /** The deploying account (it must be one of the connection's accounts); default: the first. */
  deployer?: string;
  /** Ignition's deployment id (its journal folder under deploy/deployments/); default chain-<id>. */
  deploymentId?: string;
  /** Show Ignition's progress display. */
  displayUi?: boolean;
  /** Names the parameters in error messages when they are given as an object (e.g. their file). */
  where?: string;
  /** Progress lines (a stale local journal discarded, ...). */
  log?: (line: string) => void;
}

export interface DeployResult {
  deployment: Deployment;
  /** The launch series listed, with their ids. */
  series: PlannedSeries[];
  /** Everything the deploy decided: role holders (defaults resolved), months, the deployer. */
  plan: SystemPlan;
}

/**
 * Deploys the system described by `parameters` (a parameters file, or its content) on
 * `connection`'s network. On a network with an Ignition journal (not the in-process one) a
 * repeated run with the same parameters deploys nothing, and an interrupted one resumes.
 */
export async function deploySystem(
  connection: NetworkConnection,
  parameters: DeployParametersInput | string,
  options: DeployOptions = {},
): Promise<DeployResult> {
  const where = typeof parameters === "string" ? parameters : (options.where ?? "parameters");
  const valid = typeof parameters === "string" ? await loadParameters(parameters) : parseParameters(parameters, where);
  const { ethers } = connection;
  const provider = ethers.provider;
  const deployer = getAddress(options.deployer ?? (await ethers.getSigners())[0].address);
  const chainId = Number((await provider.getNetwork()).chainId);
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);

  // The in-process network keeps no journal (Ignition deploys it from memory every time).
  const deploymentId = options.deploymentId ?? defaultDeploymentId(chainId);
  const journal =
    connection.networkConfig.type === "edr-simulated" ? undefined : join(config.paths.ignition, "deployments", deploymentId);
  if (journal !== undefined && (await discardStaleJournal(provider, journal, chainId))) {
    options.log?.(`discarded ${journal}: its contracts are not on this chain (a restarted local node)`);
  }
  // A resumed or repeated deploy plans the months the first run planned (see readLaunchMonth).
  const recordedMonth = journal === undefined ? undefined : await readLaunchMonth(journal);
  const plan = buildPlan(valid, deployer, now, chainId, where, recordedMonth);
  validatePlan(plan, valid, now, where, journal === undefined ? undefined : await listedBefore(journal, provider, plan.series));
  if (journal !== undefined) await writeLaunchMonth(journal, plan.months[0]);

  const contracts = await connection.ignition.deploy(systemModule(plan), {
    parameters: systemParameters(plan),
    defaultSender: deployer,
    deploymentId,
    displayUi: options.displayUi ?? false,
  });

  // The adapters' result keys depend on the feeds: index the result by name.
  const byKey = contracts as unknown as Record<string, { getAddress(): Promise<string> }>;
  const addressOf = async (key: string) => getAddress(await byKey[key].getAddress());
  const [token, oracle, vault, market] = await Promise.all(["token", "oracle", "vault", "market"].map(addressOf));
  const feeds = await Promise.all(
    plan.feeds.map(async (feed) => ({ name: feed.name, id: feedId(feed.name), adapter: await addressOf(adapterKey(feed.name)) })),
  );
  // The token is not ours when it already existed: the deployment starts at our first contract.
  const created = [oracle, vault, market, ...feeds.map((f) => f.adapter), ...(plan.token === undefined ? [token] : [])];
  const startBlock =
    (journal === undefined ? undefined : await journalCreationBlock(journal, created)) ?? (await creationBlock(provider, created));

  const deployment: Deployment = { network: connection.networkName, chainId, startBlock, token, oracle, vault, market, feeds };
  return { deployment, series: plan.series, plan };
}

/** The planned series that the market an earlier run deployed already lists. */
async function listedBefore(journal: string, provider: Provider, series: PlannedSeries[]): Promise<Set<string>> {
  const address = await recordedAddress(journal, "FuturesMarket#FuturesMarket");
  if (address === undefined) return new Set();
  const market = FuturesMarket__factory.connect(address, provider);
  const listed = await Promise.all(series.map(async (s) => ((await isListed(market, s.id)) ? s.id : undefined)));
  return new Set(listed.filter((id) => id !== undefined));
}

/** Writes `<dir>/<network>.json` (the client's deployment file) and returns its path. */
export async function writeDeployment(deployment: Deployment, dir = "deployments"): Promise<string> {
  const file = join(dir, `${deployment.network}.json`);
  parseDeployment(deployment, file); // never write a file the client would refuse
  await mkdir(dir, { recursive: true });
  await writeFile(file, `${JSON.stringify(deployment, null, 2)}\n`);
  return file;
}
