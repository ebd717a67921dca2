/**
 * `cfx order`: builds an order checked against its series (tick, minimum size, trading, expiry),
 * signs it with the key (EIP-712) and prints the signed order's JSON, or writes it to a file:
 * what a taker passes to `cfx fill` or an order book relays. Nothing is sent to the chain.
 */
import { writeFile } from "node:fs/promises";
import { Command, Option } from "commander";

import { runSession } from "./context.js";
import { asOptionError } from "./errors.js";
import { parseContracts, parseExpiry, parseLimitPrice } from "./inputs.js";
import { withConnection, withKey, type ConnectionOptions, type KeyOptions } from "./options.js";
import { note, printResult } from "./output.js";
import { describeOrder } from "./order-file.js";

type Options = ConnectionOptions &
  KeyOptions & {
    series: string;
    side: "buy" | "sell";
    size: string;
    price: string;
    expiry?: string;
    postOnly?: boolean;
    reduceOnly?: boolean;
    out?: string;
  };

/** The client's field names in buildOrder's errors, as the options the user typed. */
const OPTION_OF = { series: "--series", side: "--side", size: "--size", price: "--price", expiry: "--expiry" };

export function orderCommand(): Command {
  const command = new Command("order")
    .description("build, check and sign an order; print its signed JSON (or write it with --out) for a taker")
    .requiredOption("--series <series>", "the series: its name (H100-2026-12), label or id (see cfx markets)")
    .addOption(new Option("--side <side>", "buy or sell").choices(["buy", "sell"]).makeOptionMandatory())
    .requiredOption("--size <contracts>", "whole contracts, at least the series' minimum")
    .requiredOption("--price <usd>", "limit price in USD per index unit, on the tick (e.g. 2.501)")
    .option("--expiry <when>", "unix seconds, or a duration from the chain's time: 90s, 30m, 1h, 2d (default: the series' last trading time)")
    .option("--post-only", "the order may only be the maker")
    .option("--reduce-only", "the order may only reduce a position")
    .option("--out <file>", "write the signed order to a file instead of stdout")
    .addHelpText(
      "after",
      `
Examples:
  cfx order --series H100-2026-12 --side sell --size 10 --price 2.50 --out ask.json
  cfx order --series H100-2026-12 --side buy --size 5 --price 2.45 --expiry 1h --post-only
  CFX_PRIVATE_KEY=$MAKER cfx order --series H100-2026-12 --side sell --size 10 --price 2.5 | CFX_PRIVATE_KEY=$TAKER cfx fill -`,
    )
    .action(async (options: Options) => {
      const size = parseContracts(options.size);
      const price = parseLimitPrice(options.price);
      await runSession(options, { signer: true }, async (session) => {
        const { client } = session;
        const series = await session.findSeries(options.series);
        const now = BigInt((await session.provider.getBlock("latest"))!.timestamp);
        const expiry = options.expiry === undefined ? undefined : parseExpiry(options.expiry, now);
        const order = await client
          .buildOrder({ series: series.id, side: options.side, size, price, expiry, postOnly: options.postOnly, reduceOnly: options.reduceOnly })
          .catch((error: unknown) => {
            throw asOptionError(error, OPTION_OF);
          });
        const signed = await client.signOrder(order);
        const json = client.serializeSignedOrder(signed);
        const summary = `signed ${describeOrder(order, series.name)}, hash ${signed.hash}`;
        if (options.out === undefined) {
          process.stdout.write(`${json}\n`);
          note(session.json, summary);
          return;
        }
        await writeFile(options.out, `${json}\n`);
        printResult(session.json, { file: options.out, ...JSON.parse(json) }, () => `${summary}\nwrote ${options.out}`);
      });
    });
  return withKey(withConnection(command));
}
