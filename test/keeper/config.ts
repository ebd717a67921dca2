/**
 * The keeper's configuration: defaults, paths resolved against the file, USD amounts as exact
 * WAD, every bad field named with the file; the example file parses; `Keeper.start` names a
 * missing deployment or key and refuses the wrong chain.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, id } from "ethers";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";

import { ConfigError, Keeper, loadKeeperConfig, parseKeeperConfig } from "../../src/keeper/index.js";
import { marketFixture } from "../helpers/market.js";

const connection = await network.create();
const { ethers } = connection;

const VALID = {
  rpcUrl: "http://127.0.0.1:8545",
  deployment: "../../deployments/localhost.json",
  key: { env: "KEEPER_KEY" },
  listen: { port: 8801 },
};

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

async function rejectionOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("keeper configuration", function () {
  it("fills the defaults, resolves paths against the file's folder and reads USD exactly", function () {
    const config = parseKeeperConfig({ ...VALID, liquidation: { minProfitUsd: "2.05" } }, "/etc/cfx/keepers/k.yaml");
    expect(config.name).to.equal("keeper");
    expect(config.deployment).to.equal("/etc/deployments/localhost.json");
    expect(config.stateDir).to.equal("/etc/cfx/keepers/.keeper/keeper");
    expect([config.intervalSeconds, config.rpcTimeoutSeconds, config.healthMaxAgeSeconds]).to.deep.equal([15, 10, 60]);
    expect(config.scan).to.deep.equal({ chunkBlocks: 2_000, confirmations: 0 });
    expect(config.settlement).to.deep.equal({ batchSize: 50 });
    expect(config.gas).to.deep.equal({ maxFeePerGasGwei: "500", priorityFeePerGasGwei: "1", replaceAfterSeconds: 30, bumpPercent: 15 });
    expect(config.minProfitWad).to.equal(2_050_000_000_000_000_000n);
    expect(config.ethPriceWad).to.equal(3_000n * 10n ** 18n);
  });

  it("keeps inline addresses and resolves a keystore against the file's folder", function () {
    const deployment = { vault: "0x" + "11".repeat(20), market: "0x" + "22".repeat(20), startBlock: 7 };
    const config = parseKeeperConfig({ ...VALID, deployment, key: { keystore: "keys/k.json", passphraseFile: "keys/k.pass" } }, "/srv/k.yaml");
    expect(config.deployment).to.deep.equal(deployment);
    expect(config.key).to.deep.equal({ keystore: "/srv/keys/k.json", passphraseFile: "/srv/keys/k.pass" });
  });

  it("names every bad field with the file", function () {
    const message = errorOf(() =>
      parseKeeperConfig(
        {
          ...VALID,
          rpcUrl: "not a url",
          intervalSeconds: 0,
          scan: { chunkBlocks: 0 },
          liquidation: { minProfitUsd: "-1", ethPriceUsd: 3000 },
          settlement: { batchSize: 1.5 },
          colour: "blue",
        },
        "k.yaml",
      ),
    );
    for (const line of [
      "k.yaml: rpcUrl: expected a URL",
      "k.yaml: intervalSeconds: expected at least 1",
      "k.yaml: scan.chunkBlocks: expected at least 1",
      "k.yaml: liquidation.minProfitUsd: expected USD as a decimal string",
      "k.yaml: liquidation.ethPriceUsd: expected a string",
      "k.yaml: settlement.batchSize: expected an integer",
      "k.yaml: colour: unknown field",
    ]) {
      expect(message).to.include(line);
    }
  });

  it("parses the example file", async function () {
    const config = await loadKeeperConfig("config/keeper/example.yaml");
    expect(config.name).to.equal("keeper-0");
    expect(config.key).to.deep.equal({ env: "KEEPER_KEY" });
    expect(config.liquidation).to.deep.equal({ minProfitUsd: "1.00", ethPriceUsd: "3000" });
  });

  it("names an unreadable file and invalid YAML", async function () {
    const dir = await mkdtemp(join(tmpdir(), "cfx-keeper-config-"));
    try {
      expect(await rejectionOf(loadKeeperConfig(join(dir, "missing.yaml")))).to.match(/missing\.yaml: cannot be read \(ENOENT\)/);
      await writeFile(join(dir, "bad.yaml"), "listen: [unclosed\n");
      expect(await rejectionOf(loadKeeperConfig(join(dir, "bad.yaml")))).to.match(/bad\.yaml: not valid YAML/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe("at start-up", function () {
    const logger = pino({ level: "silent" });
    const wallet = new Wallet(id("keeper-config-test"));
    const start = (raw: object) => Keeper.start(parseKeeperConfig({ listen: { port: 0 }, ...raw }, "k.yaml"), { provider: ethers.provider, wallet, logger });

    it("names a missing deployment", async function () {
      expect(await rejectionOf(start({}))).to.equal("k.yaml: deployment: required (a deployment file, or { vault, market, startBlock })");
    });

    it("names a deployment file that cannot be read", async function () {
      expect(await rejectionOf(start({ deployment: "/nonexistent/localhost.json" }))).to.match(/^k\.yaml: deployment: \/nonexistent\/localhost\.json cannot be read/);
    });

    it("names a deployment address without a contract", async function () {
      const deployment = { vault: "0x" + "11".repeat(20), market: "0x" + "22".repeat(20), startBlock: 0 };
      expect(await rejectionOf(start({ deployment }))).to.match(/^k\.yaml: deployment\.market: no contract at 0x2222/);
    });

    it("refuses another chain", async function () {
      expect(await rejectionOf(start({ chainId: 1 }))).to.match(/^k\.yaml: chainId: the RPC serves chain 31337, not 1$/);
    });

    it("names a missing key", async function () {
      const fx = await marketFixture(connection);
      const deployment = { vault: fx.vaultAddress, market: fx.marketAddress, startBlock: 0 };
      const config = parseKeeperConfig({ listen: { port: 0 } }, "k.yaml");
      const message = await rejectionOf(Keeper.start(config, { provider: ethers.provider, deployment, logger }));
      expect(message).to.equal("k.yaml: key: required ({ env: NAME } or a keystore)");
    });

    it("names a vault that is not the market's", async function () {
      const fx = await marketFixture(connection);
      const deployment = { vault: await fx.usd.getAddress(), market: fx.marketAddress, startBlock: 0 };
      const message = await rejectionOf(Keeper.start(parseKeeperConfig({ listen: { port: 0 } }, "k.yaml"), { provider: ethers.provider, wallet, deployment, logger }));
      expect(message).to.equal(`k.yaml: deployment.vault: the market uses vault ${fx.vaultAddress}, not ${await fx.usd.getAddress()}`);
    });
  });
});
