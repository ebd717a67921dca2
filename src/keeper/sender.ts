/**
 * Estimates and sends the keeper's transactions through the relayer's TxManager (EIP-1559 fees,
 * replacement of a stuck transaction, a nonce state file that survives restarts). An estimate
 * that reverts comes back as the decoded custom error: the keeper logs why and moves on. A
 * transport failure (the RPC is down) is thrown: the tick fails and the next one retries.
 */
import type { Interface, Provider } from "ethers";
import type { Logger } from "pino";

import type { TxManager, TxOutcome } from "../relayer/txManager.js";
import type { KeeperMetrics } from "./metrics.js";
import { feePerGas } from "./profit.js";
import { decodeRevert, isRevert, type Revert } from "./revert.js";

export type Estimate =
  | { ok: true; gas: bigint; weiPerGas: bigint }
  | { ok: false; revert: Revert };

export interface GasCaps {
  /** wei per gas the keeper never exceeds. */
  maxFeePerGas: bigint;
  priorityFeePerGas: bigint;
}

/** Gas limit = estimate x 120%: the state may move a little between estimate and mining. */
const GAS_HEADROOM_PERCENT = 120n;

export class Sender {
  constructor(
    private readonly provider: Provider,
    private readonly from: string,
    private readonly tx: TxManager,
    private readonly interfaces: Interface[],
    private readonly caps: GasCaps,
    private readonly metrics: KeeperMetrics,
    private readonly log: Logger,
  ) {}

  /** Gas for `data` sent to `to` and the fee per gas the keeper would offer; or why it reverts. */
  async estimate(to: string, data: string): Promise<Estimate> {
    let gas: bigint;
    try {
      gas = await this.provider.estimateGas({ from: this.from, to, data });
    } catch (error) {
      if (!isRevert(error)) throw error;
      return { ok: false, revert: decodeRevert(error, this.interfaces) };
    }
    const block = await this.provider.getBlock("latest");
    const baseFee = block?.baseFeePerGas ?? 0n;
    if (baseFee + this.caps.priorityFeePerGas > this.caps.maxFeePerGas) {
      const text = `base fee ${baseFee} wei + tip above the cap of ${this.caps.maxFeePerGas} wei per gas`;
      return { ok: false, revert: { name: "GasPriceAboveCap", args: [baseFee], text } };
    }
    return { ok: true, gas, weiPerGas: feePerGas(baseFee, this.caps.priorityFeePerGas, this.caps.maxFeePerGas) };
  }

  /**
   * Sends and waits for the receipt. `stillNeeded` is asked before a stuck transaction is
   * replaced. Returns the outcome; gas is counted whether the transaction succeeded or not.
   */
  async send(
    action: string,
    to: string,
    data: string,
    gas: bigint,
    label: string,
    stillNeeded: () => Promise<boolean>,
  ): Promise<TxOutcome> {
    const gasLimit = (gas * GAS_HEADROOM_PERCENT) / 100n;
    const outcome = await this.tx.submit({ to, data, gasLimit }, label, stillNeeded);
    this.metrics.transactions.inc({ action, outcome: outcome.status });
    if (outcome.status === "mined" || outcome.status === "reverted") {
      this.metrics.gasSpent.inc(Number(outcome.gasCost));
      const level = outcome.status === "mined" ? "info" : "warn";
      this.log[level]({ action, label, hash: outcome.receipt.hash, gasUsed: outcome.receipt.gasUsed.toString() }, `${action} ${outcome.status}`);
    } else {
      this.log.warn({ action, label, outcome: outcome.status }, `${action} not mined`);
    }
    return outcome;
  }
}

