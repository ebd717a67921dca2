/**
 * The block a deployment starts at: the block that created the first of its contracts. Event
 * scans (client, keeper, the check) start there.
 */
import type { Provider } from "ethers";

/**
 * The lowest block at which one of `addresses` has code, by binary search over eth_getCode
 * (these contracts never self-destruct, so once there the code stays). Needs the node to answer
 * for past blocks: any local chain does; on a testnet use the Ignition journal instead.
 */
export async function creationBlock(provider: Provider, addresses: string[], latest?: number): Promise<number> {
  const anyCode = async (block: number) =>
    (await Promise.all(addresses.map((a) => provider.getCode(a, block)))).some((code) => code !== "0x");
  let high = latest ?? (await provider.getBlockNumber());
  if (!(await anyCode(high))) throw new Error(`none of ${addresses.join(", ")} has code at block ${high}`);
  let low = 0;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (await anyCode(mid)) high = mid;
    else low = mid + 1;
  }
  return low;
}
