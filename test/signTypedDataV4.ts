/**
 * End to end over real JSON-RPC: a `hardhat node` child process on loopback, an ethers
 * JsonRpcProvider, IndexOracle deployed from its build artifact, and observations signed by the
 * node's unlocked accounts with raw `eth_signTypedData_v4` next to an ethers Wallet's
 * `signTypedData` in the same report.
 *
 * The node runs in its own process group and is killed (group-wide) in `after`, on process exit
 * and on SIGINT/SIGTERM, so it never outlives the test run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import {
  ContractFactory,
  JsonRpcProvider,
  Signature,
  Wallet,
  getAddress,
  keccak256,
  recoverAddress,
  toUtf8Bytes,
  verifyTypedData,
  type InterfaceAbi,
  type JsonRpcSigner,
  type TypedDataDomain,
} from "ethers";

import type { IndexOracle } from "../types/ethers-contracts/index.js";
import {
  OBSERVATION_TYPES,
  compactSignature,
  feedReport,
  oracleDomain,
  signObservation,
  type SignedObservation,
} from "../src/oracle/observation.js";
import { typedDataV4Json } from "./helpers/typedData.js";
import { TYPES, WAD, feedId, median, maxOf } from "./helpers/fixtures.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ARTIFACT = path.join(ROOT, "artifacts/contracts/oracle/IndexOracle.sol/IndexOracle.json");
const STARTUP_TIMEOUT_MS = 60_000;
const PARAMS = { heartbeat: 3600n, maxObservationAge: 600n, maxMoveBps: 1000n, minUpdateInterval: 0n };

/** A TCP port nobody listens on right now (the OS picks it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port"))));
    });
  });
}

/** A `hardhat node` in its own process group, with its output kept for error messages. */
class HardhatNode {
  readonly url: string;
  private readonly child: ChildProcess;
  private output = "";
  private exited: Promise<void>;
  private hasExited = false;
  private readonly killOnExit = () => this.signal("SIGKILL");
  private readonly killOnSignal = (signal: NodeJS.Signals) => {
    this.signal("SIGKILL");
    process.kill(process.pid, signal); // the handler was `once`: this re-raises with the default action
  };

