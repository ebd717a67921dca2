/**
 * The relayer's Prometheus metrics (`GET /metrics`). Each relayer owns its registry, so several
 * relayers can run in one process (tests, the demo). No label or value ever holds key material.
 */
import { Counter, Gauge, Registry } from "prom-client";

const WAD = 10n ** 18n;

export class RelayerMetrics {
  readonly registry = new Registry();
  private readonly observedAt = new Map<string, number>();

  readonly lastValue = new Gauge({
    name: "cfx_relayer_last_value",
    help: "Last index value this relayer observed, in the feed's unit (USD).",
    labelNames: ["feed"],
    registers: [this.registry],
  });
  readonly observationAge = new Gauge({
    name: "cfx_relayer_observation_age_seconds",
    help: "Seconds since this relayer's last observation of the feed.",
    labelNames: ["feed"],
    registers: [this.registry],
    collect: () => this.collectAges(),
  });
  readonly observations = new Counter({
    name: "cfx_relayer_observations_total",
    help: "Observations computed and signed.",
    labelNames: ["feed"],
    registers: [this.registry],
  });
  readonly submissions = new Counter({
    name: "cfx_relayer_submissions_total",
    help: "Reports this relayer transmitted, by outcome (mined, reverted, superseded, gave-up).",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly failures = new Counter({
    name: "cfx_relayer_failures_total",
    help: "Failed steps, by stage (compute, rpc, peers, transmit).",
    labelNames: ["stage"],
    registers: [this.registry],
  });
  readonly sourceErrors = new Counter({
    name: "cfx_relayer_source_errors_total",
    help: "Price-source fetches that gave no usable quote.",
    labelNames: ["feed", "source"],
    registers: [this.registry],
  });
  readonly gasSpent = new Counter({
    name: "cfx_relayer_gas_spent_wei_total",
    help: "Gas cost of this relayer's transmissions, wei.",
    registers: [this.registry],
  });

  /** Records a new observation of `feedId` with its WAD value at unix second `at`. */
  observed(feedId: string, value: bigint, at: number): void {
    this.observations.inc({ feed: feedId });
    this.lastValue.set({ feed: feedId }, Number(value) / Number(WAD));
    this.observedAt.set(feedId, at);
  }

  private collectAges(): void {
    const now = Math.floor(Date.now() / 1000);
    for (const [feed, at] of this.observedAt) this.observationAge.set({ feed }, now - at);
  }
}
