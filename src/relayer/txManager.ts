/**
 * Sends the relayer's transactions: EIP-1559 fees, receipt tracking, replacement of a stuck
 * transaction with higher fees, and nonces that survive a restart. One transaction is in
 * flight at a time (a relayer sends at most one report per round).
 *
 * Nonces: the next nonce is always the account's mined transaction count, so no gap can open.
 * Before broadcasting, the signed transaction is written to the state file; after a restart,
 * a transaction still unmined is re-broadcast and tracked, and the next submission replaces it
 * at the same nonce (a newer report supersedes an older one).
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { keccak256, type Provider, type TransactionReceipt, type TransactionRequest, type Wallet } from "ethers";

export interface GasPolicy {
  /** Never pay more than this per gas (wei). */
  maxFeePerGasCap: bigint;
  /** Tip offered at first (wei); the node's suggestion is used when higher. */
  priorityFeePerGas: bigint;
  /** Replace a transaction still unmined after this long. */
  replaceAfterMs: number;
  /** Each replacement raises both fees by at least this many percent (nodes need >= 10). */
  bumpPercent: number;
  /** How often to look for a receipt. */
  pollMs: number;
  /** Give up (and leave the nonce to the next submission) after this many replacements. */
  maxReplacements: number;
}

export const DEFAULT_GAS_POLICY: GasPolicy = {
  maxFeePerGasCap: 500n * 10n ** 9n,
  priorityFeePerGas: 10n ** 9n,
  replaceAfterMs: 30_000,
  bumpPercent: 15,
  pollMs: 500,
  maxReplacements: 5,
};

/** The in-flight transaction, as persisted. */
interface Pending {
  nonce: number;
  /** Every hash broadcast at this nonce: any of them may be the one mined. */
  hashes: string[];
  raw: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  label: string;
}

interface State {
  address: string;
  chainId: string;
  pending: Pending | null;
}

export type TxOutcome =
  | { status: "mined"; receipt: TransactionReceipt; replacements: number; gasCost: bigint }
  | { status: "reverted"; receipt: TransactionReceipt; replacements: number; gasCost: bigint }
  | { status: "superseded"; nonce: number }
  | { status: "gave-up"; nonce: number; replacements: number };

export interface TxLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const SILENT: TxLogger = { info() {}, warn() {} };

export class TxManager {
  private constructor(
    private readonly wallet: Wallet,
    private readonly provider: Provider,
    private readonly stateFile: string,
    private readonly policy: GasPolicy,
    private readonly log: TxLogger,
    private state: State,
  ) {}

  /**
   * Opens the manager for `wallet` (connected to its provider), loading `stateFile`. A
   * transaction left unmined by a previous run is re-broadcast so it keeps its place.
   */
  static async open(
    wallet: Wallet,
    stateFile: string,
    policy: Partial<GasPolicy> = {},
    log: TxLogger = SILENT,
  ): Promise<TxManager> {
    const provider = wallet.provider;
    if (provider === null) throw new Error("the relayer wallet has no provider");
    const { chainId } = await provider.getNetwork();
    const loaded = await readState(stateFile);
    const fresh: State = { address: wallet.address, chainId: chainId.toString(), pending: null };
    if (loaded !== null && (loaded.address !== wallet.address || loaded.chainId !== fresh.chainId)) {
      throw new Error(
        `state file ${stateFile} belongs to ${loaded.address} on chain ${loaded.chainId}, not ${wallet.address} on ${fresh.chainId}`,
      );
    }
    const manager = new TxManager(wallet, provider, stateFile, { ...DEFAULT_GAS_POLICY, ...policy }, log, loaded ?? fresh);
    await manager.recover();
    return manager;
  }

  /** The transaction a previous run left in flight, if it is still unmined. */
  get pendingNonce(): number | null {
    return this.state.pending?.nonce ?? null;
  }

  /**
   * Sends `request` (to, data) and follows it until it is mined. While it waits it replaces the
   * transaction with higher fees every `replaceAfterMs`; `stillNeeded` is asked before each
   * replacement, and when it says no the transaction is left to be superseded by the next one.
   */
  async submit(
    request: Pick<TransactionRequest, "to" | "data" | "gasLimit">,
    label: string,
    stillNeeded: () => Promise<boolean> = async () => true,
  ): Promise<TxOutcome> {
    const mined = await this.minedCount();
    const previous = this.state.pending;
    if (previous !== null && previous.nonce < mined) await this.clearPending();
    const nonce = mined;
    const gasLimit = request.gasLimit ?? (await this.provider.estimateGas({ ...request, from: this.wallet.address }));
    let fees = await this.initialFees(this.state.pending);
    for (let replacements = 0; ; replacements++) {
      const sent = await this.broadcast({ ...request, gasLimit }, nonce, fees, label);
      if (!sent) return { status: "superseded", nonce }; // another transaction took the nonce
      const receipt = await this.waitForReceipt(nonce);
      if (receipt === "nonce-taken") return { status: "superseded", nonce };
      if (receipt !== "timeout") return this.outcome(receipt, replacements);
      if (replacements >= this.policy.maxReplacements) {
        this.log.warn({ nonce, replacements, label }, "transaction still unmined, leaving it to the next round");
        return { status: "gave-up", nonce, replacements };
      }
      if (!(await stillNeeded())) {
        this.log.info({ nonce, label }, "transaction no longer needed, the next one replaces it");
        return { status: "superseded", nonce };
      }
      fees = this.bumped(fees);
      this.log.warn({ nonce, label, maxFeePerGas: fees.maxFeePerGas.toString() }, "replacing a stuck transaction");
    }
  }

