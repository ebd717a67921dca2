/**
 * The deploy's parameters file (deploy/parameters/<network>.json): the token, the role holders,
 * the oracle feeds and the products, validated with zod. A bad field stops the deploy before any
 * transaction, with a message naming the file and the field. Every field is described in
 * docs/deploy.md; the defaults below are the launch values of docs/market.md.
 */
import { readFile } from "node:fs/promises";
import { isAddress } from "ethers";
import { z } from "zod";

import { parseWad } from "../src/index/decimal.js";
import { fieldErrorMap, issueLines } from "../src/index/zod-issues.js";
import { parseMonth } from "./series.js";

/** A parameters file that cannot be used; each line names a field. */
export class ParametersError extends Error {
  override name = "ParametersError";
}

/** `<...>` marks a value the example files leave for the operator to fill in. */
const PLACEHOLDER = /^<.*>$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const ONE_DAY = 86_400;
const MAX_SIGNERS = 31; // IndexOracle.MAX_SIGNERS

/** Free text for the reader of the file; ignored. JSON has no comments. */
const Comment = z.string().optional();

const Address = z.string().superRefine((value, ctx) => {
  if (PLACEHOLDER.test(value)) ctx.addIssue({ code: "custom", message: `still the placeholder ${value}: replace it` });
  else if (!ADDRESS.test(value)) ctx.addIssue({ code: "custom", message: "expected a 0x-prefixed 20-byte address" });
  else if (!isAddress(value)) ctx.addIssue({ code: "custom", message: "bad EIP-55 checksum (mixed case that does not match)" });
});

const uint = (min: number, max: number) => z.number().int().min(min).max(max);

/** USD as an exact decimal string ("0.001"): it becomes a WAD bigint, never a float. */
const Usd = z.string().superRefine((text, ctx) => {
  let wad: bigint;
  try {
    wad = parseWad(text);
  } catch {
    ctx.addIssue({ code: "custom", message: 'expected USD as a decimal string, e.g. "0.001"' });
    return;
  }
  if (wad === 0n) ctx.addIssue({ code: "custom", message: "expected more than 0" });
});

const MonthText = z.string().superRefine((text, ctx) => {
  if (PLACEHOLDER.test(text)) {
    ctx.addIssue({ code: "custom", message: `still the placeholder ${text}: replace it` });
    return;
  }
  try {
    parseMonth(text);
  } catch {
    ctx.addIssue({ code: "custom", message: "expected a month as YYYY-MM" });
  }
});

const Name = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, "expected letters, digits and '-', starting with a letter");

const FeedSchema = z
  .strictObject({
    $comment: Comment,
    /** The feed's name; its bytes32 id is keccak256(name), e.g. "H100-HOUR". */
    name: Name,
    /** Free text shown by the oracle and the Chainlink adapter. */
    description: z.string().min(1),
    /** The relayers' signing addresses, in transmission order. */
    signers: z.array(Address).min(1).max(MAX_SIGNERS),
    /** Faulty signers tolerated: a report needs 2f+1 observations. */
    f: uint(0, 15),
    params: z.strictObject({
      heartbeat: uint(1, 2 ** 24 - 1),
      maxObservationAge: uint(1, 2 ** 16 - 1),
      maxMoveBps: uint(1, 2 ** 16 - 1),
      minUpdateInterval: uint(0, 2 ** 16 - 1),
    }),
    /** Rounds kept for getRound and twap, fixed for the feed's life. */
    ringCapacity: uint(2, 2 ** 16 - 1),
  })
  .superRefine((feed, ctx) => {
    const seen = new Map<string, number>();
    feed.signers.forEach((signer, i) => {
      const first = seen.get(signer.toLowerCase());
      if (first !== undefined) ctx.addIssue({ code: "custom", path: ["signers", i], message: `same address as signers[${first}]` });
      else seen.set(signer.toLowerCase(), i);
    });
    if (feed.signers.length < 2 * feed.f + 1) {
      ctx.addIssue({
        code: "custom",
        path: ["f"],
        message: `f = ${feed.f} needs at least 2f+1 = ${2 * feed.f + 1} signers, got ${feed.signers.length}`,
      });
    }
  });

const ProductSchema = z
  .strictObject({
    $comment: Comment,
    /** Short name of the product; series are named <symbol>-<YYYY-MM>. */
    symbol: Name,
    /** The name of the feed (in `feeds`) the product settles on. */
    feed: Name,
    /** Index units per contract. */
    multiplier: uint(1, 2 ** 32 - 1),
    tickSize: Usd,
    minSize: uint(1, Number.MAX_SAFE_INTEGER).default(1),
    initialMarginBps: uint(1, 10_000),
    maintenanceMarginBps: uint(1, 10_000),
    liquidationPenaltyBps: uint(0, 10_000).default(500),
    liquidatorShareBps: uint(0, 10_000).default(5_000),
    makerFeeBps: uint(0, 100).default(2),
    takerFeeBps: uint(0, 100).default(5),
    maxBasisBps: uint(0, 10_000).default(2_000),
    basisTau: uint(1, 2 ** 32 - 1).default(3_600),
    basisRefNotional: Usd.default("100000"),
    openInterestCap: uint(1, Number.MAX_SAFE_INTEGER),
    /** Seconds of index TWAP before expiry that fix the settlement price. */
    settlementWindow: uint(1, 2 ** 32 - 1).default(3_600),
    /** Trading stops this many seconds before expiry. */
    lastTradeBeforeExpiry: uint(0, 2 ** 32 - 1).default(3_600),
  })
  .superRefine((p, ctx) => {
    // The market's listing rules (SeriesRules.sol) that do not depend on time.
    if (p.maintenanceMarginBps > p.initialMarginBps) {
      ctx.addIssue({ code: "custom", path: ["maintenanceMarginBps"], message: `above initialMarginBps (${p.initialMarginBps})` });
    }
    if (p.liquidationPenaltyBps > p.maintenanceMarginBps) {
      ctx.addIssue({ code: "custom", path: ["liquidationPenaltyBps"], message: `above maintenanceMarginBps (${p.maintenanceMarginBps})` });
    }
  });

