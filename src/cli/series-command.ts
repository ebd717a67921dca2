/**
 * `cfx series list-next [--month YYYY-MM]`: lists a month's series, one per product of the
 * deploy parameters (deploy/listSeries.ts), with the key of an account holding LISTER_ROLE.
 * Series already listed are skipped, so running it twice changes nothing.
 */
import { Command } from "commander";

import { describeListing, listMonthSeries } from "../../deploy/listSeries.js";
import { loadParameters } from "../../deploy/parameters.js";
import { parametersFile } from "../../deploy/scriptEnv.js";
import { parseMonth, type Month } from "../../deploy/series.js";
import { runSession } from "./context.js";
import { UsageError } from "./errors.js";
import { withConnection, withKey, type ConnectionOptions, type KeyOptions } from "./options.js";
import { printResult } from "./output.js";

type Options = ConnectionOptions & KeyOptions & { month?: string };

export function seriesCommand(): Command {
  const series = new Command("series").description("manage the market's series (lister role)");
  const listNext = series
    .command("list-next")
    .description("list next month's series (or --month's), one per product of the deploy parameters")
    .option("--month <YYYY-MM>", "the month to list (default: the month after the latest listed, or that month if a product still lacks it)")
    .addHelpText(
      "after",
      `
The key's account must hold LISTER_ROLE on the market (with deploy/parameters/local.json: the deployer, account #0).
--params (default $CFX_DEPLOY_PARAMS, else deploy/parameters/local.json) defines the products.

Examples:
  cfx series list-next
  cfx series list-next --month 2027-03 --params deploy/parameters/sepolia.json --network sepolia`,
    )
    .action(async (options: Options) => {
      const month = options.month === undefined ? undefined : monthOption(options.month);
      const parameters = await loadParameters(options.params ?? parametersFile());
      await runSession(options, { signer: true }, async (session) => {
        const result = await session.progress.during(
          "listing series",
          listMonthSeries(session.client.signer!, session.deployment, parameters, { month }),
        );
        printResult(session.json, result, () => describeListing(result).join("\n"));
      });
    });
  withKey(withConnection(listNext));
  return series;
}

function monthOption(text: string): Month {
  try {
    return parseMonth(text);
  } catch {
    throw new UsageError(`--month: expected a month as YYYY-MM, got "${text}"`);
  }
}