  private async recover(): Promise<void> {
    const pending = this.state.pending;
    if (pending === null) return;
    if (pending.nonce < (await this.minedCount())) {
      await this.clearPending();
      return;
    }
    try {
      await this.provider.broadcastTransaction(pending.raw);
      this.log.info({ nonce: pending.nonce, label: pending.label }, "re-broadcast the transaction left by the last run");
    } catch (error) {
      // Already known to the node, or replaced meanwhile: the next submission sorts it out.
      this.log.warn({ nonce: pending.nonce, error: errorText(error) }, "could not re-broadcast the last run's transaction");
    }
  }

  private async broadcast(
    request: TransactionRequest,
    nonce: number,
    fees: Fees,
    label: string,
  ): Promise<boolean> {
    const { chainId } = this.state;
    const raw = await this.wallet.signTransaction({
      ...request,
      type: 2,
      chainId: BigInt(chainId),
      nonce,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    const hash = keccakOfRaw(raw);
    const hashes = this.state.pending?.nonce === nonce ? [...this.state.pending.hashes, hash] : [hash];
    await this.save({
      ...this.state,
      pending: {
        nonce,
        hashes,
        raw,
        maxFeePerGas: fees.maxFeePerGas.toString(),
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(),
        label,
      },
    });
    try {
      await this.provider.broadcastTransaction(raw);
      return true;
    } catch (error) {
      if (nonce < (await this.minedCount())) {
        // Mined meanwhile (ours or not): the caller finds the receipt or stands down.
        const receipt = await this.findReceipt(hashes);
        if (receipt === null) {
          await this.clearPending();
          return false;
        }
        return true;
      }
      throw new Error(`broadcasting ${label} (nonce ${nonce}) failed: ${errorText(error)}`);
    }
  }

  /** Our receipt; "timeout" after replaceAfterMs; "nonce-taken" when another transaction used the nonce. */
  private async waitForReceipt(nonce: number): Promise<TransactionReceipt | "timeout" | "nonce-taken"> {
    const deadline = Date.now() + this.policy.replaceAfterMs;
    for (;;) {
      const receipt = await this.findReceipt(this.state.pending?.hashes ?? []);
      if (receipt !== null) return receipt;
      if (nonce < (await this.minedCount())) {
        // Ours may have been mined just after the look above; else the nonce went to a
        // transaction we did not record (sent with the key elsewhere) and ours never will.
        const late = await this.findReceipt(this.state.pending?.hashes ?? []);
        if (late !== null) return late;
        await this.clearPending();
        return "nonce-taken";
      }
      if (Date.now() >= deadline) return "timeout";
      await sleep(this.policy.pollMs);
    }
  }

  private async findReceipt(hashes: string[]): Promise<TransactionReceipt | null> {
    for (const hash of hashes) {
      const receipt = await this.provider.getTransactionReceipt(hash);
      if (receipt !== null) return receipt;
    }
    return null;
  }

  private async outcome(receipt: TransactionReceipt, replacements: number): Promise<TxOutcome> {
    await this.clearPending();
    const gasCost = receipt.gasUsed * receipt.gasPrice;
    return receipt.status === 1
      ? { status: "mined", receipt, replacements, gasCost }
      : { status: "reverted", receipt, replacements, gasCost };
  }

  /** The node's suggestion with our tip, capped; at least a bump over a pending transaction. */
  private async initialFees(pending: Pending | null): Promise<Fees> {
    const block = await this.provider.getBlock("latest");
    const baseFee = block?.baseFeePerGas ?? 0n;
    const tip = this.policy.priorityFeePerGas;
    let fees: Fees = { maxPriorityFeePerGas: tip, maxFeePerGas: cap(baseFee * 2n + tip, this.policy.maxFeePerGasCap) };
    if (pending !== null) {
      const floor = this.bumped({
        maxFeePerGas: BigInt(pending.maxFeePerGas),
        maxPriorityFeePerGas: BigInt(pending.maxPriorityFeePerGas),
      });
      fees = {
        maxFeePerGas: max(fees.maxFeePerGas, floor.maxFeePerGas),
        maxPriorityFeePerGas: max(fees.maxPriorityFeePerGas, floor.maxPriorityFeePerGas),
      };
    }
    return fees;
  }

  private bumped(fees: Fees): Fees {
    const up = (x: bigint) => (x * BigInt(100 + this.policy.bumpPercent) + 99n) / 100n;
    const maxPriorityFeePerGas = up(fees.maxPriorityFeePerGas);
    const maxFeePerGas = up(fees.maxFeePerGas);
    if (maxFeePerGas > this.policy.maxFeePerGasCap) {
      throw new Error(
        `replacing the transaction needs ${maxFeePerGas} wei per gas, above the cap of ${this.policy.maxFeePerGasCap}`,
      );
    }
    return { maxFeePerGas, maxPriorityFeePerGas };
  }

  private async minedCount(): Promise<number> {
    return this.provider.getTransactionCount(this.wallet.address, "latest");
  }

  private async clearPending(): Promise<void> {
    await this.save({ ...this.state, pending: null });
  }

  private async save(state: State): Promise<void> {
    this.state = state;
    await mkdir(dirname(this.stateFile), { recursive: true });
    const temporary = `${this.stateFile}.tmp`;
    await writeFile(temporary, JSON.stringify(state, null, 2));
    await rename(temporary, this.stateFile); // atomic: a crash never leaves half a file
  }
}

interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

async function readState(path: string): Promise<State | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    return JSON.parse(text) as State;
  } catch {
    throw new Error(`state file ${path} is not valid JSON: move it away to start afresh`);
  }
}

/** A signed transaction's hash is the keccak of its raw bytes. */
function keccakOfRaw(raw: string): string {
  return keccak256(raw);
}

const cap = (x: bigint, limit: bigint) => (x > limit ? limit : x);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errorText(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string };
  return e.shortMessage ?? e.message ?? String(error);
}
