/**
 * `cfx withdraw <amount|all> [--to address]`: pays free collateral out of the vault. "all" is
 * the free collateral at the latest block (unrealised profit is not withdrawable).
 */
import { Command } from "commander";

import type { CfxClient } from "../client/index.js";
import { runSession } from "./context.js";
import { UsageError } from "./errors.js";
import { money } from "./format.js";
import { parseAddress, parseAmount } from "./inputs.js";
import { withConnection, withKey, type ConnectionOptions, type KeyOptions } from "./options.js";
import { printResult } from "./output.js";
import { txNote, txResult } from "./tx-result.js";

type Options = ConnectionOptions & KeyOptions & { to?: string };

export function withdrawCommand(): Command {
  const command = new Command("withdraw")
    .description("withdraw free collateral from the vault")
    .argument("<amount>", 'in the collateral\'s units ("500", "1,000.50"), or "all" for all the free collateral')
    .option("--to <address>", "pay to this address (default: the key's)")
    .addHelpText("after", "\nExamples:\n  cfx withdraw 500\n  cfx withdraw all --to 0x90F79bf6EB2c4f870365E785982E1f101E93b906")
    .action(async (text: string, options: Options) => {
      const to = options.to === undefined ? undefined : parseAddress(options.to, "--to");
      await runSession(options, { signer: true }, async (session) => {
        const { client } = session;
        const amount = text.trim().toLowerCase() === "all" ? await allFree(session.client) : parseAmount(text, client.collateral, "<amount>");
        const shown = money(amount, client.collateral);
        const receipt = await session.progress.during(`withdrawing ${shown}`, client.withdraw(amount, to));
        const recipient = to ?? (await client.address());
        const account = await client.account();
        printResult(
          session.json,
          { action: "withdraw", account: account.address, to: recipient, amount, cash: account.cash, freeCollateral: account.freeCollateral, ...txResult(receipt) },
          () => `withdrew ${shown} to ${recipient}: vault balance ${money(account.cash, client.collateral)} ${txNote(receipt)}`,
        );
      });
    });
  return withKey(withConnection(command));
}

async function allFree(client: CfxClient): Promise<bigint> {
  const { freeCollateral, indexStale } = await client.account();
  if (freeCollateral > 0n) return freeCollateral;
  const why = indexStale ? " (an index is stale: withdrawals wait for its next round)" : "";
  throw new UsageError(`nothing to withdraw: free collateral is ${money(freeCollateral, client.collateral)}${why}`);
}
