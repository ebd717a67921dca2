/**
 * Listing next month's series on a deployed market (deploy/listSeries.ts): exactly one series per
 * product, for the month after the last one listed; nothing more when run again for that month;
 * completing a month a run left half done; refused for a signer without LISTER_ROLE.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { network } from "hardhat";

import { checkDeployment } from "../../deploy/checkDeployment.js";
import { deploySystem } from "../../deploy/deploySystem.js";
import { defaultListingMonth, listMonthSeries } from "../../deploy/listSeries.js";
import { parseParameters, type DeployParametersInput } from "../../deploy/parameters.js";
import { formatMonth, monthOfTime, seriesParams, seriesParamsFrom } from "../../deploy/series.js";
import { FuturesMarket__factory } from "../../types/ethers-contracts/index.js";

const LOCAL = "deploy/parameters/local.json";
const local = JSON.parse(await readFile(LOCAL, "utf8")) as DeployParametersInput;
/** Launch months pinned to October-December 2027, so the next month is January of the next year. */
const pinned = { ...local, series: { ...local.series, firstMonth: "2027-10" } };

const connection = await network.create();
const { ethers, networkHelpers } = connection;

async function deployPinned() {
  const [deployer, outsider] = await ethers.getSigners();
  const { deployment } = await deploySystem(connection, pinned);
  const market = FuturesMarket__factory.connect(deployment.market, deployer);
  return { deployment, deployer, outsider, market };
}

/** The ids of every SeriesListed event so far, oldest first. */
async function listedIds(market: ReturnType<typeof FuturesMarket__factory.connect>): Promise<string[]> {
  return (await market.queryFilter(market.filters.SeriesListed(), 0)).map((e) => e.args.series);
}

describe("deploy/listSeries", function () {
  it("lists, by default, exactly one series per product for the month after the last one listed", async function () {
    const { deployment, deployer, market } = await networkHelpers.loadFixture(deployPinned);
    const before = await listedIds(market);
    const lastExpiry = new Date(
      Math.max(...(await Promise.all(before.map(async (id) => Number((await market.seriesParams(id)).expiry))))) * 1000,
    );
    expect([lastExpiry.getUTCFullYear(), lastExpiry.getUTCMonth() + 1], "the launch ends in December 2027").to.deep.equal([2027, 12]);

    const result = await listMonthSeries(deployer, deployment, pinned);

    expect(formatMonth(result.month)).to.equal("2028-01");
    const added = (await listedIds(market)).slice(before.length);
    expect(added).to.have.length(local.products.length);
    expect(result.series.map((s) => s.id)).to.deep.equal(added);
    expect(result.series.map((s) => s.status)).to.deep.equal(local.products.map(() => "listed"));
    for (const [i, product] of local.products.entries()) {
      const p = await market.seriesParams(added[i]);
      const expiry = new Date(Number(p.expiry) * 1000);
      expect([expiry.getUTCFullYear(), expiry.getUTCMonth() + 1, expiry.getUTCDay()], product.symbol).to.deep.equal([2028, 1, 5]);
      expect(p.feed).to.equal(ethers.id(product.feed));
      expect(await market.seriesId(seriesParamsFrom(p))).to.equal(added[i]);
    }
  });

  it("changes nothing when run again for the same month", async function () {
    const { deployment, deployer, market } = await networkHelpers.loadFixture(deployPinned);
    const first = await listMonthSeries(deployer, deployment, pinned);
    const ids = await listedIds(market);
    const block = await ethers.provider.getBlockNumber();

    const again = await listMonthSeries(deployer, deployment, pinned, { month: first.month });

    expect(again.series.map((s) => s.status)).to.deep.equal(local.products.map(() => "already listed"));
    expect(again.series.map((s) => s.id)).to.deep.equal(first.series.map((s) => s.id));
    expect(await ethers.provider.getBlockNumber(), "no transaction").to.equal(block);
    expect(await listedIds(market)).to.deep.equal(ids);
  });

  it("moves on to the following month when run again without a month", async function () {
    const { deployment, deployer } = await networkHelpers.loadFixture(deployPinned);
    await listMonthSeries(deployer, deployment, pinned);
    const second = await listMonthSeries(deployer, deployment, pinned);
    expect(formatMonth(second.month)).to.equal("2028-02");
  });

  it("completes a month in which only some products were listed", async function () {
    const { deployment, deployer, market } = await networkHelpers.loadFixture(deployPinned);
    const [h100] = parseParameters(pinned).products;
    const january = { year: 2028, month: 1 };
    await (await market.listSeries(seriesParams(h100, january))).wait();
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    expect(formatMonth(await defaultListingMonth(market, deployment, parseParameters(pinned), now))).to.equal("2028-01");

    const result = await listMonthSeries(deployer, deployment, pinned);

    expect(result.series.map((s) => [s.product, formatMonth(monthOfTime(s.params.expiry)), s.status])).to.deep.equal([
      ["H100", "2028-01", "already listed"],
      ["TOKEN", "2028-01", "listed"],
    ]);
  });

  it("keeps the deployment check passing, the new month included", async function () {
    const { deployment, deployer } = await networkHelpers.loadFixture(deployPinned);
    await listMonthSeries(deployer, deployment, pinned);
    const results = await checkDeployment(ethers.provider, deployment, pinned, { deployer: deployer.address });
    expect(results.filter((r) => !r.ok)).to.deep.equal([]);
    expect(results.filter((r) => r.check.startsWith("series ") && r.check.endsWith("2028-01")).map((r) => r.check)).to.deep.equal([
      "series H100-2028-01",
      "series TOKEN-2028-01",
    ]);
  });

  it("refuses a signer without LISTER_ROLE before any transaction", async function () {
    const { deployment, outsider } = await networkHelpers.loadFixture(deployPinned);
    const block = await ethers.provider.getBlockNumber();
    let message = "";
    try {
      await listMonthSeries(outsider, deployment, pinned);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.equal(`${outsider.address} does not hold LISTER_ROLE on the FuturesMarket at ${deployment.market}`);
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
  });

  it("refuses a month that has already expired, naming the series and the field", async function () {
    const { deployment, deployer } = await networkHelpers.loadFixture(deployPinned);
    let message = "";
    try {
      await listMonthSeries(deployer, deployment, pinned, { month: { year: 2026, month: 1 } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.match(/^H100-2026-01: the market would refuse expiry = \d+ at chain time \d+$/);
  });
});
