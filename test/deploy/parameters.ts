/**
 * The parameters files: the shipped ones validate (the Sepolia example only once its
 * placeholders are filled in), and each kind of mistake stops the deploy with a line naming the
 * file and the field. Also the plan built from them (deploy/plan.ts), before any transaction.
 */
import { expect } from "chai";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HDNodeWallet, Wallet, id } from "ethers";

import { ParametersError, loadParameters, parseParameters, type DeployParametersInput } from "../../deploy/parameters.js";
import { planSystem } from "../../deploy/plan.js";
import { formatMonth } from "../../deploy/series.js";

const LOCAL = "deploy/parameters/local.json";
const SEPOLIA = "deploy/parameters/sepolia.example.json";
const local = JSON.parse(await readFile(LOCAL, "utf8")) as DeployParametersInput;

type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A deep copy of local.json changed by `change`. */
function localWith(change: (p: Mutable) => void): unknown {
  const copy = structuredClone(local) as Mutable;
  change(copy);
  return copy;
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(ParametersError);
    return (error as Error).message;
  }
  throw new Error("expected a ParametersError");
}

describe("deploy/parameters: the shipped files", function () {
  it("local.json is valid, with the two launch products on their feeds", async function () {
    const p = await loadParameters(LOCAL);
    expect(p.products.map((q) => [q.symbol, q.feed, q.multiplier, q.tickSize, q.initialMarginBps, q.maintenanceMarginBps])).to.deep.equal([
      ["H100", "H100-HOUR", 100, "0.001", 2000, 1200],
      ["TOKEN", "TOKEN-OUT", 100, "0.001", 2000, 1200],
    ]);
    expect(p.token).to.equal(null);
  });

  it("local.json's relayer signers are Hardhat's default accounts #16 to #19", async function () {
    const p = await loadParameters(LOCAL);
    const mnemonic = "test test test test test test test test test test test junk";
    const accounts = [16, 17, 18, 19].map((i) => HDNodeWallet.fromPhrase(mnemonic, undefined, `m/44'/60'/0'/0/${i}`).address);
    for (const feed of p.feeds) expect(feed.signers).to.deep.equal(accounts);
  });

  it("the Sepolia example refuses each placeholder, naming the file and the field", async function () {
    let message = "";
    try {
      await loadParameters(SEPOLIA);
    } catch (error) {
      expect(error).to.be.instanceOf(ParametersError);
      message = (error as Error).message;
    }
    const lines = message.split("\n");
    expect(lines).to.include(`${SEPOLIA}: roles.admin: still the placeholder <REPLACE: admin multisig address>: replace it`);
    expect(lines).to.include(`${SEPOLIA}: feeds[1].signers[3]: still the placeholder <REPLACE: relayer 3 signing address>: replace it`);
    expect(lines).to.include(`${SEPOLIA}: series.firstMonth: still the placeholder <REPLACE: first month, YYYY-MM>: replace it`);
    expect(lines.every((line) => line.includes("placeholder")), message).to.equal(true);
  });

  it("the Sepolia example is valid once the placeholders are filled in, and keeps Circle's test USDC", async function () {
    const text = await readFile(SEPOLIA, "utf8");
    let n = 0;
    const filled = text
      .replace('"<REPLACE: first month, YYYY-MM>"', '"2027-03"')
      .replace(/"<REPLACE: [^>]*>"/g, () => {
        n += 1;
        return JSON.stringify(Wallet.createRandom().address);
      });
    const p = parseParameters(JSON.parse(filled), SEPOLIA);
    expect(n).to.equal(13); // 5 roles + 2 feeds x 4 signers
    expect(p.token).to.equal("0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238");
    expect(p.series.firstMonth).to.equal("2027-03");
  });
});

