/**
 * End to end over real JSON-RPC: a `hardhat node` child process on loopback, an ethers
 * JsonRpcProvider, IndexOracle deployed from its build artifact, and observations signed by the
 * node's unlocked accounts with raw `eth_signTypedData_v4` next to an ethers Wallet's
 * `signTypedData` in the same report.
 *
 * The node runs in its own process group and is killed (group-wide) in `after`, on process exit
 * and on SIGINT/SIGTERM, so it never outlives the test run.
 */
import { readFile } from "node:fs/promises";
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
import { HardhatNode, STARTUP_TIMEOUT_MS, freePort } from "./helpers/hardhatNode.js";
import { typedDataV4Json } from "./helpers/typedData.js";
import { TYPES, WAD, feedId, median, maxOf } from "./helpers/fixtures.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ARTIFACT = path.join(ROOT, "artifacts/contracts/oracle/IndexOracle.sol/IndexOracle.json");
const PARAMS = { heartbeat: 3600n, maxObservationAge: 600n, maxMoveBps: 1000n, minUpdateInterval: 0n };

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