const RolesSchema = z.strictObject({
  $comment: Comment,
  /** DEFAULT_ADMIN_ROLE of the oracle, the vault and the market (a multisig on a real network). */
  admin: Address.optional(),
  /** GUARDIAN_ROLE of the oracle (pause a feed) and the market (pause a series, fallback price). */
  guardian: Address.optional(),
  /** LISTER_ROLE of the market: lists next month's series. */
  lister: Address.optional(),
  /** DELEVERAGER_ROLE of the market: the keeper that deleverages bankrupt accounts. */
  deleverager: Address.optional(),
  /** FEE_MANAGER_ROLE of the vault: withdraws collected fees. */
  feeManager: Address.optional(),
});

const SeriesScheduleSchema = z.strictObject({
  $comment: Comment,
  /** How many consecutive monthly expiries the deploy lists per product. */
  months: uint(1, 24).default(3),
  /** The first month listed (YYYY-MM); default: the first whose expiry is minLeadSeconds away. */
  firstMonth: MonthText.optional(),
  /** A series is listed with at least this long to run. */
  minLeadSeconds: uint(1, 365 * ONE_DAY).default(7 * ONE_DAY),
});

const SERIES_DEFAULTS = { months: 3, minLeadSeconds: 7 * ONE_DAY };

export const DeployParametersSchema = z
  .strictObject({
    $comment: Comment,
    /** The USD stablecoin; absent or null deploys a MockUSD (local chains only). */
    token: Address.nullable().optional(),
    /** Role holders; each one left out is the deploying account. */
    roles: RolesSchema.default({}),
    feeds: z.array(FeedSchema).min(1),
    products: z.array(ProductSchema).min(1),
    series: SeriesScheduleSchema.default(SERIES_DEFAULTS),
  })
  .superRefine((p, ctx) => {
    unique(p.feeds.map((f) => f.name), "feeds", "name", ctx);
    unique(p.products.map((q) => q.symbol), "products", "symbol", ctx);
    p.products.forEach((product, i) => {
      const feed = p.feeds.find((f) => f.name === product.feed);
      if (feed === undefined) {
        ctx.addIssue({ code: "custom", path: ["products", i, "feed"], message: `no feed named "${product.feed}" in feeds` });
        return;
      }
      // docs/market.md: the ring must still hold the settlement window a day after expiry,
      // at the fastest rate rounds may come (one per minUpdateInterval).
      const needed = product.settlementWindow + ONE_DAY;
      const covered = feed.ringCapacity * feed.params.minUpdateInterval;
      if (covered < needed) {
        ctx.addIssue({
          code: "custom",
          path: ["feeds", p.feeds.indexOf(feed), "ringCapacity"],
          message:
            `${feed.ringCapacity} rounds x minUpdateInterval ${feed.params.minUpdateInterval} s cover ${covered} s; ` +
            `product ${product.symbol} needs its settlement window + 1 day = ${needed} s`,
        });
      }
    });
    if (p.series.minLeadSeconds <= Math.max(...p.products.map((q) => q.lastTradeBeforeExpiry))) {
      ctx.addIssue({ code: "custom", path: ["series", "minLeadSeconds"], message: "must exceed every product's lastTradeBeforeExpiry" });
    }
  });

/** The parameters as written in a file (defaults not yet applied). */
export type DeployParametersInput = z.input<typeof DeployParametersSchema>;
/** Validated parameters, defaults applied. */
export type DeployParameters = z.output<typeof DeployParametersSchema>;
export type FeedParameters = DeployParameters["feeds"][number];
export type ProductParameters = DeployParameters["products"][number];

function unique(values: string[], list: string, field: string, ctx: z.RefinementCtx): void {
  values.forEach((value, i) => {
    const first = values.indexOf(value);
    if (first !== i) ctx.addIssue({ code: "custom", path: [list, i, field], message: `"${value}" already used by ${list}[${first}]` });
  });
}

/** Validates parameters given as an object; `where` (a file name) starts every error line. */
export function parseParameters(raw: unknown, where = "parameters"): DeployParameters {
  const result = DeployParametersSchema.safeParse(raw, { error: fieldErrorMap });
  if (!result.success) throw new ParametersError(issueLines(result.error).map((line) => `${where}: ${line}`).join("\n"));
  return result.data;
}

/** Reads and validates a parameters file. */
export async function loadParameters(file: string): Promise<DeployParameters> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ParametersError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ParametersError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return parseParameters(raw, file);
}