describe("deploy/parameters: mistakes name the file and the field", function () {
  const cases: [string, (p: Mutable) => void, string][] = [
    ["a misspelt field", (p) => (p.products[0].intialMarginBps = 2000), "products[0].intialMarginBps: unknown field"],
    ["a missing field", (p) => delete p.products[1].openInterestCap, "products[1].openInterestCap: required"],
    ["a malformed address", (p) => (p.feeds[0].signers[1] = "0x1234"), "feeds[0].signers[1]: expected a 0x-prefixed 20-byte address"],
    [
      "an address with a wrong checksum",
      (p) => (p.roles.admin = "0x2546bcd3c84621e976d8185a91a922ae77ecec30".replace("bcd3", "BCD3")),
      "roles.admin: bad EIP-55 checksum (mixed case that does not match)",
    ],
    ["a duplicate signer", (p) => (p.feeds[1].signers[2] = p.feeds[1].signers[0]), "feeds[1].signers[2]: same address as signers[0]"],
    ["f too large for the signers", (p) => (p.feeds[0].f = 2), "feeds[0].f: f = 2 needs at least 2f+1 = 5 signers, got 4"],
    ["a zero heartbeat", (p) => (p.feeds[0].params.heartbeat = 0), "feeds[0].params.heartbeat: expected at least 1"],
    ["a float where an integer goes", (p) => (p.products[0].multiplier = 100.5), "products[0].multiplier: expected an integer"],
    ["a tick that is not a decimal", (p) => (p.products[0].tickSize = "1/1000"), 'products[0].tickSize: expected USD as a decimal string, e.g. "0.001"'],
    ["a zero tick", (p) => (p.products[0].tickSize = "0"), "products[0].tickSize: expected more than 0"],
    ["maintenance above initial margin", (p) => (p.products[0].maintenanceMarginBps = 2500), "products[0].maintenanceMarginBps: above initialMarginBps (2000)"],
    ["a penalty above maintenance", (p) => (p.products[1].liquidationPenaltyBps = 1300), "products[1].liquidationPenaltyBps: above maintenanceMarginBps (1200)"],
    ["a fee above 1%", (p) => (p.products[0].takerFeeBps = 150), "products[0].takerFeeBps: expected at most 100"],
    ["a product on an unknown feed", (p) => (p.products[1].feed = "TOKEN-IN"), 'products[1].feed: no feed named "TOKEN-IN" in feeds'],
    ["two feeds with one name", (p) => (p.feeds[1].name = "H100-HOUR"), 'feeds[1].name: "H100-HOUR" already used by feeds[0]'],
    [
      "a ring that loses the settlement window within a day",
      (p) => (p.feeds[1].ringCapacity = 1000),
      "feeds[1].ringCapacity: 1000 rounds x minUpdateInterval 60 s cover 60000 s; product TOKEN needs its settlement window + 1 day = 90000 s",
    ],
    ["a bad first month", (p) => (p.series.firstMonth = "2027-13"), "series.firstMonth: expected a month as YYYY-MM"],
    ["a lead shorter than the last trade", (p) => (p.series.minLeadSeconds = 3600), "series.minLeadSeconds: must exceed every product's lastTradeBeforeExpiry"],
  ];
  for (const [label, change, line] of cases) {
    it(label, function () {
      expect(errorOf(() => parseParameters(localWith(change), "my.json")).split("\n")).to.include(`my.json: ${line}`);
    });
  }

  it("fills in the launch defaults for a product that gives only what is required", function () {
    const p = parseParameters(
      localWith((q) => {
        q.products = [{ symbol: "H100", feed: "H100-HOUR", multiplier: 100, tickSize: "0.001", initialMarginBps: 2000, maintenanceMarginBps: 1200, openInterestCap: 10 }];
        delete q.series;
        delete q.roles;
      }),
    );
    const [product] = p.products;
    expect([product.minSize, product.liquidationPenaltyBps, product.liquidatorShareBps, product.makerFeeBps, product.takerFeeBps]).to.deep.equal([1, 500, 5000, 2, 5]);
    expect([product.maxBasisBps, product.basisTau, product.basisRefNotional, product.settlementWindow, product.lastTradeBeforeExpiry]).to.deep.equal([2000, 3600, "100000", 3600, 3600]);
    expect(p.series).to.deep.equal({ months: 3, minLeadSeconds: 7 * 86_400 });
    expect(p.roles).to.deep.equal({});
  });

  describe("files", function () {
    let dir: string;
    before(async function () {
      dir = await mkdtemp(join(tmpdir(), "cfx-params-"));
    });
    after(async function () {
      await rm(dir, { recursive: true, force: true });
    });

    it("names a file that cannot be read", async function () {
      const file = join(dir, "missing.json");
      await expectRejection(loadParameters(file), `${file}: cannot be read (ENOENT)`);
    });

    it("names a file that is not JSON", async function () {
      const file = join(dir, "broken.json");
      await writeFile(file, "{ roles: }");
      await expectRejection(loadParameters(file), `${file}: not valid JSON`);
    });
  });
});

