/**
 * Collateral in and out of the vault: deposit (approving first when the allowance is short),
 * deposit with an ERC-2612 permit signed by the wallet (one transaction, no approval), withdraw.
 */
import {
  Contract,
  Signature,
  TypedDataEncoder,
  type ContractTransactionReceipt,
  type TypedDataDomain,
} from "ethers";

import { latestBlock, read, requireSigner, sendTransaction, type ClientContext } from "./context.js";
import { CfxError, InvalidInputError } from "./errors.js";

const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** How long a permit stays valid by default, seconds of chain time. */
export const DEFAULT_PERMIT_LIFETIME = 3600n;

function positiveAmount(amount: bigint, field = "amount"): bigint {
  if (typeof amount !== "bigint" || amount <= 0n) throw new InvalidInputError(field, "must be a positive number of token units");
  return amount;
}

/** Deposits `amount` token units into the signer's vault account, approving exactly `amount` first if needed (after a reset to zero when a smaller allowance is left). */
export async function deposit(ctx: ClientContext, amount: bigint): Promise<ContractTransactionReceipt> {
  positiveAmount(amount);
  const owner = await requireSigner(ctx, "deposit").getAddress();
  const { token, vault } = ctx.contracts;
  const allowance = await read(ctx, "read allowance", () => token.allowance(owner, ctx.deployment.vault));
  if (allowance < amount) {
    // Some tokens (USDT) refuse to move an allowance from one non-zero value to another: reset it
    // to zero first, which every ERC-20 accepts.
    if (allowance !== 0n) await sendTransaction(ctx, "reset the vault's allowance", () => token.approve(ctx.deployment.vault, 0n));
    // Exactly the amount, not unlimited: the vault never holds an allowance beyond this deposit.
    await sendTransaction(ctx, "approve the vault", () => token.approve(ctx.deployment.vault, amount));
  }
  return sendTransaction(ctx, "deposit", () => vault.deposit(amount));
}

/**
 * The token's EIP-712 domain: from ERC-5267 `eip712Domain()` when it has it, else its name and
 * `version()` (or "1"), checked against its DOMAIN_SEPARATOR so a permit is never signed under a
 * domain the token would reject.
 */
export async function tokenPermitDomain(ctx: ClientContext): Promise<TypedDataDomain> {
  const { token } = ctx.contracts;
  const address = ctx.deployment.token;
  const chainId = BigInt(ctx.deployment.chainId);
  let domain: TypedDataDomain;
  try {
    const d = await token.eip712Domain();
    domain = { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
  } catch {
    const name = await read(ctx, "read token name", () => token.name());
    const versioned = new Contract(address, ["function version() view returns (string)"], ctx.provider);
    const version = await (versioned.version() as Promise<string>).catch(() => "1");
    domain = { name, version, chainId, verifyingContract: address };
  }
  const separator = await read(ctx, "read the token's DOMAIN_SEPARATOR", () => token.DOMAIN_SEPARATOR());
  if (TypedDataEncoder.hashDomain(domain) !== separator) {
    throw new CfxError(`cannot work out the permit domain of token ${address}: use deposit() (approve, then deposit)`);
  }
  return domain;
}

/**
 * Deposits with an ERC-2612 permit: the signer signs `Permit(owner, vault, amount, nonce,
 * deadline)` with signTypedData (any ethers Signer: a Wallet, a JSON-RPC account, a browser
 * wallet) and the vault takes it in the same transaction as the deposit. `deadline` defaults to
 * an hour of chain time from now.
 */
export async function depositWithPermit(
  ctx: ClientContext,
  amount: bigint,
  deadline?: bigint,
): Promise<ContractTransactionReceipt> {
  positiveAmount(amount);
  const signer = requireSigner(ctx, "depositWithPermit");
  const owner = await signer.getAddress();
  const validUntil = deadline ?? (await latestBlock(ctx)).timestamp + DEFAULT_PERMIT_LIFETIME;
  const [domain, nonce] = await Promise.all([
    tokenPermitDomain(ctx),
    read(ctx, "read permit nonce", () => ctx.contracts.token.nonces(owner)),
  ]);
  const permit = { owner, spender: ctx.deployment.vault, value: amount, nonce, deadline: validUntil };
  let signature: string;
  try {
    signature = await signer.signTypedData(domain, PERMIT_TYPES, permit);
  } catch (error) {
    throw ctx.decoder.toCfxError(error, "sign the permit");
  }
  const { v, r, s } = Signature.from(signature);
  return sendTransaction(ctx, "depositWithPermit", () => ctx.contracts.vault.depositWithPermit(amount, validUntil, v, r, s));
}

/** Withdraws `amount` of free collateral to `to` (the signer by default). */
export async function withdraw(ctx: ClientContext, amount: bigint, to?: string): Promise<ContractTransactionReceipt> {
  positiveAmount(amount);
  const recipient = to ?? (await requireSigner(ctx, "withdraw").getAddress());
  return sendTransaction(ctx, "withdraw", () => ctx.contracts.vault.withdraw(amount, recipient));
}
