/**
 * An account's margin summary: the vault's cross-margin totals and, per open position of this
 * market, its entry, mark, unrealised PnL, margin and liquidation price. Every read is pinned to
 * one block, so the numbers agree with each other.
 */
import { WAD } from "./format.js";
import { addressOr, latestBlock, read, type ClientContext } from "./context.js";
import {
  entryPrice,
  floorDiv,
  liquidationPrice,
  marginRequirement,
  positionValue,
  unrealisedPnl,
} from "./margin.js";
import { readSeries } from "./series.js";

export interface PositionSummary {
  series: string;
  /** "H100-SXM-HOUR 2026-01-31". */
  label: string;
  feed: string;
  feedName: string | undefined;
  /** Contracts, positive long. */
  size: bigint;
  /** size x multiplier x average entry price, WAD, signed like size. */
  entryNotional: bigint;
  /** Average entry price, WAD, rounded against the trader (up for a long, down for a short). */
  entryPrice: bigint;
  /** The price the position is valued at, WAD: the mark, or the settlement price once settled. */
  mark: bigint;
  /** Whether the series is settled (the position awaits settleAccount). */
  settled: boolean;
  /** size x multiplier x mark, collateral units, rounded down (as equity counts it). */
  value: bigint;
  /** value - entry, collateral units, rounded down. */
  unrealisedPnl: bigint;
  /** Collateral units, rounded up; zero once settled. */
  initialMargin: bigint;
  maintenanceMargin: bigint;
  /**
   * The mark at which the account becomes liquidatable, WAD, with everything else it holds
   * valued as now (see `liquidationPrice` in margin.ts); undefined when none exists or the series
   * is settled. The index level it corresponds to is about `liquidationPrice - (mark - index)`:
   * the basis, held at its current value.
   */
  liquidationPrice: bigint | undefined;
}

export interface AccountSummary {
  address: string;
  /** The collateral token in the wallet (not deposited), collateral units. */
  walletBalance: bigint;
  /** The vault's cash balance (negative for a leveraged long), collateral units. */
  cash: bigint;
  /** cash plus the value of every position in every market of the vault. */
  equity: bigint;
  initialMargin: bigint;
  maintenanceMargin: bigint;
  /** What may be withdrawn now. */
  freeCollateral: bigint;
  /** equity / maintenance margin, WAD, rounded down; undefined without positions. */
  marginRatio: bigint | undefined;
  /** Open positions across every market of the vault. */
  openPositions: bigint;
  /** Some position is valued at a stale index: no withdrawal, no risk-increasing trade. */
  indexStale: boolean;
  /** equity < maintenance margin: anyone may liquidate (once the indexes are fresh). */
  liquidatable: boolean;
  /** This market's positions. */
  positions: PositionSummary[];
  blockNumber: number;
  timestamp: bigint;
}

/** The account's summary (the signer's by default). */
export async function readAccount(ctx: ClientContext, address?: string): Promise<AccountSummary> {
  const account = await addressOr(ctx, address, "account()");
  const block = await latestBlock(ctx);
  const at = { blockTag: block.blockNumber };
  const { market, vault, token } = ctx.contracts;
  const [margin, open, walletBalance, scale] = await Promise.all([
    read(ctx, "read account margin", () => vault.accountMargin(account, at)),
    read(ctx, "read open series", () => market.openSeriesOf(account, at)),
    read(ctx, "read wallet balance", () => token.balanceOf(account, at)),
    read(ctx, "read token scale", () => market.tokenScale()),
  ]);

  const positions = await Promise.all(
    open.map(async (id): Promise<PositionSummary> => {
      const [series, position] = await Promise.all([
        readSeries(ctx, id, block),
        read(ctx, "read position", () => market.positionOf(account, id, at)),
      ]);
      const { multiplier, initialMarginBps, maintenanceMarginBps } = series.params;
      const { size, entryNotional } = position;
      const settled = series.settlementPrice !== undefined;
      const mark = series.settlementPrice ?? series.mark;
      const value = positionValue(size, mark, multiplier, scale);
      const maintenance = settled ? 0n : marginRequirement(size, mark, multiplier, maintenanceMarginBps, scale);
      return {
        series: series.id,
        label: series.label,
        feed: series.feed,
        feedName: series.feedName,
        size,
        entryNotional,
        entryPrice: entryPrice(size, entryNotional, multiplier) ?? 0n,
        mark,
        settled,
        value,
        unrealisedPnl: unrealisedPnl(size, entryNotional, mark, multiplier, scale),
        initialMargin: settled ? 0n : marginRequirement(size, mark, multiplier, initialMarginBps, scale),
        maintenanceMargin: maintenance,
        // The rest of the account: the vault's totals without this position's own terms.
        liquidationPrice: settled
          ? undefined
          : liquidationPrice({
              size,
              multiplier,
              maintenanceMarginBps,
              scale,
              otherEquity: margin.equity - value,
              otherMaintenance: margin.maintenanceMargin - maintenance,
            }),
      };
    }),
  );

  const hasPositions = margin.openPositions > 0n;
  return {
    address: account,
    walletBalance,
    cash: margin.cash,
    equity: margin.equity,
    initialMargin: margin.initialMargin,
    maintenanceMargin: margin.maintenanceMargin,
    freeCollateral: margin.freeCollateral,
    marginRatio:
      hasPositions && margin.maintenanceMargin > 0n ? floorDiv(margin.equity * WAD, margin.maintenanceMargin) : undefined,
    openPositions: margin.openPositions,
    indexStale: margin.indexStale,
    liquidatable: hasPositions && margin.equity < margin.maintenanceMargin,
    positions,
    blockNumber: block.blockNumber,
    timestamp: block.timestamp,
  };
}
