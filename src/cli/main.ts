/**
 * `cfx`: the command line of compute-futures. Every failure the user can fix prints one line
 * saying what to fix and exits 1; a stack trace only appears with CFX_DEBUG=1.
 */
import { Command, CommanderError } from "commander";

import { accountCommand, positionsCommand } from "./account-command.js";
import { cancelCommand } from "./cancel-command.js";
import { deployCommand } from "./deploy-command.js";
import { depositCommand } from "./deposit-command.js";
import { errorLine } from "./errors.js";
import { fillCommand } from "./fill-command.js";
import { indexCommand } from "./index-command.js";
import { keeperCommand } from "./keeper-command.js";
import { liquidateCommand } from "./liquidate-command.js";
import { marketsCommand } from "./markets-command.js";
import { mintCommand } from "./mint-command.js";
import { oracleCommand } from "./oracle-command.js";
import { orderCommand } from "./order-command.js";
import { relayerCommand } from "./relayer-command.js";
import { seriesCommand } from "./series-command.js";
import { settleCommand } from "./settle-command.js";
import { withdrawCommand } from "./withdraw-command.js";

export function program(): Command {
  const cfx = new Command("cfx")
    .description("compute-futures: index relayers, oracle and futures on AI compute prices")
    .addHelpText("after", "\nEvery command takes --help. Reference: docs/cli.md");
  const commands = [
    deployCommand(),
    marketsCommand(),
    accountCommand(),
    positionsCommand(),
    mintCommand(),
    depositCommand(),
    withdrawCommand(),
    orderCommand(),
    fillCommand(),
    cancelCommand(),
    liquidateCommand(),
    settleCommand(),
    seriesCommand(),
    oracleCommand(),
    relayerCommand(),
    indexCommand(),
    keeperCommand(),
  ];
  for (const command of commands) cfx.addCommand(command);
  return uniformErrors(cfx);
}

/**
 * Every command and subcommand throws instead of exiting (main() decides the exit code) and
 * reports a command-line mistake as one line like any other error:
 * `cfx: required option '--series <series>' not specified (see cfx order --help)`.
 */
function uniformErrors(command: Command): Command {
  const name = commandPath(command);
  command.exitOverride().configureOutput({
    outputError: (message, write) => write(`cfx: ${message.trim().replace(/^error: /, "")} (see ${name} --help)\n`),
  });
  command.commands.forEach((sub) => uniformErrors(sub as Command));
  return command;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Runs the command line and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // `cfx markets | head`: a reader that stops early is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  try {
    await program().parseAsync(argv, { from: "user" });
    // A command that finished with a verdict (e.g. `index verify`: not verified) set it.
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander printed the message
    process.stderr.write(`cfx: ${errorLine(error)}\n`);
    if (process.env.CFX_DEBUG === "1" && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