async function expectRejection(promise: Promise<unknown>, start: string) {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error).to.be.instanceOf(ParametersError);
  expect((error as Error).message.startsWith(start), (error as Error).message).to.equal(true);
}

describe("deploy/plan", function () {
  const deployer = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
  const now = BigInt(Date.UTC(2026, 10, 24, 7) / 1000); // 2026-11-24 07:00 UTC
  const parameters = parseParameters(local);

  it("plans each product for three months from the first expiry a week away", function () {
    const plan = planSystem(parameters, deployer, now, 31337);
    // 2026-11-27 is only three days away: December, January, February.
    expect(plan.months.map(formatMonth)).to.deep.equal(["2026-12", "2027-01", "2027-02"]);
    expect(plan.series.map((s) => s.name)).to.deep.equal([
      "H100-2026-12",
      "H100-2027-01",
      "H100-2027-02",
      "TOKEN-2026-12",
      "TOKEN-2027-01",
      "TOKEN-2027-02",
    ]);
    expect(plan.series[0].params.feed).to.equal(id("H100-HOUR"));
  });

  it("gives every role the parameters leave out to the deployer", function () {
    const keeper = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
    const plan = planSystem(parseParameters({ ...local, roles: { deleverager: keeper.toLowerCase() } }), deployer, now, 31337);
    expect(plan.roles).to.deep.equal({ admin: deployer, guardian: deployer, lister: deployer, deleverager: keeper, feeManager: deployer });
  });

  it("refuses a MockUSD on a chain that is not local", function () {
    expect(errorOf(() => planSystem(parameters, deployer, now, 11155111, "sepolia.json"))).to.equal(
      "sepolia.json: token: required on chain 11155111; a MockUSD (anyone may mint) is deployed only on local chains (31337)",
    );
  });

  it("refuses a pinned first month that has already expired, naming the product and the field", function () {
    const pinned = parseParameters({ ...local, series: { ...local.series, firstMonth: "2026-10" } });
    expect(errorOf(() => planSystem(pinned, deployer, now, 31337, "p.json"))).to.equal(
      `p.json: products[0] (H100) for 2026-10: the market would refuse expiry = ${BigInt(Date.UTC(2026, 9, 30, 8) / 1000)} ` +
        `at chain time ${now} (first month 2026-10)`,
    );
  });

  it("refuses a pinned first month closer than the lead", function () {
    const pinned = parseParameters({ ...local, series: { ...local.series, firstMonth: "2026-11" } });
    expect(errorOf(() => planSystem(pinned, deployer, now, 31337, "p.json"))).to.equal(
      `p.json: series.firstMonth: H100-2026-11 expires at ${BigInt(Date.UTC(2026, 10, 27, 8) / 1000)}, ` +
        `less than minLeadSeconds (604800) after chain time ${now}`,
    );
  });
});
