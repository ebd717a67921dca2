/**
 * Follows the accounts and series from events: the vault's Deposited and the market's
 * SeriesListed, PositionChanged, AccountSettled and SeriesSettled, read with eth_getLogs in
 * ranges of at most `chunkBlocks` blocks (public RPCs refuse large ranges). The cursor and what
 * was learnt are saved after every range, so a crash or a failed request resumes at the range
 * that failed. Applying a range again is harmless: every event sets state (an account's size,
 * a series' settlement time), none adds to it.
 */
import type { Log, Provider } from "ethers";
import type { Logger } from "pino";

import type { FuturesMarket, MarginVault } from "../../types/ethers-contracts/index.js";
import type { KeeperState } from "./state.js";

export interface ScanResult {
  /** The last block scanned (the cursor is one past it). */
  scannedTo: number;
  /** Events applied. */
  events: number;
}

export class Scanner {
  private readonly topics: string[];

  constructor(
    private readonly provider: Provider,
    private readonly vault: MarginVault,
    private readonly market: FuturesMarket,
    private readonly vaultAddress: string,
    private readonly marketAddress: string,
    private readonly state: KeeperState,
    private readonly chunkBlocks: number,
    private readonly log: Logger,
  ) {
    const m = market.interface;
    this.topics = [
      vault.interface.getEvent("Deposited").topicHash,
      m.getEvent("SeriesListed").topicHash,
      m.getEvent("PositionChanged").topicHash,
      m.getEvent("AccountSettled").topicHash,
      m.getEvent("SeriesSettled").topicHash,
    ];
  }

  /** Scans from the cursor up to `head` (inclusive). */
  async scanTo(head: number): Promise<ScanResult> {
    let events = 0;
    while (this.state.nextBlock <= head) {
      const fromBlock = this.state.nextBlock;
      const toBlock = Math.min(head, fromBlock + this.chunkBlocks - 1);
      const logs = await this.provider.getLogs({
        address: [this.vaultAddress, this.marketAddress],
        topics: [this.topics],
        fromBlock,
        toBlock,
      });
      // Logs come in chain order; sort anyway so a node that does not keep it cannot break the positions.
      logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
      for (const log of logs) {
        if (log.removed) continue;
        await this.apply(log);
        events++;
      }
      this.state.nextBlock = toBlock + 1;
      await this.state.save();
      if (logs.length > 0) this.log.debug({ fromBlock, toBlock, events: logs.length }, "scanned");
    }
    return { scannedTo: this.state.nextBlock - 1, events };
  }

  private async apply(log: Log): Promise<void> {
    const isVault = log.address.toLowerCase() === this.vaultAddress.toLowerCase();
    const parsed = isVault ? this.vault.interface.parseLog(log) : this.market.interface.parseLog(log);
    if (parsed === null) return;
    switch (parsed.name) {
      case "Deposited":
        this.state.addAccount(parsed.args.account as string);
        return;
      case "SeriesListed":
        this.state.addSeries(parsed.args.series as string);
        return;
      case "PositionChanged":
        this.state.addSeries(parsed.args.series as string);
        this.state.setPosition(parsed.args.account as string, parsed.args.series as string, parsed.args.size as bigint);
        return;
      case "AccountSettled":
        this.state.setPosition(parsed.args.account as string, parsed.args.series as string, 0n);
        return;
      case "SeriesSettled": {
        const block = await this.provider.getBlock(log.blockNumber);
        if (block === null) throw new Error(`block ${log.blockNumber} of a SeriesSettled event is not available`);
        this.state.markSettled(parsed.args.series as string, block.timestamp);
        this.log.info({ series: parsed.args.series, settledAt: block.timestamp }, "series settled on chain");
        return;
      }
    }
  }
}
