/**
 * `cfx deposit <amount> [--permit]`: moves collateral from the wallet into the vault, with an
 * exact approval first (client.deposit) or an ERC-2612 permit in one transaction.
 */
import { Command } from "commander";

import { runSession } from "./context.js";
import { money } from "./format.js";
import { parseAmount } from "./inputs.js";
import { withConnection, withKey, type ConnectionOptions, type KeyOptions } from "./options.js";
import { printResult } from "./output.js";
import { txNote, txResult } from "./tx-result.js";

type Options = ConnectionOptions & KeyOptions & { permit?: boolean };

export function depositCommand(): Command {
  const command = new Command("deposit")
    .description("deposit collateral from the wallet into the vault")
    .argument("<amount>", 'in the collateral\'s units, e.g. 1000 or "1,000.50"')
    .option("--permit", "sign an ERC-2612 permit instead of approving: one transaction")
    .addHelpText("after", "\nExamples:\n  cfx deposit 1,000\n  cfx deposit 250.50 --permit")
    .action(async (text: string, options: Options) => {
      await runSession(options, { signer: true }, async (session) => {
        const { client } = session;
        const amount = parseAmount(text, client.collateral, "<amount>");
        const shown = money(amount, client.collateral);
        const receipt = await session.progress.during(
          `depositing ${shown}${options.permit ? " with a permit" : ""}`,
          options.permit ? client.depositWithPermit(amount) : client.deposit(amount),
        );
        const account = await client.account();
        printResult(
          session.json,
          { action: "deposit", account: account.address, amount, cash: account.cash, freeCollateral: account.freeCollateral, ...txResult(receipt) },
          () => `deposited ${shown}: vault balance ${money(account.cash, client.collateral)}, free collateral ${money(account.freeCollateral, client.collateral)} ${txNote(receipt)}`,
        );
      });
    });
  return withKey(withConnection(command));
}
