/**
 * Collateral through the client: deposit (approving only when the allowance is short), deposit
 * with an ERC-2612 permit signed by a local Wallet and by a JSON-RPC account
 * (eth_signTypedData_v4), withdraw, and the checks before sending.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { MaxUint256, Wallet, keccak256, toUtf8Bytes } from "ethers";

import { connect } from "../../src/client/client.js";
import { ContractError, InvalidInputError, NetworkMismatchError } from "../../src/client/errors.js";
import { DEPOSIT, USD, type MarketFx } from "../helpers/market.js";
import { clientFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

/** A local key with ETH for gas and `tokens` of the collateral in its wallet, nothing deposited. */
async function fundedWallet(fx: MarketFx, seed: string, tokens: bigint): Promise<Wallet> {
  const wallet = new Wallet(keccak256(toUtf8Bytes(seed)), ethers.provider);
  await networkHelpers.setBalance(wallet.address, 10n ** 20n);
  await (await fx.usd.mint(wallet.address, tokens)).wait();
  return wallet;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("client collateral", function () {
  this.timeout(60_000);

  it("deposits after approving exactly the amount when the allowance is short", async function () {
    const fx = await loadFixture(clientFixture);
    const wallet = await fundedWallet(fx, "client-deposit", 1_000n * USD);
    const client = await connect(wallet, fx.deployment);
    const receipt = await client.deposit(400n * USD);
    expect(await fx.vault.cashOf(wallet.address)).to.equal(400n * USD);
    expect(await fx.usd.balanceOf(wallet.address)).to.equal(600n * USD);
    // Two transactions: the approval, then the deposit, which used the allowance up.
    expect(await ethers.provider.getTransactionCount(wallet.address)).to.equal(2);
    expect(await fx.usd.allowance(wallet.address, fx.vaultAddress)).to.equal(0n);
    const deposited = receipt.logs.map((log) => fx.vault.interface.parseLog(log)).find((e) => e?.name === "Deposited");
    expect(deposited?.args.toObject()).to.deep.equal({ payer: wallet.address, account: wallet.address, amount: 400n * USD });
  });

  it("deposits without approving when the allowance suffices", async function () {
    const fx = await loadFixture(clientFixture);
    const wallet = await fundedWallet(fx, "client-deposit-approved", 1_000n * USD);
    await (await fx.usd.connect(wallet).approve(fx.vaultAddress, MaxUint256)).wait();
    const client = await connect(wallet, fx.deployment);
    await client.deposit(250n * USD);
    expect(await ethers.provider.getTransactionCount(wallet.address), "approval + one deposit").to.equal(2);
    expect(await fx.vault.cashOf(wallet.address)).to.equal(250n * USD);
  });

  it("resets a smaller leftover allowance to zero before approving (tokens like USDT require it)", async function () {
    const fx = await loadFixture(clientFixture);
    const wallet = await fundedWallet(fx, "client-deposit-leftover", 1_000n * USD);
    await (await fx.usd.connect(wallet).approve(fx.vaultAddress, 5n * USD)).wait();
    const client = await connect(wallet, fx.deployment);
    const from = await ethers.provider.getBlockNumber();
    await client.deposit(300n * USD);
    const approvals = await fx.usd.queryFilter(fx.usd.filters.Approval(wallet.address, fx.vaultAddress), from + 1);
    expect(approvals.map((e) => e.args.value)).to.deep.equal([0n, 300n * USD]);
    expect(await fx.vault.cashOf(wallet.address)).to.equal(300n * USD);
  });

  it("deposits with a permit signed by a local Wallet, in one transaction", async function () {
    const fx = await loadFixture(clientFixture);
    const wallet = await fundedWallet(fx, "client-permit-wallet", 1_000n * USD);
    const client = await connect(wallet, fx.deployment);
    await client.depositWithPermit(750n * USD);
    expect(await ethers.provider.getTransactionCount(wallet.address), "no approval transaction").to.equal(1);
    expect(await fx.vault.cashOf(wallet.address)).to.equal(750n * USD);
    expect(await fx.usd.nonces(wallet.address), "the permit was used").to.equal(1n);
  });

  it("deposits with a permit signed over eth_signTypedData_v4 by a JSON-RPC account", async function () {
    const fx = await loadFixture(clientFixture);
    const account = await ethers.provider.getSigner(9);
    await (await fx.usd.mint(account.address, 500n * USD)).wait();
    const client = await connect(account, fx.deployment);
    await client.depositWithPermit(500n * USD);
    expect(await fx.vault.cashOf(account.address)).to.equal(500n * USD);
    expect(await fx.usd.nonces(account.address)).to.equal(1n);
    expect(await fx.usd.allowance(account.address, fx.vaultAddress)).to.equal(0n);
  });

  it("reports an expired permit as the token's allowance error (the vault tolerates a failed permit)", async function () {
    const fx = await loadFixture(clientFixture);
    const wallet = await fundedWallet(fx, "client-permit-expired", 1_000n * USD);
    const client = await connect(wallet, fx.deployment);
    const past = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) - 1n;
    const error = (await rejection(client.depositWithPermit(100n * USD, past))) as ContractError;
    expect(error).to.be.instanceOf(ContractError);
    expect(error.name).to.equal("ERC20InsufficientAllowance");
    expect(error.args).to.deep.equal({ spender: fx.vaultAddress, allowance: 0n, needed: 100n * USD });
    expect(error.message).to.equal(
      `insufficient token allowance: ${fx.vaultAddress} may spend 0.00 mUSD, needs 100.00 mUSD`,
    );
  });

  it("withdraws to the signer by default and to another address when given", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(fx.alice, fx.deployment);
    const before = await fx.usd.balanceOf(fx.alice.address);
    await client.withdraw(1_000n * USD);
    expect(await fx.usd.balanceOf(fx.alice.address)).to.equal(before + 1_000n * USD);
    await client.withdraw(234n * USD, fx.outsider.address);
    expect(await fx.usd.balanceOf(fx.outsider.address)).to.equal(234n * USD);
    expect(await fx.vault.cashOf(fx.alice.address)).to.equal(DEPOSIT - 1_234n * USD);
  });

  it("refuses a zero or negative amount before sending, naming the field", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(fx.alice, fx.deployment);
    for (const attempt of [client.deposit(0n), client.depositWithPermit(-1n), client.withdraw(0n)]) {
      const error = (await rejection(attempt)) as InvalidInputError;
      expect(error).to.be.instanceOf(InvalidInputError);
      expect(error.field).to.equal("amount");
    }
  });

  it("refuses to connect to a deployment of another chain", async function () {
    const fx = await loadFixture(clientFixture);
    const error = (await rejection(connect(fx.alice, { ...fx.deployment, chainId: 1 }))) as NetworkMismatchError;
    expect(error).to.be.instanceOf(NetworkMismatchError);
    expect(error.expectedChainId).to.equal(1n);
    expect(error.actualChainId).to.equal(fx.chainId);
  });

  it("reads the collateral token's symbol and decimals at connect", async function () {
    const fx = await loadFixture(clientFixture);
    const client = await connect(ethers.provider, fx.deployment);
    expect(client.collateral).to.deep.equal({ symbol: "mUSD", decimals: 6 });
    expect(client.signer).to.equal(undefined);
  });
});
