/**
 * The market's events in a transaction receipt: what a write actually did (the size filled, the
 * contracts liquidated, the cash each account settled for).
 */
import type { ContractTransactionReceipt, Result } from "ethers";

import type { CfxClient } from "../client/index.js";

export function marketEvents(client: CfxClient, receipt: ContractTransactionReceipt, name: string): Result[] {
  const market = client.contracts.market;
  const address = client.deployment.market.toLowerCase();
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address)
    .map((log) => market.interface.parseLog(log))
    .filter((parsed) => parsed?.name === name)
    .map((parsed) => parsed!.args);
}

/** The one `name` event a successful write must have emitted. */
export function marketEvent(client: CfxClient, receipt: ContractTransactionReceipt, name: string): Result {
  const [args] = marketEvents(client, receipt, name);
  if (args === undefined) throw new Error(`transaction ${receipt.hash} emitted no ${name} event`);
  return args;
}
