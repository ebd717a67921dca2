/** What each of the keeper's jobs (deleverage, liquidate, settle) works with during one tick. */
import type { Logger } from "pino";

import type { FuturesMarket } from "../../types/ethers-contracts/index.js";
import type { KeeperMetrics } from "./metrics.js";
import type { Reads } from "./reads.js";
import type { Sender } from "./sender.js";
import type { KeeperState } from "./state.js";

export interface TickContext {
  /** The keeper's address (its account in the vault). */
  keeper: string;
  market: FuturesMarket;
  marketAddress: string;
  reads: Reads;
  sender: Sender;
  state: KeeperState;
  metrics: KeeperMetrics;
  log: Logger;
  /** The latest block's timestamp at the start of the tick, unix seconds. */
  chainTime: bigint;
  /** Whether the keeper holds DELEVERAGER_ROLE. */
  canDeleverage: boolean;
  minProfitWad: bigint;
  ethPriceWad: bigint;
  batchSize: number;
  /** True once `stop` was called: long loops end early. */
  stopping(): boolean;
}
