/**
 * The keeper's Prometheus metrics (`GET /metrics`). Each keeper owns its registry, so a keeper and
 * relayers can share one process (tests, the demo). No label or value holds key material.
 */
import { Counter, Gauge, Registry } from "prom-client";

export class KeeperMetrics {
  readonly registry = new Registry();

  readonly accountsTracked = new Gauge({
    name: "cfx_keeper_accounts_tracked",
    help: "Accounts the keeper knows from Deposited and PositionChanged events.",
    registers: [this.registry],
  });
  readonly accountsWithPositions = new Gauge({
    name: "cfx_keeper_accounts_with_positions",
    help: "Known accounts holding a position in some series (checked every tick).",
    registers: [this.registry],
  });
  readonly seriesTracked = new Gauge({
    name: "cfx_keeper_series_tracked",
    help: "Series listed on the market.",
    registers: [this.registry],
  });
  readonly lastScannedBlock = new Gauge({
    name: "cfx_keeper_last_scanned_block",
    help: "The last block whose events the keeper has read.",
    registers: [this.registry],
  });
  readonly liquidations = new Counter({
    name: "cfx_keeper_liquidations_total",
    help: "Liquidations, by outcome (sent, succeeded, failed).",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly liquidationsSkipped = new Counter({
    name: "cfx_keeper_liquidations_skipped_total",
    help: "Liquidatable accounts left alone, by reason (unprofitable, keeper-margin, refused, gas-cap, stale-index).",
    labelNames: ["reason"],
    registers: [this.registry],
  });
  readonly deleverages = new Counter({
    name: "cfx_keeper_deleverages_total",
    help: "Deleveraging transactions, by outcome (sent, succeeded, failed).",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly bankruptAccounts = new Gauge({
    name: "cfx_keeper_bankrupt_accounts",
    help: "Accounts in debt beyond the insurance fund at the last tick, before deleveraging.",
    registers: [this.registry],
  });
  readonly seriesSettled = new Counter({
    name: "cfx_keeper_series_settled_total",
    help: "settleSeries transactions this keeper landed.",
    registers: [this.registry],
  });
  readonly accountsSettled = new Counter({
    name: "cfx_keeper_accounts_settled_total",
    help: "Accounts this keeper settled (AccountSettled events of its transactions).",
    registers: [this.registry],
  });
  readonly gasSpent = new Counter({
    name: "cfx_keeper_gas_spent_wei_total",
    help: "Gas cost of the keeper's transactions, wei.",
    registers: [this.registry],
  });
  readonly transactions = new Counter({
    name: "cfx_keeper_transactions_total",
    help: "Transactions sent, by action and outcome (mined, reverted, superseded, gave-up).",
    labelNames: ["action", "outcome"],
    registers: [this.registry],
  });
  readonly tickFailures = new Counter({
    name: "cfx_keeper_tick_failures_total",
    help: "Ticks that failed (an RPC outage, a transaction that could not be sent).",
    registers: [this.registry],
  });
  readonly lastTick = new Gauge({
    name: "cfx_keeper_last_tick_timestamp_seconds",
    help: "Unix time of the last tick that completed.",
    registers: [this.registry],
  });
}
