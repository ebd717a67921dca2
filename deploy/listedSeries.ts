/**
 * Which series a market has listed (its SeriesListed events since the deployment's first block),
 * and which of them are the parameters' product series: a product's series for a month is the
 * one whose parameters are exactly `seriesParams(product, month)`.
 */
import type { FuturesMarket } from "../types/ethers-contracts/index.js";
import { feedId } from "../src/index/feed-id.js";
import {
  monthOfTime,
  seriesId,
  seriesParams,
  seriesParamsFrom,
  type Month,
  type ProductDefinition,
  type SeriesParams,
} from "./series.js";

export interface ListedEvent {
  id: string;
  params: SeriesParams;
  blockNumber: number;
}

export interface ProductSeries extends ListedEvent {
  product: string;
  month: Month;
}

/** Every SeriesListed event of `market` from `fromBlock`, queried `chunk` blocks at a time (RPCs cap log ranges). */
export async function seriesListedEvents(market: FuturesMarket, fromBlock: number, chunk = 10_000): Promise<ListedEvent[]> {
  const latest = await market.runner!.provider!.getBlockNumber();
  const events: ListedEvent[] = [];
  for (let from = fromBlock; from <= latest; from += chunk) {
    const logs = await market.queryFilter(market.filters.SeriesListed(), from, Math.min(from + chunk - 1, latest));
    for (const log of logs) {
      events.push({ id: log.args.series, params: seriesParamsFrom(log.args.params), blockNumber: log.blockNumber });
    }
  }
  return events;
}

/**
 * Whether a series is listed. Reads its parameters (a listed series has an expiry in the
 * future of its listing, an unknown one all zeros): `seriesState` would also read the oracle,
 * which has no round before the relayers start.
 */
export async function isListed(market: FuturesMarket, id: string): Promise<boolean> {
  return (await market.seriesParams(id)).expiry !== 0n;
}

/** Splits listed series into the products' monthly series and the rest. */
export function matchProductSeries(
  events: ListedEvent[],
  products: ProductDefinition[],
): { matched: ProductSeries[]; unmatched: ListedEvent[] } {
  const matched: ProductSeries[] = [];
  const unmatched: ListedEvent[] = [];
  for (const event of events) {
    const month = monthOfTime(event.params.expiry);
    const product = products.find(
      (p) => feedId(p.feed) === event.params.feed && seriesId(seriesParams(p, month)) === event.id,
    );
    if (product === undefined) unmatched.push(event);
    else matched.push({ ...event, product: product.symbol, month });
  }
  return { matched, unmatched };
}
