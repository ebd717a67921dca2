/**
 * Deploys with the parameters the testnets use: role holders other than the deployer, and an
 * existing stablecoin instead of a MockUSD.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { getAddress, id } from "ethers";
import { network } from "hardhat";

import { checkDeployment } from "../../deploy/checkDeployment.js";
import { deploySystem } from "../../deploy/deploySystem.js";
import type { DeployParametersInput } from "../../deploy/parameters.js";
import { ROLE_ASSIGNMENTS, roleId } from "../../deploy/roles.js";
import { FuturesMarket__factory, IndexOracle__factory, MarginVault__factory } from "../../types/ethers-contracts/index.js";

const local = JSON.parse(await readFile("deploy/parameters/local.json", "utf8")) as DeployParametersInput;
const connection = await network.create();
const { ethers, networkHelpers } = connection;

/** Every contract created by a transaction in blocks (from, to]. */
async function contractsCreated(from: number, to: number): Promise<string[]> {
  const created: string[] = [];
  for (let n = from + 1; n <= to; n++) {
    const block = (await ethers.provider.getBlock(n))!;
    for (const hash of block.transactions) {
      const receipt = (await ethers.provider.getTransactionReceipt(hash))!;
      if (receipt.contractAddress !== null) created.push(getAddress(receipt.contractAddress));
    }
  }
  return created.sort();
}

async function deployWithRoles() {
  const [deployer, admin, guardian, lister, keeper, feeManager] = await ethers.getSigners();
  const holders = { admin, guardian, lister, deleverager: keeper, feeManager };
  const parameters = {
    ...local,
    roles: Object.fromEntries(Object.entries(holders).map(([name, signer]) => [name, signer.address])),
  };
  const result = await deploySystem(connection, parameters);
  return { ...result, parameters, deployer, holders };
}

async function deployWithExistingToken() {
  const [deployer] = await ethers.getSigners();
  const existing = await ethers.deployContract("MockUSD");
  const token = await existing.getAddress();
  const before = await ethers.provider.getBlockNumber();
  const parameters = { ...local, token };
  const result = await deploySystem(connection, parameters);
  const after = await ethers.provider.getBlockNumber();
  return { ...result, parameters, deployer, token, created: await contractsCreated(before, after) };
}

describe("deploy/deploySystem with role holders", function () {
  it("gives each role to its holder from the parameters", async function () {
    const { deployment, holders } = await networkHelpers.loadFixture(deployWithRoles);
    const contracts = {
      IndexOracle: IndexOracle__factory.connect(deployment.oracle, ethers.provider),
      MarginVault: MarginVault__factory.connect(deployment.vault, ethers.provider),
      FuturesMarket: FuturesMarket__factory.connect(deployment.market, ethers.provider),
    };
    for (const a of ROLE_ASSIGNMENTS) {
      const holder = holders[a.holder].address;
      expect(await contracts[a.contract].hasRole(roleId(a.role), holder), `${a.contract}.${a.role} held by ${a.holder}`).to.equal(true);
    }
    // One spelled-out case, independent of the role table: the lister lists.
    expect(await contracts.FuturesMarket.hasRole(id("LISTER_ROLE"), holders.lister.address)).to.equal(true);
  });

  it("leaves the deployer without any role", async function () {
    const { deployment, deployer } = await networkHelpers.loadFixture(deployWithRoles);
    const contracts = {
      IndexOracle: IndexOracle__factory.connect(deployment.oracle, ethers.provider),
      MarginVault: MarginVault__factory.connect(deployment.vault, ethers.provider),
      FuturesMarket: FuturesMarket__factory.connect(deployment.market, ethers.provider),
    };
    for (const a of ROLE_ASSIGNMENTS) {
      expect(await contracts[a.contract].hasRole(roleId(a.role), deployer.address), `${a.contract}.${a.role}`).to.equal(false);
    }
  });

  it("passes the check, each role held by its holder only", async function () {
    const { deployment, parameters, deployer, holders } = await networkHelpers.loadFixture(deployWithRoles);
    const results = await checkDeployment(ethers.provider, deployment, parameters, { deployer: deployer.address });
    expect(results.filter((r) => !r.ok)).to.deep.equal([]);
    expect(results.find((r) => r.check === "role FuturesMarket.LISTER_ROLE")!.detail).to.equal(
      `held by ${holders.lister.address} (lister) only`,
    );
  });

  it("fails the check when the deployer kept a role it should have renounced", async function () {
    const { deployment, parameters, deployer, holders } = await networkHelpers.loadFixture(deployWithRoles);
    const market = FuturesMarket__factory.connect(deployment.market, holders.admin);
    await (await market.grantRole(id("GUARDIAN_ROLE"), deployer.address)).wait();
    const results = await checkDeployment(ethers.provider, deployment, parameters, { deployer: deployer.address });
    expect(results.filter((r) => !r.ok)).to.deep.equal([
      { check: "role FuturesMarket.GUARDIAN_ROLE", ok: false, detail: `also held by ${deployer.address} (deployer)` },
    ]);
  });
});

describe("deploy/deploySystem with an existing token", function () {
  it("uses the token for the vault and the deployment", async function () {
    const { deployment, token } = await networkHelpers.loadFixture(deployWithExistingToken);
    expect(deployment.token).to.equal(token);
    expect(await MarginVault__factory.connect(deployment.vault, ethers.provider).token()).to.equal(token);
  });

  it("deploys no token: the only contracts created are the oracle, the adapters, the vault and the market", async function () {
    const { deployment, created } = await networkHelpers.loadFixture(deployWithExistingToken);
    const ours = [deployment.oracle, deployment.vault, deployment.market, ...deployment.feeds.map((f) => f.adapter)];
    expect(created).to.deep.equal(ours.map((a) => getAddress(a)).sort());
  });

  it("starts the deployment after the token, at its own first contract", async function () {
    const { deployment, token } = await networkHelpers.loadFixture(deployWithExistingToken);
    expect(await ethers.provider.getCode(token, deployment.startBlock - 1)).to.not.equal("0x");
    expect(await ethers.provider.getCode(deployment.oracle, deployment.startBlock - 1)).to.equal("0x");
  });

  it("passes the check, which reports the parameters' token", async function () {
    const { deployment, parameters, deployer } = await networkHelpers.loadFixture(deployWithExistingToken);
    const results = await checkDeployment(ethers.provider, deployment, parameters, { deployer: deployer.address });
    expect(results.filter((r) => !r.ok)).to.deep.equal([]);
    expect(results.find((r) => r.check === "token")!.detail).to.equal(`${deployment.token} (mUSD, 6 decimals), the parameters' token`);
  });

  it("fails the token check when the deployment names another token than the parameters", async function () {
    const { deployment, parameters, deployer } = await networkHelpers.loadFixture(deployWithExistingToken);
    const other = await ethers.deployContract("MockUSD");
    const results = await checkDeployment(ethers.provider, deployment, { ...parameters, token: await other.getAddress() }, {
      deployer: deployer.address,
    });
    const token = results.find((r) => r.check === "token")!;
    expect(token.ok).to.equal(false);
    expect(token.detail).to.equal(`${deployment.token} (mUSD, 6 decimals), expected the parameters' token ${await other.getAddress()}`);
  });
});
