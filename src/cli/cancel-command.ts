/**
 * `cfx cancel <signed-order.json>`: voids one of the key's orders on-chain; `cfx cancel --all`:
 * voids every order the key has signed so far (client.cancelAll raises the nonce floor).
 */
import { Command } from "commander";

import { runSession } from "./context.js";
import { UsageError } from "./errors.js";
import { withConnection, withKey, type ConnectionOptions, type KeyOptions } from "./options.js";
import { printResult } from "./output.js";
import { describeOrder, readSignedOrder } from "./order-file.js";
import { txNote, txResult } from "./tx-result.js";

type Options = ConnectionOptions & KeyOptions & { all?: boolean };

export function cancelCommand(): Command {
  const command = new Command("cancel")
    .description("cancel one signed order of the key's account, or all of them with --all")
    .argument("[order]", 'a signed order file (from cfx order --out), or "-" for stdin')
    .option("--all", "cancel every order signed so far (orders signed later are valid)")
    .addHelpText("after", "\nExamples:\n  cfx cancel ask.json\n  cfx cancel --all")
    .action(async (source: string | undefined, options: Options) => {
      if ((source === undefined) === (options.all !== true)) {
        throw new UsageError("give a signed order file to cancel, or --all (not both)");
      }
      await runSession(options, { signer: true }, async (session) => {
        const { client } = session;
        if (source === undefined) {
          const receipt = await session.progress.during("cancelling every order signed so far", client.cancelAll());
          const minNonce = await client.contracts.market.minNonceOf(await client.address());
          printResult(session.json, { action: "cancelAll", minNonce, ...txResult(receipt) }, () => `cancelled every order with a nonce below ${minNonce} ${txNote(receipt)}`);
          return;
        }
        const signed = await readSignedOrder(source, client);
        const what = describeOrder(signed.order, await session.nameOf(signed.order.series));
        const receipt = await session.progress.during(`cancelling ${what}`, client.cancel(signed.order));
        printResult(session.json, { action: "cancel", orderHash: signed.hash, ...txResult(receipt) }, () => `cancelled ${what} (${signed.hash}) ${txNote(receipt)}`);
      });
    });
  return withKey(withConnection(command));
}
