import { expect } from "chai";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import { Wallet, parseEther, type TransactionReceipt } from "ethers";

import { TxManager, type GasPolicy } from "../../src/relayer/txManager.js";

const { ethers } = await network.create();
const provider = ethers.provider;
const GWEI = 10n ** 9n;
/** Fast timings for a local chain. */
const FAST: Partial<GasPolicy> = { replaceAfterMs: 150, pollMs: 20, priorityFeePerGas: GWEI };

async function automine(on: boolean): Promise<void> {
  await provider.send("evm_setAutomine", [on]);
}

async function mine(): Promise<void> {
  await provider.send("evm_mine", []);
}

/** Mines a block after `ms`, while a submission waits. */
function mineLater(ms: number): Promise<void> {
  return new Promise((resolve, reject) => setTimeout(() => mine().then(resolve, reject), ms));
}

describe("relayer transaction manager", function () {
  let dir: string;
  let wallet: Wallet;
  let stateFile: string;
  const target = Wallet.createRandom().address;

  beforeEach(async function () {
    await automine(true);
    dir = await mkdtemp(join(tmpdir(), "cfx-tx-"));
    stateFile = join(dir, "state", "relayer.json");
    wallet = Wallet.createRandom().connect(provider) as unknown as Wallet;
    const [funder] = await ethers.getSigners();
    await (await funder.sendTransaction({ to: wallet.address, value: parseEther("10") })).wait();
  });

  afterEach(async function () {
    await automine(true);
    await rm(dir, { recursive: true, force: true });
  });

  it("sends an EIP-1559 transaction, reports its receipt and cost, and clears its state", async function () {
    const manager = await TxManager.open(wallet, stateFile, FAST);
    const outcome = await manager.submit({ to: target, data: "0x1234" }, "test");
    expect(outcome.status).to.equal("mined");
    const { receipt, gasCost, replacements } = outcome as { receipt: TransactionReceipt; gasCost: bigint; replacements: number };
    const tx = await provider.getTransaction(receipt.hash);
    expect([tx!.type, tx!.nonce, replacements]).to.deep.equal([2, 0, 0]);
    expect(gasCost).to.equal(receipt.gasUsed * receipt.gasPrice);
    expect(JSON.parse(await readFile(stateFile, "utf8")).pending).to.equal(null);
    expect(manager.pendingNonce).to.equal(null);
  });

  it("replaces a stuck transaction with fees raised by the bump, at the same nonce", async function () {
    await automine(false);
    const manager = await TxManager.open(wallet, stateFile, { ...FAST, bumpPercent: 20 });
    const [outcome] = await Promise.all([manager.submit({ to: target, data: "0x01" }, "stuck"), mineLater(400)]);
    expect(outcome.status).to.equal("mined");
    const { receipt, replacements } = outcome as { receipt: TransactionReceipt; replacements: number };
    expect(replacements > 0).to.equal(true);
    const mined = await provider.getTransaction(receipt.hash);
    expect(mined!.nonce).to.equal(0);
    // The first offer was 2 x base fee + tip; each replacement multiplied both fees by 1.2 (rounded up).
    expect(mined!.maxPriorityFeePerGas! > GWEI).to.equal(true);
    expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(1);
  });

  it("leaves a transaction no longer needed to be superseded, and the next submission reuses its nonce", async function () {
    await automine(false);
    const manager = await TxManager.open(wallet, stateFile, FAST);
    const first = await manager.submit({ to: target, data: "0x01" }, "old report", async () => false);
    expect(first).to.deep.equal({ status: "superseded", nonce: 0 });
    expect(manager.pendingNonce).to.equal(0);
    const [second] = await Promise.all([manager.submit({ to: target, data: "0x02" }, "new report"), mineLater(100)]);
    expect(second.status).to.equal("mined");
    const tx = await provider.getTransaction((second as { receipt: TransactionReceipt }).receipt.hash);
    expect([tx!.nonce, tx!.data]).to.deep.equal([0, "0x02"]);
    expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(1);
  });

  it("survives a restart: the next run re-broadcasts what the last left unmined, with no nonce gap", async function () {
    await automine(false);
    const before = await TxManager.open(wallet, stateFile, { ...FAST, maxReplacements: 0 });
    const gaveUp = await before.submit({ to: target, data: "0x01" }, "round 1");
    expect(gaveUp).to.deep.equal({ status: "gave-up", nonce: 0, replacements: 0 });
    const saved = JSON.parse(await readFile(stateFile, "utf8"));
    expect(saved.pending.nonce).to.equal(0);
    // The node forgets it (as a restarted node would): the next run broadcasts it again.
    await provider.send("hardhat_dropTransaction", [saved.pending.hashes[0]]);
    const after = await TxManager.open(wallet, stateFile, FAST);
    expect(after.pendingNonce).to.equal(0);
    await mine();
    expect(await provider.getTransactionReceipt(saved.pending.hashes[0])).not.to.equal(null);
    await automine(true);
    const next = await after.submit({ to: target, data: "0x02" }, "round 2");
    const tx = await provider.getTransaction((next as { receipt: TransactionReceipt }).receipt.hash);
    expect(tx!.nonce).to.equal(1);
    expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(2);
  });

  it("reports a transaction whose nonce another sender of the same key used as superseded", async function () {
    await automine(false);
    const manager = await TxManager.open(wallet, stateFile, { ...FAST, replaceAfterMs: 2_000 });
    const waiting = manager.submit({ to: target, data: "0x01" }, "ours");
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The same key, elsewhere, replaces it with a much higher fee at nonce 0.
    const block = await provider.getBlock("latest");
    await wallet.sendTransaction({ to: wallet.address, nonce: 0, maxFeePerGas: block!.baseFeePerGas! * 10n + 100n * GWEI, maxPriorityFeePerGas: 100n * GWEI });
    await mine();
    expect(await waiting).to.deep.equal({ status: "superseded", nonce: 0 });
    expect(manager.pendingNonce).to.equal(null);
  });

  it("reports a reverted transaction with its cost", async function () {
    const Reverter = "0x60006000fd"; // PUSH1 0 PUSH1 0 REVERT: every call reverts
    const [funder] = await ethers.getSigners();
    const deployed = await (await funder.sendTransaction({ data: "0x6005600c60003960056000f3" + Reverter.slice(2) })).wait();
    const manager = await TxManager.open(wallet, stateFile, FAST);
    const outcome = await manager.submit({ to: deployed!.contractAddress!, data: "0x", gasLimit: 50_000n }, "reverts");
    expect(outcome.status).to.equal("reverted");
    const { receipt, gasCost } = outcome as { receipt: TransactionReceipt; gasCost: bigint };
    expect(gasCost).to.equal(receipt.gasUsed * receipt.gasPrice);
  });

  it("refuses a replacement above the fee cap with the numbers", async function () {
    await automine(false);
    const block = await provider.getBlock("latest");
    const first = block!.baseFeePerGas! * 2n + GWEI;
    const manager = await TxManager.open(wallet, stateFile, { ...FAST, maxFeePerGasCap: first, bumpPercent: 10 });
    let error: Error | undefined;
    try {
      await manager.submit({ to: target, data: "0x01" }, "capped");
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.equal(
      `replacing the transaction needs ${(first * 110n + 99n) / 100n} wei per gas, above the cap of ${first}`,
    );
  });

  it("refuses a state file written for another account", async function () {
    await writeFile(stateFile.replace("state/", ""), JSON.stringify({ address: target, chainId: "31337", pending: null }));
    const other = stateFile.replace("state/", "");
    let error: Error | undefined;
    try {
      await TxManager.open(wallet, other, FAST);
    } catch (e) {
      error = e as Error;
    }
    const { chainId } = await provider.getNetwork();
    expect(error?.message).to.equal(
      `state file ${other} belongs to ${target} on chain 31337, not ${wallet.address} on ${chainId}`,
    );
  });
});
