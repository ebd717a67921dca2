/**
 * A feed's index history from the oracle's `RoundUpdated` events: every round with its median,
 * observation time and, per relayer, the value and inputs hash it signed (so anyone can fetch
 * the relayer's snapshot and recompute it).
 */
import { isHexString } from "ethers";

import { latestBlock, read, type ClientContext } from "./context.js";
import { InvalidInputError } from "./errors.js";
import { scanBackward, scanForward } from "./logs.js";

export interface IndexRound {
  roundId: bigint;
  /** The stored median, WAD. */
  value: bigint;
  /** The newest observation time of the round, unix seconds. */
  observedAt: bigint;
  /** Each observation's signer, value and inputs hash, in submission order. */
  signers: string[];
  values: bigint[];
  inputsHashes: string[];
  blockNumber: number;
  transactionHash: string;
  /** The block time the round was stored at (what the TWAP weighs by); with `blockTimes` only. */
  updatedAt?: bigint;
}

export interface IndexHistoryOptions {
  /** First block scanned; default the deployment's start block. */
  fromBlock?: number;
  /** Last block scanned; default the latest. */
  toBlock?: number;
  /** Only the last `limit` rounds of the range (scanned from the newest backwards). */
  limit?: number;
  /** Also fetch each round's block time (one request per block). Default false. */
  blockTimes?: boolean;
}

/** A feed given by name (as in the deployment) or by bytes32 id. */
export function resolveFeed(ctx: ClientContext, feed: string): string {
  const byName = ctx.deployment.feeds.find((f) => f.name === feed);
  if (byName !== undefined) return byName.id.toLowerCase();
  if (isHexString(feed, 32)) return feed.toLowerCase();
  const names = ctx.deployment.feeds.map((f) => f.name).join(", ");
  throw new InvalidInputError("feed", `${JSON.stringify(feed)} is neither a feed of the deployment (${names}) nor a bytes32 id`);
}

/** The rounds of `feed` (a name or an id), oldest first. */
export async function readIndexHistory(
  ctx: ClientContext,
  feed: string,
  options: IndexHistoryOptions = {},
): Promise<IndexRound[]> {
  const feedId = resolveFeed(ctx, feed);
  const { limit } = options;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit <= 0)) {
    throw new InvalidInputError("limit", "must be a positive integer");
  }
  const fromBlock = options.fromBlock ?? ctx.deployment.startBlock;
  const toBlock = options.toBlock ?? (await latestBlock(ctx)).blockNumber;
  const oracle = ctx.contracts.oracle;
  const filter = oracle.filters.RoundUpdated(feedId);
  const query = (from: number, to: number) => oracle.queryFilter(filter, from, to);
  const events = await read(ctx, "scan RoundUpdated events", () =>
    limit === undefined
      ? scanForward(query, fromBlock, toBlock, ctx.logChunkSize)
      : scanBackward(query, fromBlock, toBlock, ctx.logChunkSize, limit),
  );
  const rounds: IndexRound[] = events.map((event) => {
    // Positionally: on an ethers Result, `.values` is Array.prototype.values, not the field.
    const [, roundId, value, observedAt, signers, values, inputsHashes] = event.args;
    return {
      roundId,
      value,
      observedAt,
      signers: [...signers],
      values: [...values],
      inputsHashes: [...inputsHashes],
      blockNumber: event.blockNumber,
      transactionHash: event.transactionHash,
    };
  });
  if (options.blockTimes === true) {
    const times = new Map<number, bigint>();
    for (const round of rounds) {
      if (!times.has(round.blockNumber)) {
        const block = await read(ctx, "read a round's block", () => ctx.provider.getBlock(round.blockNumber));
        if (block !== null) times.set(round.blockNumber, BigInt(block.timestamp));
      }
      round.updatedAt = times.get(round.blockNumber);
    }
  }
  return rounds;
}
