/**
 * What the keeper has learnt from events, kept in `<stateDir>/keeper.json` so a restart resumes
 * the scan where it stopped: the next block to scan, the accounts seen, the series listed, who
 * holds a position in each series (from PositionChanged and AccountSettled), when each series
 * settled, and which series are finished (settled, every known position closed).
 *
 * The file is a cache of the chain, not the truth: before any transaction the keeper checks the
 * chain (series already settled, position already zero), so a lost or stale file costs a rescan,
 * never a double transaction. Written atomically (temporary file, then rename).
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export interface SeriesRecord {
  /** Block time of SeriesSettled, unix seconds; null while unsettled. */
  settledAt: number | null;
  /** Settled and no known account holds a position any more. */
  done: boolean;
}

interface StateFile {
  version: 1;
  chainId: string;
  market: string;
  nextBlock: number;
  accounts: string[];
  series: Record<string, SeriesRecord>;
  holders: Record<string, string[]>;
}

export class KeeperState {
  private constructor(
    private readonly file: string,
    readonly chainId: string,
    readonly market: string,
    /** The first block not scanned yet. */
    public nextBlock: number,
    readonly accounts: Set<string>,
    readonly series: Map<string, SeriesRecord>,
    readonly holders: Map<string, Set<string>>,
  ) {}

  /** Loads `file`, or starts from `startBlock` when there is none. Refuses another chain's or market's file. */
  static async open(file: string, chainId: bigint, market: string, startBlock: number): Promise<KeeperState> {
    const loaded = await readStateFile(file);
    const marketKey = market.toLowerCase();
    if (loaded === null) {
      return new KeeperState(file, chainId.toString(), marketKey, startBlock, new Set(), new Map(), new Map());
    }
    if (loaded.chainId !== chainId.toString() || loaded.market !== marketKey) {
      throw new Error(
        `state file ${file} belongs to market ${loaded.market} on chain ${loaded.chainId}, not ${marketKey} on ${chainId}: use another stateDir`,
      );
    }
    return new KeeperState(
      file,
      loaded.chainId,
      loaded.market,
      Math.max(loaded.nextBlock, startBlock),
      new Set(loaded.accounts),
      new Map(Object.entries(loaded.series)),
      new Map(Object.entries(loaded.holders).map(([series, accounts]) => [series, new Set(accounts)])),
    );
  }

  addAccount(account: string): void {
    this.accounts.add(account.toLowerCase());
  }

  addSeries(series: string): void {
    if (!this.series.has(series)) this.series.set(series, { settledAt: null, done: false });
  }

  /** Records an account's size in a series after an event (or a read): a holder while non-zero. */
  setPosition(account: string, series: string, size: bigint): void {
    const key = account.toLowerCase();
    this.addAccount(key);
    let holders = this.holders.get(series);
    if (holders === undefined) this.holders.set(series, (holders = new Set()));
    if (size === 0n) holders.delete(key);
    else holders.add(key);
  }

  holdersOf(series: string): string[] {
    return [...(this.holders.get(series) ?? [])];
  }

  /** Every account that holds a position in some series, as far as the events tell. */
  accountsWithPositions(): string[] {
    const all = new Set<string>();
    for (const holders of this.holders.values()) for (const account of holders) all.add(account);
    return [...all];
  }

  markSettled(series: string, settledAt: number): void {
    this.addSeries(series);
    const record = this.series.get(series)!;
    if (record.settledAt === null) record.settledAt = settledAt;
  }

  markDone(series: string): void {
    this.addSeries(series);
    this.series.get(series)!.done = true;
  }

  async save(): Promise<void> {
    const state: StateFile = {
      version: 1,
      chainId: this.chainId,
      market: this.market,
      nextBlock: this.nextBlock,
      accounts: [...this.accounts],
      series: Object.fromEntries(this.series),
      holders: Object.fromEntries([...this.holders].map(([series, accounts]) => [series, [...accounts]])),
    };
    await mkdir(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    await writeFile(temporary, JSON.stringify(state, null, 2));
    await rename(temporary, this.file); // atomic: a crash never leaves half a file
  }
}

async function readStateFile(file: string): Promise<StateFile | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  let parsed: StateFile;
  try {
    parsed = JSON.parse(text) as StateFile;
  } catch {
    throw new Error(`state file ${file} is not valid JSON: move it away to rescan from the deployment's start block`);
  }
  if (parsed.version !== 1 || !Number.isSafeInteger(parsed.nextBlock)) {
    throw new Error(`state file ${file} has an unknown format: move it away to rescan from the deployment's start block`);
  }
  return parsed;
}
