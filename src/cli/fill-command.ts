/**
 * `cfx fill <signed-order.json|->`: the key's account takes a maker's signed order (all that is
 * left, or --size contracts) at the maker's price, paying the taker fee.
 */
import { Command } from "commander";

import { formatSize, type CfxClient, type SignedOrder } from "../client/index.js";
import { runSession } from "./context.js";
import { UsageError } from "./errors.js";
import { money, price } from "./format.js";
import { parseContracts } from "./inputs.js";
import { withConnection, withKey, type ConnectionOptions, type KeyOptions } from "./options.js";
import { printResult } from "./output.js";
import { marketEvent } from "./receipt-events.js";
import { describeOrder, readSignedOrder } from "./order-file.js";
import { txNote, txResult } from "./tx-result.js";

type Options = ConnectionOptions & KeyOptions & { size?: string };

export function fillCommand(): Command {
  const command = new Command("fill")
    .description("take a maker's signed order as the taker, at its price")
    .argument("<order>", 'a signed order file (from cfx order --out), or "-" for stdin')
    .option("--size <contracts>", "contracts to take (default: all that is left of the order)")
    .addHelpText("after", "\nExamples:\n  cfx fill ask.json --size 4\n  cat ask.json | cfx fill -")
    .action(async (source: string, options: Options) => {
      const size = options.size === undefined ? undefined : parseContracts(options.size);
      await runSession(options, { signer: true }, async (session) => {
        const { client } = session;
        const maker = await readSignedOrder(source, client);
        const name = await session.nameOf(maker.order.series);
        const amount = size ?? (await remainingOf(client, maker));
        const receipt = await session.progress.during(`filling ${describeOrder(maker.order, name)}`, client.fill(maker, amount));
        const { size: filledSize, price: filledPrice, makerFee, takerFee } = marketEvent(client, receipt, "OrderFilled");
        const filled = { size: filledSize as bigint, price: filledPrice as bigint, makerFee: makerFee as bigint, takerFee: takerFee as bigint };
        const taker = await client.address();
        const position = await client.contracts.market.positionOf(taker, maker.order.series);
        const side = maker.order.isBuy ? "sold" : "bought";
        printResult(
          session.json,
          { action: "fill", series: maker.order.series, name, orderHash: maker.hash, taker, ...filled, position: position.size, ...txResult(receipt) },
          () =>
            `${side} ${formatSize(filled.size)} ${name} at ${price(filled.price, "nearest", 18)}, taker fee ${money(filled.takerFee, client.collateral, "ceil")}; ` +
            `position now ${formatSize(position.size, { plusSign: true })} ${txNote(receipt)}`,
        );
      });
    });
  return withKey(withConnection(command));
}

/** All that is left of the order, or why nothing is. */
async function remainingOf(client: CfxClient, maker: SignedOrder): Promise<bigint> {
  const status = await client.orderStatus(maker.order);
  if (status.remaining > 0n) return status.remaining;
  const why = status.cancelled
    ? "it is cancelled"
    : status.nonceCancelled
      ? "its maker cancelled every order up to it (cancel --all)"
      : status.expired
        ? "it has expired"
        : `all ${formatSize(maker.order.size)} contracts are filled`;
  throw new UsageError(`order ${maker.hash} has nothing left to fill: ${why}`);
}
