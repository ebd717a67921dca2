/**
 * The listed series from the market's SeriesListed events and their parameters only. Unlike
 * `client.series()`, which also reads each series' index and mark, this works before the
 * oracle's first round (when `seriesState` reverts with the oracle's NoData): enough to name and
 * resolve series, and for `cfx markets` to show what is listed right after a deploy.
 */
import { seriesListedEvents } from "../../deploy/listedSeries.js";
import type { CfxClient, SeriesParams, SeriesStatus } from "../client/index.js";
import { seriesStatus } from "../client/index.js";
import { shortHex } from "../client/errorMessages.js";

export interface ListedSeries {
  id: string;
  params: SeriesParams;
  feedName: string | undefined;
  /** As the client labels it: "H100-HOUR 2026-12-25" (feed, expiry date in UTC). */
  label: string;
}

export async function listedSeries(client: CfxClient): Promise<ListedSeries[]> {
  const events = await seriesListedEvents(client.contracts.market, client.deployment.startBlock);
  return events.map((event) => {
    const feedName = client.feedName(event.params.feed);
    const date = new Date(Number(event.params.expiry) * 1000).toISOString().slice(0, 10);
    return { id: event.id.toLowerCase(), params: event.params, feedName, label: `${feedName ?? shortHex(event.params.feed)} ${date}` };
  });
}

/** Where a series is in its life at `now`, without its settlement price (not settled yet, as far as this knows). */
export function stateByTime(params: SeriesParams, now: bigint): SeriesStatus {
  return seriesStatus(params, 0n, now);
}
