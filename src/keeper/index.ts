/**
 * The keeper's public surface. The CLI (`cfx keeper start --config <file>`) calls
 * `runKeeperUntilSignal(file)`; the demo and tests start one in-process with
 * `Keeper.start(parseKeeperConfig(raw, file), { provider, wallet, deployment })`.
 */
import { Keeper, type KeeperOptions } from "./keeper.js";
import { loadKeeperConfig } from "./config.js";

export { Keeper, type KeeperOptions, type TickSummary } from "./keeper.js";
export { ConfigError, KeeperConfigSchema, loadKeeperConfig, parseKeeperConfig, type KeeperConfig } from "./config.js";
export type { KeeperDeployment } from "./deployment.js";
export type { LiquidationPlan, LiquidationResult } from "./liquidator.js";
export type { DeleverageResult } from "./deleverager.js";
export type { AccountSettlement, SeriesSettlement } from "./settler.js";
export { KeeperMetrics } from "./metrics.js";

/** Loads the configuration file, starts the keeper and its loop; `stop()` ends it. */
export async function startKeeperFromConfig(file: string, options: KeeperOptions = {}): Promise<Keeper> {
  const keeper = await Keeper.start(await loadKeeperConfig(file), options);
  keeper.run();
  return keeper;
}

/** `cfx keeper start --config <file>`: runs the keeper until SIGTERM or SIGINT, then stops it cleanly. */
export async function runKeeperUntilSignal(file: string, options: KeeperOptions = {}): Promise<void> {
  const keeper = await startKeeperFromConfig(file, options);
  await new Promise<void>((resolve) => {
    const shutdown = () => {
      process.off("SIGTERM", shutdown);
      process.off("SIGINT", shutdown);
      keeper.stop().then(resolve, resolve);
    };
    process.on("SIGTERM", shutdown);
    process.on("SIGINT", shutdown);
  });
}
