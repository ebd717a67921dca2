/**
 * The market's series: every one listed since the deployment (from `SeriesListed` events), with
 * its parameters, index, mark, basis, open interest and where it is in its life.
 */
import { getBytes, hexlify, isHexString } from "ethers";

import { latestBlock, read, type ClientContext } from "./context.js";
import { shortHex } from "./errorMessages.js";
import { ContractError, InvalidInputError } from "./errors.js";
import { scanForward } from "./logs.js";

/** IFuturesMarket.SeriesParams with bigint numbers. */
export interface SeriesParams {
  feed: string;
  expiry: bigint;
  lastTradingTime: bigint;
  settlementWindow: bigint;
  multiplier: bigint;
  tickSize: bigint;
  minSize: bigint;
  initialMarginBps: bigint;
  maintenanceMarginBps: bigint;
  liquidationPenaltyBps: bigint;
  liquidatorShareBps: bigint;
  makerFeeBps: bigint;
  takerFeeBps: bigint;
  maxBasisBps: bigint;
  basisTau: bigint;
  basisRefNotional: bigint;
  openInterestCap: bigint;
}

/**
 * Where a series is in its life, at the block read:
 * - "trading": before its last trading time;
 * - "closed": trading has stopped, expiry not reached;
 * - "expired": expired, the settlement price is not fixed yet (`settleSeries` is due);
 * - "settled": the settlement price is fixed; accounts settle at it.
 * A paused series keeps its state and has `paused` set.
 */
export type SeriesStatus = "trading" | "closed" | "expired" | "settled";

export interface SeriesInfo {
  id: string;
  /** bytes32 feed id. */
  feed: string;
  /** The feed's name from the deployment, when it lists the feed. */
  feedName: string | undefined;
  /** "H100-SXM-HOUR 2026-01-31": the feed and the expiry date (UTC). */
  label: string;
  params: SeriesParams;
  state: SeriesStatus;
  paused: boolean;
  listedAt: bigint;
  expiry: bigint;
  lastTradingTime: bigint;
  /** Seconds from the block read to expiry, 0 once expired. */
  timeToExpiry: bigint;
  /** Contracts: the total long size. */
  openInterest: bigint;
  /**
   * False until the feed's first oracle round: the market cannot value the series yet, so index,
   * mark, basis, open interest and listedAt read as zero, and nothing trades.
   */
  hasIndex: boolean;
  /** The feed's latest index value, WAD. */
  index: bigint;
  indexStale: boolean;
  /** The mark price, WAD: index plus the clamped basis. */
  mark: bigint;
  /** mark - index: the basis the mark uses (after the cap), WAD, signed. */
  basis: bigint;
  /** The fixed settlement price, WAD; undefined until settled. */
  settlementPrice: bigint | undefined;
  /** The block the values were read at, and its time. */
  blockNumber: number;
  timestamp: bigint;
}

type ParamsStruct = { [K in keyof SeriesParams]: SeriesParams[K] extends string ? string : bigint };

/** A TypeChain SeriesParams result as a plain object (ids lower-case). */
export function seriesParamsOf(struct: ParamsStruct): SeriesParams {
  return {
    feed: hexlify(getBytes(struct.feed)),
    expiry: struct.expiry,
    lastTradingTime: struct.lastTradingTime,
    settlementWindow: struct.settlementWindow,
    multiplier: struct.multiplier,
    tickSize: struct.tickSize,
    minSize: struct.minSize,
    initialMarginBps: struct.initialMarginBps,
    maintenanceMarginBps: struct.maintenanceMarginBps,
    liquidationPenaltyBps: struct.liquidationPenaltyBps,
    liquidatorShareBps: struct.liquidatorShareBps,
    makerFeeBps: struct.makerFeeBps,
    takerFeeBps: struct.takerFeeBps,
    maxBasisBps: struct.maxBasisBps,
    basisTau: struct.basisTau,
    basisRefNotional: struct.basisRefNotional,
    openInterestCap: struct.openInterestCap,
  };
}

/** The life stage of a series at `now` (unix seconds). */
export function seriesStatus(params: Pick<SeriesParams, "expiry" | "lastTradingTime">, settlementPrice: bigint, now: bigint): SeriesStatus {
  if (settlementPrice !== 0n) return "settled";
  if (now >= params.expiry) return "expired";
  if (now >= params.lastTradingTime) return "closed";
  return "trading";
}

