import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { ConfigError, loadRelayerConfig, parseRelayerConfig } from "../../src/relayer/config.js";

const VALID = {
  rpcUrl: "http://127.0.0.1:8545",
  oracle: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  key: { env: "RELAYER_0_KEY" },
  listen: { port: 8701 },
  peers: ["http://127.0.0.1:8702"],
  feeds: ["../feeds/h100-hour.yaml"],
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

describe("relayer configuration", function () {
  it("fills the defaults and resolves paths against the file's folder", function () {
    const config = parseRelayerConfig(VALID, "/etc/cfx/relayers/r0.yaml");
    expect(config.name).to.equal("relayer");
    expect(config.listen).to.deep.equal({ host: "127.0.0.1", port: 8701 });
    expect(config.schedule).to.deep.equal({ intervalSeconds: 15, graceSeconds: 30, peerTimeoutMs: 2_000, clock: "wall" });
    expect(config.gas).to.deep.equal({ maxFeePerGasGwei: "500", priorityFeePerGasGwei: "1", replaceAfterSeconds: 30, bumpPercent: 15 });
    expect(config.feeds).to.deep.equal(["/etc/cfx/feeds/h100-hour.yaml"]);
    expect(config.stateDir).to.equal("/etc/cfx/relayers/.relayer/relayer");
    expect(config.log.level).to.equal("info");
  });

  it("resolves a keystore and its passphrase file against the file's folder", function () {
    const config = parseRelayerConfig({ ...VALID, key: { keystore: "keys/r0.json", passphraseFile: "keys/r0.pass" } }, "/srv/r0.yaml");
    expect(config.key).to.deep.equal({ keystore: "/srv/keys/r0.json", passphraseFile: "/srv/keys/r0.pass" });
  });

  it("names every bad field with the file", function () {
    const message = errorOf(() =>
      parseRelayerConfig(
        { ...VALID, rpcUrl: "not a url", oracle: "0x1234", listen: { port: 70_000 }, schedule: { graceSeconds: 0 } },
        "r0.yaml",
      ),
    );
    expect(message.split("\n")).to.deep.equal([
      "r0.yaml: rpcUrl: expected a URL",
      "r0.yaml: oracle: expected a 0x-prefixed 20-byte address",
      "r0.yaml: listen.port: expected at most 65535",
      "r0.yaml: schedule.graceSeconds: expected at least 1",
    ]);
  });

  it("names a missing field, an unknown field and a key source that is none of the three forms", function () {
    const { feeds: _feeds, ...withoutFeeds } = VALID;
    expect(errorOf(() => parseRelayerConfig(withoutFeeds, "r0.yaml"))).to.equal("r0.yaml: feeds: required");
    expect(errorOf(() => parseRelayerConfig({ ...VALID, transmiter: true }, "r0.yaml"))).to.equal("r0.yaml: transmiter: unknown field");
    expect(errorOf(() => parseRelayerConfig({ ...VALID, key: { privateKey: "0xabc" } }, "r0.yaml"))).to.match(/^r0\.yaml: key: /);
  });

  it("never echoes a private key placed in the file by mistake", function () {
    const secret = "0x" + "ab".repeat(32);
    const message = errorOf(() => parseRelayerConfig({ ...VALID, key: { privateKey: secret } }, "r0.yaml"));
    expect(message).not.to.include(secret);
  });

  describe("from a file", function () {
    let dir: string;
    before(async function () {
      dir = await mkdtemp(join(tmpdir(), "cfx-relayer-config-"));
    });
    after(async function () {
      await rm(dir, { recursive: true, force: true });
    });

    it("loads YAML", async function () {
      const file = join(dir, "ok.yaml");
      await writeFile(file, "rpcUrl: http://127.0.0.1:8545\noracle: '0x5FbDB2315678afecb367f032d93F642f64180aa3'\nkey: { env: K }\nlisten: { port: 0 }\nfeeds: [f.yaml]\n");
      const config = await loadRelayerConfig(file);
      expect([config.oracle, config.feeds]).to.deep.equal(["0x5FbDB2315678afecb367f032d93F642f64180aa3", [join(dir, "f.yaml")]]);
    });

    it("names a missing file and a file that is not YAML", async function () {
      const missing = join(dir, "missing.yaml");
      let message = "";
      await loadRelayerConfig(missing).catch((e: Error) => (message = e.message));
      expect(message).to.equal(`${missing}: cannot be read (ENOENT)`);
      const broken = join(dir, "broken.yaml");
      await writeFile(broken, "rpcUrl: [unclosed\n");
      await loadRelayerConfig(broken).catch((e: Error) => (message = e.message));
      expect(message).to.match(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: not valid YAML: `));
    });
  });
});

describe("the shipped example relayer configuration", function () {
  it("validates, and its feeds resolve to the shipped feed files", async function () {
    const config = await loadRelayerConfig("config/relayers/example.yaml");
    expect(config.feeds).to.deep.equal(["h100-hour.yaml", "token-out.yaml"].map((f) => join(process.cwd(), "config/feeds", f)));
    expect([config.name, config.peers.length, config.key]).to.deep.equal(["relayer-0", 3, { env: "RELAYER_KEY" }]);
  });
});
