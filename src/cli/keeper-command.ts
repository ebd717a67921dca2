/** `cfx keeper start --config <file>`: runs the keeper until SIGTERM or SIGINT (docs/keeper.md). */
import { Command } from "commander";

import { runKeeperUntilSignal } from "../keeper/index.js";

export function keeperCommand(): Command {
  const keeper = new Command("keeper").description("run a keeper: liquidations, deleveraging and settlement");
  keeper
    .command("start")
    .description("follow the market's accounts and do the keeper's work every interval")
    .requiredOption("--config <file>", "keeper configuration (YAML): see docs/keeper.md")
    .action(async (options: { config: string }) => {
      await runKeeperUntilSignal(options.config);
    });
  return keeper;
}
