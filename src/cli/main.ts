/**
 * `cfx`: the command line of compute-futures. Every failure the user can fix prints one line
 * saying what to fix and exits 1; a stack trace only appears with CFX_DEBUG=1.
 */
import { Command, CommanderError } from "commander";

import { indexCommand } from "./index-command.js";
import { keeperCommand } from "./keeper-command.js";
import { relayerCommand } from "./relayer-command.js";

export function program(): Command {
  return new Command("cfx")
    .description("compute-futures: index relayers, oracle and futures on AI compute prices")
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .addCommand(relayerCommand())
    .addCommand(indexCommand())
    .addCommand(keeperCommand());
}

/** Runs the command line and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander printed the message
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`cfx: ${message}\n`);
    if (process.env.CFX_DEBUG === "1" && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
