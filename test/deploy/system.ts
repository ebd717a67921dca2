/**
 * The whole system deployed from deploy/parameters/local.json on the in-process network, read
 * back contract by contract, and the post-deploy check passing on it and failing, with a precise
 * detail, on a deployment that is wired wrong.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { getAddress, id, parseUnits } from "ethers";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { checkDeployment, type CheckResult } from "../../deploy/checkDeployment.js";
import { deploySystem } from "../../deploy/deploySystem.js";
import type { DeployParametersInput } from "../../deploy/parameters.js";
import { addMonths, expiryOf, formatMonth, monthOfTime } from "../../deploy/series.js";
import {
  FuturesMarket__factory,
  IndexFeedAdapter__factory,
  IndexOracle__factory,
  MarginVault__factory,
} from "../../types/ethers-contracts/index.js";

const LOCAL = "deploy/parameters/local.json";
const local = JSON.parse(await readFile(LOCAL, "utf8")) as DeployParametersInput;

const connection = await network.create();
const { ethers, networkHelpers } = connection;

const DEFAULT_ADMIN_ROLE = "0x" + "00".repeat(32);
const LISTER_ROLE = id("LISTER_ROLE");

async function deployLocal({ ethers: e }: NetworkConnection) {
  const [deployer] = await e.getSigners();
  const result = await deploySystem(connection, LOCAL);
  return { ...result, deployer };
}

function resultOf(results: CheckResult[], check: string): CheckResult {
  const found = results.find((r) => r.check === check);
  expect(found, `a check named "${check}" among ${results.map((r) => r.check).join(" | ")}`).to.not.equal(undefined);
  return found!;
}

function failures(results: CheckResult[]): CheckResult[] {
  return results.filter((r) => !r.ok);
}

describe("deploy/deploySystem from local.json", function () {
  it("deploys a MockUSD, the oracle, the vault and the market, wired to each other", async function () {
    const { deployment } = await networkHelpers.loadFixture(deployLocal);
    const vault = MarginVault__factory.connect(deployment.vault, ethers.provider);
    const market = FuturesMarket__factory.connect(deployment.market, ethers.provider);
    const usd = await ethers.getContractAt("MockUSD", deployment.token);
    expect(await usd.decimals()).to.equal(6n);
    expect(await vault.token()).to.equal(deployment.token);
    expect(await vault.isMarket(deployment.market)).to.equal(true);
    expect(await market.vault()).to.equal(deployment.vault);
    expect(await market.oracle()).to.equal(deployment.oracle);
    expect(deployment.chainId).to.equal(Number((await ethers.provider.getNetwork()).chainId));
    expect(deployment.network).to.equal(connection.networkName);
  });

  it("starts at the block that created its first contract", async function () {
    const { deployment } = await networkHelpers.loadFixture(deployLocal);
    const addresses = [deployment.token, deployment.oracle, deployment.vault, deployment.market];
    const codeAt = (block: number) => Promise.all(addresses.map((a) => ethers.provider.getCode(a, block)));
    expect((await codeAt(deployment.startBlock - 1)).every((code) => code === "0x"), "nothing before").to.equal(true);
    expect((await codeAt(deployment.startBlock)).some((code) => code !== "0x"), "a contract at startBlock").to.equal(true);
  });

  it("adds each feed with the parameters' signers, f, guard parameters and ring, and an adapter reading it", async function () {
    const { deployment } = await networkHelpers.loadFixture(deployLocal);
    const oracle = IndexOracle__factory.connect(deployment.oracle, ethers.provider);
    expect(deployment.feeds.map((f) => f.name)).to.deep.equal(local.feeds.map((f) => f.name));
    for (const feed of local.feeds) {
      const entry = deployment.feeds.find((f) => f.name === feed.name)!;
      expect(entry.id).to.equal(id(feed.name));
      const info = await oracle.feedInfo(entry.id);
      expect(info.description).to.equal(feed.description);
      expect(info.signers.map(getAddress)).to.deep.equal(feed.signers.map(getAddress));
      expect(info.f).to.equal(BigInt(feed.f));
      expect(info.params.heartbeat).to.equal(BigInt(feed.params.heartbeat));
      expect(info.params.maxObservationAge).to.equal(BigInt(feed.params.maxObservationAge));
      expect(info.params.maxMoveBps).to.equal(BigInt(feed.params.maxMoveBps));
      expect(info.params.minUpdateInterval).to.equal(BigInt(feed.params.minUpdateInterval));
      expect(info.ringCapacity).to.equal(BigInt(feed.ringCapacity));
      const adapter = IndexFeedAdapter__factory.connect(entry.adapter, ethers.provider);
      expect(await adapter.oracle()).to.equal(deployment.oracle);
      expect(await adapter.feed()).to.equal(entry.id);
      expect(await adapter.description()).to.equal(feed.description);
    }
  });

  it("lists every product for the launch months, on last-Friday 08:00 UTC expiries, with the product's numbers", async function () {
    const { deployment, series } = await networkHelpers.loadFixture(deployLocal);
    const market = FuturesMarket__factory.connect(deployment.market, ethers.provider);
    const months = local.series!.months!;
    expect(series).to.have.length(local.products.length * months);
    for (const product of local.products) {
      const mine = series.filter((s) => s.product === product.symbol);
      // Consecutive months, one series each.
      const listedMonths = mine.map((s) => formatMonth(monthOfTime(s.params.expiry)));
      expect(new Set(listedMonths).size).to.equal(months);
      for (const s of mine) {
        const p = await market.seriesParams(s.id);
        expect(p.expiry, `${s.name} listed (an unknown series reads as zeros)`).to.not.equal(0n);
        const expiry = new Date(Number(p.expiry) * 1000);
        expect(expiry.getUTCDay(), `${s.name} expires on a Friday`).to.equal(5);
        expect([expiry.getUTCHours(), expiry.getUTCMinutes(), expiry.getUTCSeconds()]).to.deep.equal([8, 0, 0]);
        const weekLater = new Date(expiry.getTime() + 7 * 86_400_000);
        expect(weekLater.getUTCMonth(), `${s.name}: the last Friday of its month`).to.not.equal(expiry.getUTCMonth());
        expect(p.feed).to.equal(id(product.feed));
        expect(p.lastTradingTime).to.equal(p.expiry - BigInt(product.lastTradeBeforeExpiry!));
        expect(p.settlementWindow).to.equal(BigInt(product.settlementWindow!));
        expect(p.multiplier).to.equal(BigInt(product.multiplier));
        expect(p.tickSize).to.equal(parseUnits(product.tickSize, 18));
        expect(p.initialMarginBps).to.equal(BigInt(product.initialMarginBps));
        expect(p.maintenanceMarginBps).to.equal(BigInt(product.maintenanceMarginBps));
        expect(p.basisRefNotional).to.equal(parseUnits(product.basisRefNotional!, 18));
        expect(p.openInterestCap).to.equal(BigInt(product.openInterestCap));
      }
    }
  });

  it("starts with the first month whose expiry is at least series.minLeadSeconds after the deploy", async function () {
    const { deployment, series } = await networkHelpers.loadFixture(deployLocal);
    // The deploy plans at the latest block before its first transaction.
    const plannedAt = BigInt((await ethers.provider.getBlock(deployment.startBlock - 1))!.timestamp);
    const lead = BigInt(local.series!.minLeadSeconds!);
    const front = series.reduce((a, b) => (a.params.expiry < b.params.expiry ? a : b));
    expect(front.params.expiry >= plannedAt + lead, "the front month is far enough").to.equal(true);
    const monthBefore = addMonths(monthOfTime(front.params.expiry), -1);
    expect(expiryOf(monthBefore) < plannedAt + lead, "the month before it was too close").to.equal(true);
  });

  it("leaves every role with the deployer when the parameters name no holder", async function () {
    const { deployment, deployer } = await networkHelpers.loadFixture(deployLocal);
    const market = FuturesMarket__factory.connect(deployment.market, ethers.provider);
    const vault = MarginVault__factory.connect(deployment.vault, ethers.provider);
    const oracle = IndexOracle__factory.connect(deployment.oracle, ethers.provider);
    for (const role of ["DEFAULT_ADMIN_ROLE", "LISTER_ROLE", "GUARDIAN_ROLE", "DELEVERAGER_ROLE"]) {
      expect(await market.hasRole(role === "DEFAULT_ADMIN_ROLE" ? DEFAULT_ADMIN_ROLE : id(role), deployer.address), role).to.equal(true);
    }
    expect(await vault.hasRole(id("FEE_MANAGER_ROLE"), deployer.address)).to.equal(true);
    expect(await oracle.hasRole(id("GUARDIAN_ROLE"), deployer.address)).to.equal(true);
  });
});

describe("deploy/checkDeployment", function () {
  it("passes every check on the deployment from local.json", async function () {
    const { deployment, deployer, series } = await networkHelpers.loadFixture(deployLocal);
    const results = await checkDeployment(ethers.provider, deployment, local, { deployer: deployer.address });
    expect(failures(results), JSON.stringify(failures(results), null, 2)).to.deep.equal([]);
    // It looked at every series and every role, not at nothing.
    for (const s of series) expect(resultOf(results, `series ${s.name}`).ok).to.equal(true);
    expect(results.filter((r) => r.check.startsWith("role "))).to.have.length(8);
  });

  it("fails the lister role, naming the lister, once LISTER_ROLE is revoked", async function () {
    const { deployment, deployer } = await networkHelpers.loadFixture(deployLocal);
    const market = FuturesMarket__factory.connect(deployment.market, deployer);
    await (await market.revokeRole(LISTER_ROLE, deployer.address)).wait();
    const results = await checkDeployment(ethers.provider, deployment, local, { deployer: deployer.address });
    const lister = resultOf(results, "role FuturesMarket.LISTER_ROLE");
    expect(lister.ok).to.equal(false);
    expect(lister.detail).to.include(`${deployer.address} (`).and.include("does not hold it");
    expect(failures(results).map((r) => r.check)).to.deep.equal(["role FuturesMarket.LISTER_ROLE"]);
  });

  it("fails a role held by an address the parameters did not give it to", async function () {
    const { deployment, deployer } = await networkHelpers.loadFixture(deployLocal);
    const [, , , keeper] = await ethers.getSigners();
    const params = { ...local, roles: { deleverager: keeper.address } };
    const market = FuturesMarket__factory.connect(deployment.market, deployer);
    // The parameters say the keeper deleverages; on chain the deployer still does, and the keeper too.
    await (await market.grantRole(id("DELEVERAGER_ROLE"), keeper.address)).wait();
    const results = await checkDeployment(ethers.provider, deployment, params, { deployer: deployer.address });
    const deleverager = resultOf(results, "role FuturesMarket.DELEVERAGER_ROLE");
    expect(deleverager.ok).to.equal(false);
    expect(deleverager.detail).to.equal(`also held by ${deployer.address} (admin, guardian, lister, feeManager, deployer)`);
  });

  it("fails an adapter that reads another feed, naming both feeds", async function () {
    const { deployment, deployer } = await networkHelpers.loadFixture(deployLocal);
    const [h100, tokenOut] = deployment.feeds;
    const wrong = await ethers.deployContract("IndexFeedAdapter", [deployment.oracle, tokenOut.id]);
    const miswired = { ...deployment, feeds: [{ ...h100, adapter: await wrong.getAddress() }, tokenOut] };
    const results = await checkDeployment(ethers.provider, miswired, local, { deployer: deployer.address });
    const adapter = resultOf(results, `adapter ${h100.name}`);
    expect(adapter.ok).to.equal(false);
    expect(adapter.detail).to.equal(
      `${await wrong.getAddress()}: feed ${tokenOut.id} (${tokenOut.name}) (expected ${h100.id}, ${h100.name})`,
    );
    expect(failures(results).map((r) => r.check)).to.deep.equal([`adapter ${h100.name}`]);
  });

  it("fails a feed whose signers were replaced after the deploy", async function () {
    const { deployment, deployer } = await networkHelpers.loadFixture(deployLocal);
    const oracle = IndexOracle__factory.connect(deployment.oracle, deployer);
    const [h100] = deployment.feeds;
    const signers = local.feeds[0].signers;
    const rotated = [...signers.slice(0, 3), deployer.address];
    await (await oracle.setSigners(h100.id, rotated, 1)).wait();
    const results = await checkDeployment(ethers.provider, deployment, local, { deployer: deployer.address });
    const feed = resultOf(results, `feed ${h100.name}`);
    expect(feed.ok).to.equal(false);
    expect(feed.detail).to.equal(`signers ${rotated.map(getAddress).join(",")} (expected ${signers.map(getAddress).join(",")})`);
  });

  it("fails a market the vault does not register", async function () {
    const { deployment, deployer } = await networkHelpers.loadFixture(deployLocal);
    const vault = MarginVault__factory.connect(deployment.vault, deployer);
    await (await vault.deregisterMarket(deployment.market)).wait();
    const results = await checkDeployment(ethers.provider, deployment, local, { deployer: deployer.address });
    const registered = resultOf(results, "vault registers market");
    expect(registered.ok).to.equal(false);
    expect(registered.detail).to.equal(`${deployment.market} is not registered (markets: none)`);
  });

  it("fails a launch series listed with other parameters, naming the fields", async function () {
    const { deployment, deployer, series } = await networkHelpers.loadFixture(deployLocal);
    const params = { ...local, products: local.products.map((p) => (p.symbol === "H100" ? { ...p, tickSize: "0.01" } : p)) };
    const results = await checkDeployment(ethers.provider, deployment, params, {
      deployer: deployer.address,
      months: [...new Map(series.map((s) => [formatMonth(monthOfTime(s.params.expiry)), monthOfTime(s.params.expiry)])).values()],
    });
    const h100 = series.filter((s) => s.product === "H100");
    for (const s of h100) {
      const result = resultOf(results, `series ${s.name}`);
      expect(result.ok).to.equal(false);
      expect(result.detail).to.include(`${s.id} is listed instead with tickSize ${parseUnits("0.001", 18)} (expected ${parseUnits("0.01", 18)})`);
    }
  });
});
