/**
 * Deploying to a real `hardhat node` (an HTTP network, so Ignition keeps its journal under
 * deploy/deployments/<id>/): a repeated run deploys nothing, even a month later, and after the
 * node restarts the stale journal is discarded and the system deployed afresh.
 */
import { expect } from "chai";
import { readFile, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { deploySystem, type DeployResult } from "../../deploy/deploySystem.js";
import { HardhatNode, STARTUP_TIMEOUT_MS, freePort } from "../helpers/hardhatNode.js";

const LOCAL = "deploy/parameters/local.json";
// A deployment id of this run only: the journal folder is removed afterwards.
const DEPLOYMENT_ID = `test-journal-${process.pid}`;
const JOURNAL = join("deploy", "deployments", DEPLOYMENT_ID);

async function startNode(): Promise<{ node: HardhatNode; connection: NetworkConnection }> {
  const node = new HardhatNode(await freePort());
  await node.ready(STARTUP_TIMEOUT_MS);
  const connection = await network.create({ network: "localhost", override: { url: node.url } });
  return { node, connection };
}

describe("deploy/deploySystem on a node, with Ignition's journal", function () {
  this.timeout(180_000);

  let node: HardhatNode | undefined;
  let connection: NetworkConnection;
  let first: DeployResult;

  before(async function () {
    ({ node, connection } = await startNode());
    first = await deploySystem(connection, LOCAL, { deploymentId: DEPLOYMENT_ID });
  });

  after(async function () {
    await connection?.close();
    await node?.stop();
    await rm(JOURNAL, { recursive: true, force: true });
    await rmdir(join("deploy", "deployments")).catch(() => undefined); // only if nothing else is there
  });

  it("journals the deploy and records the first launch month", async function () {
    const recorded = JSON.parse(await readFile(join(JOURNAL, "cfx-launch.json"), "utf8")) as { firstMonth: string };
    const firstExpiry = new Date(Number(first.series[0].params.expiry) * 1000);
    const month = `${firstExpiry.getUTCFullYear()}-${String(firstExpiry.getUTCMonth() + 1).padStart(2, "0")}`;
    expect(recorded.firstMonth).to.equal(month);
    const addresses = JSON.parse(await readFile(join(JOURNAL, "deployed_addresses.json"), "utf8")) as Record<string, string>;
    expect(addresses["FuturesMarket#FuturesMarket"]).to.equal(first.deployment.market);
  });

  it("takes the start block from the journal: the block that created the first contract", async function () {
    const { provider } = connection.ethers;
    const { startBlock, oracle, token } = first.deployment;
    const codeAt = (block: number) => Promise.all([oracle, token].map((a) => provider.getCode(a, block)));
    expect((await codeAt(startBlock - 1)).every((code) => code === "0x")).to.equal(true);
    expect((await codeAt(startBlock)).some((code) => code !== "0x")).to.equal(true);
  });

  it("deploys nothing when run again", async function () {
    const block = await connection.ethers.provider.getBlockNumber();
    const again = await deploySystem(connection, LOCAL, { deploymentId: DEPLOYMENT_ID });
    expect(again.deployment).to.deep.equal(first.deployment);
    expect(await connection.ethers.provider.getBlockNumber()).to.equal(block);
  });

  it("deploys nothing when run again 40 days later, the launch months unchanged", async function () {
    await connection.ethers.provider.send("evm_increaseTime", [40 * 86_400]);
    await connection.ethers.provider.send("evm_mine", []);
    const block = await connection.ethers.provider.getBlockNumber();
    const later = await deploySystem(connection, LOCAL, { deploymentId: DEPLOYMENT_ID });
    expect(later.series.map((s) => s.id)).to.deep.equal(first.series.map((s) => s.id));
    expect(await connection.ethers.provider.getBlockNumber()).to.equal(block);
  });

  it("discards the journal of a node that restarted and deploys afresh", async function () {
    await connection.close();
    await node!.stop();
    ({ node, connection } = await startNode());
    const lines: string[] = [];
    const fresh = await deploySystem(connection, LOCAL, { deploymentId: DEPLOYMENT_ID, log: (line) => lines.push(line) });
    expect(lines.some((line) => line.startsWith(`discarded ${join(process.cwd(), JOURNAL)}`)), lines.join("\n")).to.equal(true);
    for (const address of [fresh.deployment.oracle, fresh.deployment.vault, fresh.deployment.market]) {
      expect(await connection.ethers.provider.getCode(address), address).to.not.equal("0x");
    }
  });
});
