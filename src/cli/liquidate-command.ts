/**
 * `cfx liquidate <account> --series <s> [--size N]`: takes over an account's position below
 * maintenance margin at the mark. The market moves only what brings the account back to its
 * initial margin; the key's account earns its share of the penalty and must meet initial margin
 * with the contracts it takes.
 */
import { Command } from "commander";

import { formatSize } from "../client/index.js";
import { runSession } from "./context.js";
import { UsageError } from "./errors.js";
import { money, price } from "./format.js";
import { parseAddress, parseContracts } from "./inputs.js";
import { withConnection, withKey, type ConnectionOptions, type KeyOptions } from "./options.js";
import { printResult } from "./output.js";
import { marketEvent } from "./receipt-events.js";
import { txNote, txResult } from "./tx-result.js";

type Options = ConnectionOptions & KeyOptions & { series: string; size?: string };

export function liquidateCommand(): Command {
  const command = new Command("liquidate")
    .description("liquidate an account below maintenance margin: take over its position at the mark")
    .argument("<account>", "the account to liquidate")
    .requiredOption("--series <series>", "the series of the position (name, label or id)")
    .option("--size <contracts>", "most contracts to take (default: the whole position; the market takes only what is needed)")
    .addHelpText(
      "after",
      "\nThe key's account must have the margin for the contracts it takes (deposit first).\n\nExamples:\n  cfx liquidate 0x90F79bf6EB2c4f870365E785982E1f101E93b906 --series TOKEN-2026-12",
    )
    .action(async (text: string, options: Options) => {
      const account = parseAddress(text, "<account>");
      const size = options.size === undefined ? undefined : parseContracts(options.size);
      await runSession(options, { signer: true }, async (session) => {
        const { client } = session;
        const series = await session.findSeries(options.series);
        const held = (await client.contracts.market.positionOf(account, series.id)).size;
        if (held === 0n) throw new UsageError(`${account} holds no position in ${series.name}`);
        const receipt = await session.progress.during(
          `liquidating ${account} in ${series.name}`,
          client.liquidate(account, series.id, size ?? (held < 0n ? -held : held)),
        );
        const liquidated = marketEvent(client, receipt, "PositionLiquidated");
        const event = {
          size: liquidated.size as bigint,
          markPrice: liquidated.markPrice as bigint,
          toLiquidator: liquidated.toLiquidator as bigint,
          toInsurance: liquidated.toInsurance as bigint,
        };
        const mine = (await client.contracts.market.positionOf(await client.address(), series.id)).size;
        printResult(
          session.json,
          { action: "liquidate", account, series: series.id, name: series.name, ...event, position: mine, ...txResult(receipt) },
          () =>
            `took ${formatSize(event.size)} of ${formatSize(held < 0n ? -held : held)} contracts of ${account} in ${series.name} at mark ${price(event.markPrice)}: ` +
            `reward ${money(event.toLiquidator, client.collateral)}, your position now ${formatSize(mine, { plusSign: true })} ${txNote(receipt)}`,
        );
      });
    });
  return withKey(withConnection(command));
}
