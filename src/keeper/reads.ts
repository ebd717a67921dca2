/**
 * What the keeper reads from the market and the vault. Series parameters never change after
 * listing, so they are read once; everything else is read fresh at each use.
 */
import type { FuturesMarket, MarginVault } from "../../types/ethers-contracts/index.js";

/** A series' fixed parameters, as bigints. */
export interface SeriesInfo {
  id: string;
  expiry: bigint;
  multiplier: bigint;
  initialMarginBps: bigint;
  maintenanceMarginBps: bigint;
  liquidationPenaltyBps: bigint;
  liquidatorShareBps: bigint;
}

/** A series' current state: mark, index freshness, settlement price (0 until settled). */
export interface SeriesNow {
  markPrice: bigint;
  indexStale: boolean;
  settlementPrice: bigint;
}

/** vault.accountMargin: token units. */
export interface Margin {
  cash: bigint;
  equity: bigint;
  initialMargin: bigint;
  maintenanceMargin: bigint;
  openPositions: bigint;
  indexStale: boolean;
}

export interface Position {
  size: bigint;
  entryNotional: bigint;
}

export class Reads {
  private readonly params = new Map<string, SeriesInfo>();
  private scale: bigint | undefined;
  private delay: bigint | undefined;

  constructor(
    readonly market: FuturesMarket,
    readonly vault: MarginVault,
  ) {}

  async series(id: string): Promise<SeriesInfo> {
    const cached = this.params.get(id);
    if (cached !== undefined) return cached;
    const p = await this.market.seriesParams(id);
    const info: SeriesInfo = {
      id,
      expiry: p.expiry,
      multiplier: p.multiplier,
      initialMarginBps: p.initialMarginBps,
      maintenanceMarginBps: p.maintenanceMarginBps,
      liquidationPenaltyBps: p.liquidationPenaltyBps,
      liquidatorShareBps: p.liquidatorShareBps,
    };
    this.params.set(id, info);
    return info;
  }

  async seriesNow(id: string): Promise<SeriesNow> {
    const s = await this.market.seriesState(id);
    return { markPrice: s.markPrice, indexStale: s.indexStale, settlementPrice: s.settlementPrice };
  }

  /** The settlement price when settled, else the mark: what positions are valued at. */
  async referencePrice(id: string): Promise<{ price: bigint; stale: boolean; settled: boolean }> {
    const now = await this.seriesNow(id);
    if (now.settlementPrice !== 0n) return { price: now.settlementPrice, stale: false, settled: true };
    return { price: now.markPrice, stale: now.indexStale, settled: false };
  }

  async margin(account: string): Promise<Margin> {
    const m = await this.vault.accountMargin(account);
    return {
      cash: m.cash,
      equity: m.equity,
      initialMargin: m.initialMargin,
      maintenanceMargin: m.maintenanceMargin,
      openPositions: m.openPositions,
      indexStale: m.indexStale,
    };
  }

  async position(account: string, series: string): Promise<Position> {
    const p = await this.market.positionOf(account, series);
    return { size: p.size, entryNotional: p.entryNotional };
  }

  async openSeries(account: string): Promise<string[]> {
    return (await this.market.openSeriesOf(account)).map((id) => id.toLowerCase());
  }

  insuranceFund(): Promise<bigint> {
    return this.vault.insuranceFund();
  }

  /** WAD per collateral token unit. */
  async tokenScale(): Promise<bigint> {
    this.scale ??= await this.market.tokenScale();
    return this.scale;
  }

  /** Seconds after settleSeries before accounts may settle (the deleveraging hour). */
  async settlementDelay(): Promise<bigint> {
    this.delay ??= await this.market.ACCOUNT_SETTLEMENT_DELAY();
    return this.delay;
  }
}
