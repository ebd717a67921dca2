/**
 * The `cfx` command-line tests' set-up: a real `hardhat node` process on a free port, the system
 * deployed to it with `cfx deploy` (its Ignition journal under a throw-away deployment id, so a
 * developer's own localhost journal is never touched), `cfx` run as a child process, Hardhat's
 * funded default accounts as keys, and the index pushed by the four local relayer keys
 * (accounts #16-#19 of deploy/parameters/local.json) with the chain's clock moved by JSON-RPC.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet, keccak256, toUtf8Bytes } from "ethers";
import { expect } from "chai";

import type { Deployment } from "../../src/client/index.js";
import { feedReport, oracleDomain, signObservation } from "../../src/oracle/observation.js";
import { IndexOracle__factory } from "../../types/ethers-contracts/index.js";
import { HardhatNode, STARTUP_TIMEOUT_MS, freePort } from "../helpers/hardhatNode.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const USD = 10n ** 6n;
export const WAD = 10n ** 18n;

const MNEMONIC = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
/** Hardhat's default account `i` (funded by every `hardhat node`). */
export function account(i: number): Wallet {
  const node = HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${i}`);
  return new Wallet(node.privateKey);
}
const RELAYERS = [16, 17, 18, 19].map(account);

export interface CfxRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One `cfx` process: its exit code and output. */
export function runCfx(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CfxRun> {
  return new Promise((resolve, reject) => {
    // Only what the test gives: a developer's own CFX_* variables must not leak in.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CFX_")));
    Object.assign(env, options.env);
    const child = spawn(process.execPath, [path.join(ROOT, "bin/cfx.js"), ...args], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** A command that must succeed: its output is shown when it does not. */
export async function cfxOk(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CfxRun> {
  const run = await runCfx(args, options);
  expect(run.code, `cfx ${args.join(" ")}\n${run.stderr}${run.stdout}`).to.equal(0);
  return run;
}

/**
 * A user error: exit 1, one `cfx: …` line ending stderr, no stack trace; returns that line.
 * Before it, stderr may only hold the progress lines of steps that ran ("depositing …").
 */
export async function cfxFails(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  const run = await runCfx(args, options);
  expect(run.code, `cfx ${args.join(" ")} should fail\n${run.stdout}`).to.equal(1);
  const lines = run.stderr.split("\n").filter((line) => line !== "");
  const errors = lines.filter((line) => line.startsWith("cfx: "));
  expect(errors, run.stderr).to.have.length(1);
  expect(lines.at(-1), run.stderr).to.equal(errors[0]);
  for (const line of lines.slice(0, -1)) expect(line, `only progress before the error:\n${run.stderr}`).to.match(/…$/);
  expect(run.stderr).not.to.match(/^\s+at /m);
  return errors[0];
}

/** The environment of a command signed with Hardhat account `i`. */
export function keyOf(i: number): NodeJS.ProcessEnv {
  return { CFX_PRIVATE_KEY: account(i).privateKey };
}

/** A node with the system deployed by `cfx deploy`, and the options every command needs. */
export class CliChain {
  private constructor(
    readonly node: HardhatNode,
    readonly provider: JsonRpcProvider,
    readonly dir: string,
    readonly deploymentFile: string,
    readonly deploymentId: string,
    readonly deployRun: CfxRun,
    readonly deployment: Deployment,
  ) {}

  static async start(): Promise<CliChain> {
    const node = new HardhatNode(await freePort());
    const chainId = await node.ready(STARTUP_TIMEOUT_MS);
    const provider = new JsonRpcProvider(node.url, chainId, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
    const dir = await mkdtemp(path.join(tmpdir(), "cfx-cli-"));
    const deploymentFile = path.join(dir, "localhost.json");
    const deploymentId = `cfx-cli-test-${process.pid}-${Date.now()}`;
    const deployRun = await cfxOk(
      ["deploy", "--rpc", node.url, "--deployment", deploymentFile, "--deployment-id", deploymentId, "--no-compile", "--json"],
      { env: keyOf(0) },
    );
    const deployment = (JSON.parse(deployRun.stdout) as { deployment: Deployment }).deployment;
    return new CliChain(node, provider, dir, deploymentFile, deploymentId, deployRun, deployment);
  }

  /** --rpc and --deployment of this chain. */
  get at(): string[] {
    return ["--rpc", this.node.url, "--deployment", this.deploymentFile];
  }

  async stop(): Promise<void> {
    this.provider.destroy();
    await this.node.stop();
    await rm(this.dir, { recursive: true, force: true });
    await rm(path.join(ROOT, "deploy", "deployments", this.deploymentId), { recursive: true, force: true });
  }

  async now(): Promise<bigint> {
    return BigInt((await this.provider.getBlock("latest"))!.timestamp);
  }

  /** Moves the chain's clock forward and mines a block there. */
  async advance(seconds: bigint): Promise<void> {
    await this.provider.send("evm_increaseTime", [Number(seconds)]);
    await this.provider.send("evm_mine", []);
  }

  /**
   * One oracle round per feed, every local relayer observing `value` (WAD) at the chain's time.
   * Rounds of a feed need the feed's minUpdateInterval (60 s) between them: `advance` first.
   */
  async pushIndex(values: Record<string, bigint>, submitter = account(10)): Promise<void> {
    const oracle = IndexOracle__factory.connect(this.deployment.oracle, submitter.connect(this.provider));
    const domain = oracleDomain(BigInt(this.deployment.chainId), this.deployment.oracle);
    const observedAt = await this.now();
    const reports = await Promise.all(
      Object.entries(values).map(async ([name, value]) => {
        const feed = this.deployment.feeds.find((f) => f.name === name)!.id;
        const observations = await Promise.all(
          RELAYERS.map((relayer, i) =>
            signObservation(relayer, domain, { feed, value, observedAt, inputsHash: keccak256(toUtf8Bytes(`cli-test:${name}:${observedAt}:${i}`)) }),
          ),
        );
        return feedReport(feed, observations);
      }),
    );
    await (await oracle.submit(reports)).wait();
  }
}