  constructor(readonly port: number) {
    this.url = `http://127.0.0.1:${port}`;
    // Node 22 (the one running these tests) first on PATH, as for every Hardhat command.
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` };
    this.child = spawn("npx", ["hardhat", "node", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: ROOT,
      env,
      detached: true, // own process group: npx's children die with it
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-8000);
    };
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", () => {
        this.hasExited = true;
        resolve();
      });
      this.child.once("error", (error) => {
        this.output += `\nspawn error: ${error.message}`;
        this.hasExited = true;
        resolve();
      });
    });
    process.once("exit", this.killOnExit);
    process.once("SIGINT", this.killOnSignal);
    process.once("SIGTERM", this.killOnSignal);
  }

  /** Resolves with the chain id once the node answers JSON-RPC; rejects on exit or timeout. */
  async ready(timeoutMs: number): Promise<bigint> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.hasExited) throw new Error(`hardhat node exited before answering:\n${this.output}`);
      try {
        const response = await fetch(this.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
          signal: AbortSignal.timeout(2000),
        });
        const body = (await response.json()) as { result?: string };
        if (body.result !== undefined) return BigInt(body.result);
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`hardhat node did not answer within ${timeoutMs} ms:\n${this.output}`);
  }

  private signal(signal: NodeJS.Signals) {
    if (this.hasExited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal); // the whole group: npx, npm exec, hardhat
    } catch {
      // already gone
    }
  }

  /** Stops the node group: SIGTERM, then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    process.removeListener("exit", this.killOnExit);
    process.removeListener("SIGINT", this.killOnSignal);
    process.removeListener("SIGTERM", this.killOnSignal);
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
    this.signal("SIGKILL"); // any grandchild that outlived its parent
  }
}

/** The full eth_signTypedData_v4 payload of an observation. */
function typedDataJson(domain: TypedDataDomain, o: { feed: string; value: bigint; observedAt: bigint; inputsHash: string }) {
  const { feed, value, observedAt, inputsHash } = o;
  return typedDataV4Json(domain, OBSERVATION_TYPES, "Observation", { feed, value, observedAt, inputsHash });
}

describe("eth_signTypedData_v4 against a real hardhat node", function () {
  this.timeout(120_000);

  let node: HardhatNode | undefined;
  let provider: JsonRpcProvider | undefined;
  let accounts: string[];
  let deployer: JsonRpcSigner;
  let oracle: IndexOracle;
  let domain: TypedDataDomain;
  const walletRelayer = new Wallet(keccak256(toUtf8Bytes("v4-wallet-relayer")));

  before(async function () {
    this.timeout(STARTUP_TIMEOUT_MS + 30_000);
    node = new HardhatNode(await freePort());
    const chainId = await node.ready(STARTUP_TIMEOUT_MS);
    provider = new JsonRpcProvider(node.url, chainId, { staticNetwork: true, pollingInterval: 100 });
    accounts = ((await provider.send("eth_accounts", [])) as string[]).map((a) => getAddress(a));
    deployer = await provider.getSigner(0);

    const artifact = JSON.parse(await readFile(ARTIFACT, "utf8")) as { abi: InterfaceAbi; bytecode: string };
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, deployer);
    const deployed = await factory.deploy(accounts[0], accounts[0]);
    await deployed.waitForDeployment();
    oracle = deployed as unknown as IndexOracle;
    domain = oracleDomain(chainId, await oracle.getAddress());
  });

  after(async function () {
    provider?.destroy();
    await node?.stop();
  });

  /** Adds a feed whose signers are node accounts 1..3 and the Wallet relayer (n = 4, f = 1). */
  async function addFeed(name: string): Promise<string> {
    const feed = feedId(name);
    const signers = [accounts[1], accounts[2], accounts[3], walletRelayer.address];
    await (await oracle.addFeed(feed, name, signers, 1n, PARAMS, 8n)).wait();
    return feed;
  }

  async function latestTimestamp(): Promise<bigint> {
    return BigInt((await provider!.getBlock("latest"))!.timestamp);
  }

  /** Raw JSON-RPC signing by an unlocked node account, returned in the oracle's format. */
  async function signV4(account: string, o: { feed: string; value: bigint; observedAt: bigint; inputsHash: string }) {
    const signature: string = await provider!.send("eth_signTypedData_v4", [account, typedDataJson(domain, o)]);
    return { signature, signed: { ...o, signer: account, ...compactSignature(signature) } as SignedObservation };
  }

  it("the node accounts' eth_signTypedData_v4 signatures recover from the oracle's observationDigest", async function () {
    const feed = await addFeed("V4-DIGEST");
    const observation = { feed, value: 2n * WAD + 1n, observedAt: await latestTimestamp(), inputsHash: keccak256(toUtf8Bytes("v4")) };
    const { signature } = await signV4(accounts[2], observation);
    const digest = await oracle.observationDigest(feed, observation.value, observation.observedAt, observation.inputsHash);
    expect(recoverAddress(digest, Signature.from(signature))).to.equal(accounts[2]);
    expect(verifyTypedData(domain, TYPES, observation, signature)).to.equal(accounts[2]);
  });

  it("accepts a report mixing raw eth_signTypedData_v4 and Wallet.signTypedData signatures and stores the median", async function () {
    const feed = await addFeed("V4-MIXED");
    const now = await latestTimestamp();
    const raw = await Promise.all(
      [accounts[3], accounts[1], accounts[2]].map(async (account, i) => {
        const o = {
          feed,
          value: [2_100_000_000_000_000_001n, 1_900_000_000_000_000_000n, 2_000_000_000_000_000_000n][i],
          observedAt: now - BigInt(i),
          inputsHash: keccak256(toUtf8Bytes(`v4:${account}`)),
        };
        return (await signV4(account, o)).signed;
      }),
    );
    const fromWallet = await signObservation(walletRelayer, domain, {
      feed,
      value: 2_050_000_000_000_000_000n,
      observedAt: now,
      inputsHash: keccak256(toUtf8Bytes("v4:wallet")),
    });
    const observations = [raw[0], fromWallet, raw[1], raw[2]];
    const values = observations.map((o) => o.value);

    const tx = await oracle.submit([feedReport(feed, observations)]);
    const receipt = await tx.wait();
    const event = receipt!.logs.map((log) => oracle.interface.parseLog(log)).find((e) => e?.name === "RoundUpdated");
    expect(event).to.not.equal(undefined);
    // (Result's positional access: `args.values` would be Array.prototype.values.)
    expect([...event!.args.getValue("signers")]).to.deep.equal(observations.map((o) => o.signer));
    expect([...event!.args.getValue("values")]).to.deep.equal(values);
    expect(event!.args.getValue("value")).to.equal(median(values));

    const round = await oracle.latestRound(feed);
    expect(round.roundId).to.equal(1n);
    expect(round.value).to.equal(median(values));
    expect(round.observedAt).to.equal(maxOf(observations.map((o) => o.observedAt)));
    expect(round.updatedAt).to.equal(BigInt((await provider!.getBlock(receipt!.blockNumber))!.timestamp));
  });

  it("accepts observations signed through ethers' JsonRpcSigner.signTypedData (signObservation) too", async function () {
    const feed = await addFeed("V4-JSONRPC-SIGNER");
    const now = await latestTimestamp();
    const signers = await Promise.all([1, 2, 3].map((i) => provider!.getSigner(i)));
    const values = [WAD / 2n, WAD / 3n, WAD / 5n];
    const observations = await Promise.all(
      signers.map((signer, i) =>
        signObservation(signer, domain, { feed, value: values[i], observedAt: now, inputsHash: keccak256(toUtf8Bytes(`rpc:${i}`)) }),
      ),
    );
    await (await oracle.submit([feedReport(feed, observations)])).wait();
    expect((await oracle.latestRound(feed)).value).to.equal(median(values));
  });
});
