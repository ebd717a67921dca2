/**
 * Event scans in block ranges of bounded size: public RPC endpoints refuse `eth_getLogs` over
 * more than some thousands of blocks, and a deployment's history grows without bound.
 */

/** Fetches the events of blocks [from, to] (inclusive). */
export type RangeQuery<E> = (fromBlock: number, toBlock: number) => Promise<E[]>;

/** Every event of [fromBlock, toBlock], oldest first, in ranges of at most `chunkSize` blocks. */
export async function scanForward<E>(query: RangeQuery<E>, fromBlock: number, toBlock: number, chunkSize: number): Promise<E[]> {
  const events: E[] = [];
  for (let start = fromBlock; start <= toBlock; start += chunkSize) {
    const end = Math.min(toBlock, start + chunkSize - 1);
    events.push(...(await query(start, end)));
  }
  return events;
}

/**
 * The last `limit` events of [fromBlock, toBlock], oldest first: scans backwards from `toBlock`
 * and stops as soon as it has enough, so a chart of recent rounds costs few requests.
 */
export async function scanBackward<E>(
  query: RangeQuery<E>,
  fromBlock: number,
  toBlock: number,
  chunkSize: number,
  limit: number,
): Promise<E[]> {
  const chunks: E[][] = [];
  let found = 0;
  for (let end = toBlock; end >= fromBlock && found < limit; end -= chunkSize) {
    const start = Math.max(fromBlock, end - chunkSize + 1);
    const chunk = await query(start, end);
    chunks.unshift(chunk);
    found += chunk.length;
  }
  const events = chunks.flat();
  return events.slice(Math.max(0, events.length - limit));
}
