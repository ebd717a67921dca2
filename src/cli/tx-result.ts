/**
 * What a write prints: the action, what changed, and the transaction, for people and for scripts.
 */
import type { ContractTransactionReceipt } from "ethers";

export interface TxResult {
  txHash: string;
  blockNumber: number;
  gasUsed: bigint;
}

export function txResult(receipt: ContractTransactionReceipt): TxResult {
  return { txHash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed };
}

/** "(tx 0xabc…, block 12)". */
export function txNote(receipt: ContractTransactionReceipt): string {
  return `(tx ${receipt.hash}, block ${receipt.blockNumber})`;
}