/** The feed's name in the deployment, by id. */
export function feedNameOf(ctx: ClientContext, feed: string): string | undefined {
  const lower = feed.toLowerCase();
  return ctx.deployment.feeds.find((f) => f.id.toLowerCase() === lower)?.name;
}

function labelOf(feedName: string | undefined, feed: string, expiry: bigint): string {
  const ms = Number(expiry) * 1000;
  const date = Number.isSafeInteger(ms) && ms <= 8.64e15 ? new Date(ms).toISOString().slice(0, 10) : `${expiry}`;
  return `${feedName ?? shortHex(feed)} ${date}`;
}

/** A series' parameters (cached: they never change once listed). Unknown ids give zero params. */
export async function paramsOf(ctx: ClientContext, id: string): Promise<SeriesParams> {
  const key = id.toLowerCase();
  const cached = ctx.seriesParams.get(key);
  if (cached !== undefined) return cached;
  const params = seriesParamsOf(await read(ctx, "read series parameters", () => ctx.contracts.market.seriesParams(id)));
  if (params.expiry !== 0n) remember(ctx, key, params);
  return params;
}

function remember(ctx: ClientContext, key: string, params: SeriesParams): void {
  ctx.seriesParams.set(key, params);
  ctx.seriesLabels.set(key, labelOf(feedNameOf(ctx, params.feed), params.feed, params.expiry));
}

/**
 * One series at a block (the latest by default). Throws a ContractError `UnknownSeries` for an
 * id that is not listed.
 */
export async function readSeries(
  ctx: ClientContext,
  id: string,
  at?: { blockNumber: number; timestamp: bigint },
): Promise<SeriesInfo> {
  if (!isHexString(id, 32)) throw new InvalidInputError("series", `${JSON.stringify(id)} is not a bytes32 series id`);
  const block = at ?? (await latestBlock(ctx));
  const overrides = { blockTag: block.blockNumber };
  const [state, params] = await Promise.all([
    read(ctx, "read series state", () => ctx.contracts.market.seriesState(id, overrides)).catch(beforeFirstRound),
    paramsOf(ctx, id),
  ]);
  const feedName = feedNameOf(ctx, params.feed);
  const settled = state.settlementPrice !== 0n;
  return {
    id: hexlify(getBytes(id)),
    feed: params.feed,
    feedName,
    label: labelOf(feedName, params.feed, params.expiry),
    params,
    state: seriesStatus(params, state.settlementPrice, block.timestamp),
    paused: state.paused,
    listedAt: state.listedAt,
    expiry: params.expiry,
    lastTradingTime: params.lastTradingTime,
    timeToExpiry: params.expiry > block.timestamp ? params.expiry - block.timestamp : 0n,
    openInterest: state.openInterest,
    hasIndex: state.index !== 0n,
    index: state.index,
    indexStale: state.indexStale,
    mark: state.markPrice,
    basis: state.markPrice - state.index,
    settlementPrice: settled ? state.settlementPrice : undefined,
    blockNumber: block.blockNumber,
    timestamp: block.timestamp,
  };
}

/** The market's seriesState reverts with the oracle's NoData before a feed's first round. */
function beforeFirstRound(error: unknown) {
  if (!(error instanceof ContractError && error.name === "NoData")) throw error;
  return { paused: false, listedAt: 0n, openInterest: 0n, index: 0n, indexStale: true, markPrice: 0n, settlementPrice: 0n };
}

/** Every series listed since the deployment's start block, oldest listing first. */
export async function listAllSeries(ctx: ClientContext): Promise<SeriesInfo[]> {
  const block = await latestBlock(ctx);
  const market = ctx.contracts.market;
  const filter = market.filters.SeriesListed();
  const events = await read(ctx, "scan SeriesListed events", () =>
    scanForward((from, to) => market.queryFilter(filter, from, to), ctx.deployment.startBlock, block.blockNumber, ctx.logChunkSize),
  );
  for (const event of events) remember(ctx, event.args.series.toLowerCase(), seriesParamsOf(event.args.params));
  return Promise.all(events.map((event) => readSeries(ctx, event.args.series, block)));
}
