/**
 * loadDeployment (Node only): a network name reads deployments/<network>.json, a path reads the
 * file, and a missing file, bad JSON or a bad field give an InvalidInputError that says which.
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { InvalidInputError } from "../../src/client/errors.js";
import { loadDeployment } from "../../src/client/node.js";

const DEPLOYMENT = {
  network: "demo",
  chainId: 31337,
  startBlock: 3,
  token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  oracle: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  vault: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
  market: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
  feeds: [{ name: "H100-SXM-HOUR", id: "0x" + "ab".repeat(32), adapter: "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9" }],
};

async function rejection(promise: Promise<unknown>): Promise<InvalidInputError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error("expected a rejection");
}

describe("client loadDeployment (Node)", function () {
  let root: string;

  before(async function () {
    root = await mkdtemp(path.join(tmpdir(), "cfx-client-"));
    await mkdir(path.join(root, "deployments"));
    await writeFile(path.join(root, "deployments", "demo.json"), JSON.stringify(DEPLOYMENT));
    await writeFile(path.join(root, "broken.json"), "{ not json");
    await writeFile(path.join(root, "bad.json"), JSON.stringify({ ...DEPLOYMENT, vault: "0x1234" }));
  });

  after(async function () {
    await rm(root, { recursive: true, force: true });
  });

  it("reads deployments/<network>.json for a network name", async function () {
    expect(await loadDeployment("demo", root)).to.deep.equal(DEPLOYMENT);
  });

  it("reads a path", async function () {
    expect(await loadDeployment("deployments/demo.json", root)).to.deep.equal(DEPLOYMENT);
    expect(await loadDeployment(path.join(root, "deployments", "demo.json"))).to.deep.equal(DEPLOYMENT);
  });

  it("says which file is missing", async function () {
    const error = await rejection(loadDeployment("sepolia", root));
    expect(error.message).to.equal(`network: cannot read the deployment ${path.join(root, "deployments", "sepolia.json")}: no such file`);
  });

  it("refuses invalid JSON and names a bad field", async function () {
    expect((await rejection(loadDeployment("broken.json", root))).message).to.contain("is not valid JSON");
    expect((await rejection(loadDeployment("bad.json", root))).message).to.contain("vault: expected a 0x-prefixed 20-byte address");
  });
});
