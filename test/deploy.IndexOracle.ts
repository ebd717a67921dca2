import { expect } from "chai";
import { network } from "hardhat";

import IndexOracleModule from "../deploy/modules/IndexOracle.js";

const { ethers, ignition } = await network.create();

describe("deploy/modules/IndexOracle", function () {
  it("deploys the oracle with the deployer as admin and guardian by default", async function () {
    const [deployer] = await ethers.getSigners();
    const { oracle } = await ignition.deploy(IndexOracleModule);
    expect(await oracle.hasRole(await oracle.DEFAULT_ADMIN_ROLE(), deployer.address)).to.equal(true);
    expect(await oracle.hasRole(await oracle.GUARDIAN_ROLE(), deployer.address)).to.equal(true);
  });

  it("grants the roles to the admin and guardian given as parameters", async function () {
    const [deployer, admin, guardian] = await ethers.getSigners();
    const { oracle } = await ignition.deploy(IndexOracleModule, {
      parameters: { IndexOracle: { admin: admin.address, guardian: guardian.address } },
    });
    expect(await oracle.hasRole(await oracle.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
    expect(await oracle.hasRole(await oracle.GUARDIAN_ROLE(), guardian.address)).to.equal(true);
    expect(await oracle.hasRole(await oracle.DEFAULT_ADMIN_ROLE(), deployer.address)).to.equal(false);
  });
});
