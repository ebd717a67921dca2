/**
 * `cfx account [address]`: balance, equity, initial and maintenance margin, free collateral,
 * margin ratio and the positions; `cfx positions [address]`: the positions alone. Read-only:
 * with an address no key is needed; without one, the key's account.
 */
import { Command } from "commander";

import { accountTable, positionsTable, readNamedAccount } from "./account-view.js";
import { runSession } from "./context.js";
import { parseAddress } from "./inputs.js";
import { withConnection, withKey, type ConnectionOptions, type KeyOptions } from "./options.js";
import { printResult } from "./output.js";

type Options = ConnectionOptions & KeyOptions;

export function accountCommand(): Command {
  const command = new Command("account")
    .description("an account's balance, equity, margin, free collateral, margin ratio and positions")
    .argument("[address]", "the account (default: the key's)")
    .addHelpText("after", "\nExamples:\n  CFX_PRIVATE_KEY=0x... cfx account\n  cfx account 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --json")
    .action(async (text: string | undefined, options: Options) => {
      const address = text === undefined ? undefined : parseAddress(text, "<address>");
      await runSession(options, { signer: address === undefined }, async (session) => {
        const account = await readNamedAccount(session, address);
        printResult(session.json, account, () => accountTable(account, session.client.collateral));
      });
    });
  return withKey(withConnection(command));
}

export function positionsCommand(): Command {
  const command = new Command("positions")
    .description("an account's positions: size, entry, mark, unrealised PnL, margin, liquidation price")
    .argument("[address]", "the account (default: the key's)")
    .addHelpText("after", "\nExamples:\n  cfx positions\n  cfx positions 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --json")
    .action(async (text: string | undefined, options: Options) => {
      const address = text === undefined ? undefined : parseAddress(text, "<address>");
      await runSession(options, { signer: address === undefined }, async (session) => {
        const account = await readNamedAccount(session, address);
        printResult(session.json, account.positions, () => positionsTable(account.positions, session.client.collateral));
      });
    });
  return withKey(withConnection(command));
}
