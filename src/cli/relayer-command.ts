/** `cfx relayer start --config <file>`: runs one relayer until SIGTERM or SIGINT. */
import { Command } from "commander";

import { loadRelayerConfig } from "../relayer/config.js";
import { Relayer } from "../relayer/relayer.js";

export function relayerCommand(): Command {
  const relayer = new Command("relayer").description("run an index relayer");
  relayer
    .command("start")
    .description("observe the configured feeds, serve the observations, transmit reports on this relayer's turn")
    .requiredOption("--config <file>", "relayer configuration (YAML): see docs/operations.md")
    .action(async (options: { config: string }) => {
      const config = await loadRelayerConfig(options.config);
      const running = await Relayer.start(config);
      running.run();
      await new Promise<void>((resolve) => {
        const shutdown = () => {
          process.off("SIGTERM", shutdown);
          process.off("SIGINT", shutdown);
          running.stop().then(resolve, resolve);
        };
        process.on("SIGTERM", shutdown);
        process.on("SIGINT", shutdown);
      });
    });
  return relayer;
}
