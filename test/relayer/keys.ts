import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, encryptKeystoreJsonSync } from "ethers";

import { KeyError, loadWallet } from "../../src/relayer/keys.js";

// A fixed test key (never used anywhere real) and its address, derived independently by ethers.
const KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const ADDRESS = new Wallet(KEY).address;
const PASSPHRASE = "correct horse battery staple";

async function expectKeyError(promise: Promise<unknown>, message: string): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, "it throws").to.be.instanceOf(KeyError);
  const text = (error as Error).message;
  expect(text).to.equal(message);
  for (const secret of [KEY, KEY.slice(2), PASSPHRASE]) expect(text).not.to.include(secret);
}

describe("relayer keys", function () {
  let dir: string;
  let keystore: string;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "cfx-keys-"));
    keystore = join(dir, "relayer.json");
    // A cheap scrypt cost keeps the test fast; the format is the standard encrypted JSON.
    const json = encryptKeystoreJsonSync({ address: ADDRESS, privateKey: KEY }, PASSPHRASE, { scrypt: { N: 1 << 10 } });
    await writeFile(keystore, json);
    await writeFile(join(dir, "passphrase"), `${PASSPHRASE}\n`);
    await writeFile(join(dir, "empty"), "");
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  describe("from an environment variable", function () {
    it("loads a 0x-prefixed private key", async function () {
      expect((await loadWallet({ env: "K" }, { K: KEY })).address).to.equal(ADDRESS);
    });

    it("loads a key without 0x and with surrounding whitespace", async function () {
      expect((await loadWallet({ env: "K" }, { K: ` ${KEY.slice(2)}\n` })).address).to.equal(ADDRESS);
    });

    it("names a variable that is not set", async function () {
      await expectKeyError(loadWallet({ env: "RELAYER_KEY" }, {}), "environment variable RELAYER_KEY is not set");
    });

    it("refuses a value that is not 32 bytes of hex, without echoing it", async function () {
      await expectKeyError(
        loadWallet({ env: "RELAYER_KEY" }, { RELAYER_KEY: KEY.slice(0, -1) }),
        "environment variable RELAYER_KEY is not a private key (expected 32 bytes of hex)",
      );
    });

    it("refuses the zero key, which no curve point has", async function () {
      await expectKeyError(
        loadWallet({ env: "RELAYER_KEY" }, { RELAYER_KEY: `0x${"00".repeat(32)}` }),
        "environment variable RELAYER_KEY is not a valid secp256k1 private key",
      );
    });
  });

  describe("from an encrypted JSON keystore", function () {
    it("decrypts it with a passphrase from the environment", async function () {
      const wallet = await loadWallet({ keystore, passphraseEnv: "PASS" }, { PASS: PASSPHRASE });
      expect(wallet.address).to.equal(ADDRESS);
    });

    it("decrypts it with a passphrase from a file, dropping one trailing newline", async function () {
      const wallet = await loadWallet({ keystore, passphraseFile: join(dir, "passphrase") }, {});
      expect(wallet.address).to.equal(ADDRESS);
    });

    it("returns a plain wallet: signing needs no further decryption", async function () {
      const wallet = await loadWallet({ keystore, passphraseEnv: "PASS" }, { PASS: PASSPHRASE });
      const signature = await wallet.signMessage("hello");
      expect(signature).to.equal(await new Wallet(KEY).signMessage("hello"));
    });

    it("refuses a wrong passphrase without saying which part was wrong", async function () {
      await expectKeyError(
        loadWallet({ keystore, passphraseEnv: "PASS" }, { PASS: "wrong" }),
        `keystore ${keystore}: wrong passphrase or not an encrypted JSON keystore`,
      );
    });

    it("refuses a file that is not a keystore", async function () {
      await expectKeyError(
        loadWallet({ keystore: join(dir, "passphrase"), passphraseEnv: "PASS" }, { PASS: PASSPHRASE }),
        `keystore ${join(dir, "passphrase")}: wrong passphrase or not an encrypted JSON keystore`,
      );
    });

    it("names a missing keystore file", async function () {
      const missing = join(dir, "missing.json");
      await expectKeyError(
        loadWallet({ keystore: missing, passphraseEnv: "PASS" }, { PASS: PASSPHRASE }),
        `keystore ${missing} cannot be read: ENOENT`,
      );
    });

    it("names an unset passphrase variable and an empty or missing passphrase file", async function () {
      await expectKeyError(
        loadWallet({ keystore, passphraseEnv: "PASS" }, {}),
        "environment variable PASS (keystore passphrase) is not set",
      );
      await expectKeyError(loadWallet({ keystore, passphraseFile: join(dir, "empty") }), `passphrase file ${join(dir, "empty")} is empty`);
      await expectKeyError(
        loadWallet({ keystore, passphraseFile: join(dir, "nope") }),
        `passphrase file ${join(dir, "nope")} cannot be read: ENOENT`,
      );
    });
  });
});
