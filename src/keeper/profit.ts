/**
 * The liquidation arithmetic of FuturesMarket (docs/market.md, Liquidation), recomputed with
 * bigints so the keeper knows before sending how many contracts will move and what it will be
 * paid, and the profitability rule: reward - gas cost >= the configured minimum, all in WAD USD.
 */

export const BPS = 10_000n;
const WAD = 10n ** 18n;
/** FuturesMarket's _LIQUIDATION_SLACK: token units of rounding per contract, and off the reward cap. */
export const LIQUIDATION_SLACK = 4n;

/** What a liquidation of one series needs to know (token units unless said otherwise). */
export interface LiquidationInputs {
  /** |position| in contracts. */
  positionSize: bigint;
  multiplier: bigint;
  /** WAD USD per index unit. */
  markPrice: bigint;
  initialMarginBps: bigint;
  liquidationPenaltyBps: bigint;
  liquidatorShareBps: bigint;
  /** WAD per token unit (1e12 for 6 decimals). */
  tokenScale: bigint;
  /** The account's equity and initial margin over every market (vault.accountMargin). */
  equity: bigint;
  initialMargin: bigint;
  insuranceFund: bigint;
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/**
 * The most contracts `liquidate` moves: the fewest that bring the account back to its initial
 * margin, ceil((initialMargin - equity) / (relief - 4)) with relief = floor(multiplier x mark x
 * (IM - penalty) bps / scale), or the whole position when relief <= 4 or that is more.
 */
export function liquidatableSize(i: LiquidationInputs): bigint {
  const relief = (i.multiplier * i.markPrice * (i.initialMarginBps - i.liquidationPenaltyBps)) / (BPS * i.tokenScale);
  if (relief <= LIQUIDATION_SLACK) return i.positionSize;
  const deficit = i.initialMargin - i.equity;
  if (deficit <= 0n) return 0n;
  return min(ceilDiv(deficit, relief - LIQUIDATION_SLACK), i.positionSize);
}

/**
 * What the liquidator is paid for `size` contracts, token units:
 * penalty = ceil(size x multiplier x mark x penaltyBps / 10,000 / scale),
 * share = floor(penalty x shareBps / 10,000), paid min(share, max(0, equity + fund - 4)).
 */
export function liquidationReward(i: LiquidationInputs, size: bigint): bigint {
  const penalty = ceilDiv(size * i.multiplier * i.markPrice * i.liquidationPenaltyBps, BPS * i.tokenScale);
  const share = (penalty * i.liquidatorShareBps) / BPS;
  const bearable = i.equity + i.insuranceFund - LIQUIDATION_SLACK;
  return min(share, bearable > 0n ? bearable : 0n);
}

/** The fee per gas the transaction manager offers first: 2 x base fee + tip, capped. */
export function feePerGas(baseFee: bigint, tip: bigint, cap: bigint): bigint {
  return min(baseFee * 2n + tip, cap);
}

/** Gas cost in WAD USD, rounded up (a cost is never under-counted). */
export function gasCostWad(gas: bigint, weiPerGas: bigint, ethPriceWad: bigint): bigint {
  return ceilDiv(gas * weiPerGas * ethPriceWad, WAD);
}

export interface Profitability {
  rewardWad: bigint;
  gasCostWad: bigint;
  profitWad: bigint;
  profitable: boolean;
}

/** reward (token units) - gas cost, in WAD USD, against the minimum profit. */
export function profitability(
  rewardUnits: bigint,
  tokenScale: bigint,
  gas: bigint,
  weiPerGas: bigint,
  ethPriceWad: bigint,
  minProfitWad: bigint,
): Profitability {
  const rewardWad = rewardUnits * tokenScale;
  const cost = gasCostWad(gas, weiPerGas, ethPriceWad);
  const profitWad = rewardWad - cost;
  return { rewardWad, gasCostWad: cost, profitWad, profitable: rewardUnits > 0n && profitWad >= minProfitWad };
}

/**
 * Contracts the keeper can take over while keeping its initial margin: its headroom (equity -
 * initial margin, token units) over the initial margin of one contract at the mark (rounded up,
 * plus one unit of rounding), plus whatever closes an opposite position it already holds.
 */
export function affordableSize(
  headroom: bigint,
  opposite: bigint,
  multiplier: bigint,
  markPrice: bigint,
  initialMarginBps: bigint,
  tokenScale: bigint,
): bigint {
  const perContract = ceilDiv(multiplier * markPrice * initialMarginBps, BPS * tokenScale) + 1n;
  const extra = headroom > 0n ? headroom / perContract : 0n;
  return opposite + extra;
}
