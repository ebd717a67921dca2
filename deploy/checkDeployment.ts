/**
 * The post-deploy check: reads every contract of a deployment back and compares its wiring with
 * the parameters (token, vault, market registration, market's vault and oracle, every role, every
 * feed's configuration, every adapter, every product series). Each comparison is one result
 * `{check, ok, detail}`; a failing detail says what was found and what was expected.
 */
import { Contract, ZeroAddress, getAddress, type ContractRunner, type Provider } from "ethers";

import type { Deployment } from "../src/client/deployment.js";
import { feedId } from "../src/index/feed-id.js";
import {
  FuturesMarket__factory,
  IndexFeedAdapter__factory,
  IndexOracle__factory,
  MarginVault__factory,
} from "../types/ethers-contracts/index.js";
import { isListed, matchProductSeries, seriesListedEvents, type ListedEvent } from "./listedSeries.js";
import { parseParameters, type DeployParameters, type DeployParametersInput, type FeedParameters } from "./parameters.js";
import { plannedSeries } from "./plan.js";
import { ROLE_ASSIGNMENTS, ROLE_HOLDERS, resolveRoles, roleId, sameAddress, type ResolvedRoles } from "./roles.js";
import { compareMonths, formatMonth, monthOfTime, seriesParamsDiff, seriesParamsFrom, type Month } from "./series.js";

export interface CheckResult {
  check: string;
  ok: boolean;
  detail: string;
}

export interface CheckOptions {
  /** The deploying account: it holds every role the parameters leave out (required then). */
  deployer?: string;
  /**
   * The months whose product series must be listed. Default: every month with a product series
   * listed since the deployment's start block, and at least `series.months` of them.
   */
  months?: Month[];
  /** eth_getLogs block range per request. */
  logChunk?: number;
}

const ERC20_ABI = ["function decimals() view returns (uint8)", "function symbol() view returns (string)"];

/** Runs every check; never throws for a wrong deployment (only for unusable arguments). */
export async function checkDeployment(
  runner: ContractRunner,
  deployment: Deployment,
  parameters: DeployParametersInput,
  options: CheckOptions = {},
): Promise<CheckResult[]> {
  const provider = runner.provider;
  if (provider === null) throw new Error("checkDeployment: the runner has no provider");
  const valid = parseParameters(parameters);
  const missingHolder = ROLE_HOLDERS.find((holder) => valid.roles[holder] === undefined);
  if (missingHolder !== undefined && options.deployer === undefined) {
    throw new Error(`checkDeployment: roles.${missingHolder} is left to the deployer: pass options.deployer`);
  }
  // Without a deployer every role is named, so the stand-in is never used.
  const roles = resolveRoles(valid.roles, options.deployer ?? ZeroAddress);

  const results: CheckResult[] = [];
  const check = async (name: string, run: () => Promise<[boolean, string]>) => {
    try {
      const [ok, detail] = await run();
      results.push({ check: name, ok, detail });
    } catch (error) {
      results.push({ check: name, ok: false, detail: `read failed: ${shortError(error)}` });
    }
  };

  await check("chain id", async () => {
    const chainId = Number((await provider.getNetwork()).chainId);
    if (chainId === deployment.chainId) return [true, `${chainId}`];
    return [false, `${chainId} (the deployment says ${deployment.chainId})`];
  });
  await checkCode(check, provider, deployment);
  await checkToken(check, runner, deployment, valid);
  await checkWiring(check, runner, deployment);
  await checkRoles(check, runner, deployment, roles, options.deployer);
  await checkFeeds(check, runner, deployment, valid.feeds);
  await checkSeries(check, runner, deployment, valid, options);
  return results;
}

/** True when every check passed. */
export function allPassed(results: CheckResult[]): boolean {
  return results.every((r) => r.ok);
}

type Check = (name: string, run: () => Promise<[boolean, string]>) => Promise<void>;

async function checkCode(check: Check, provider: Provider, d: Deployment) {
  const contracts: [string, string][] = [
    ["token", d.token],
    ["IndexOracle", d.oracle],
    ["MarginVault", d.vault],
    ["FuturesMarket", d.market],
    ...d.feeds.map((f): [string, string] => [`adapter ${f.name}`, f.adapter]),
  ];
  for (const [name, address] of contracts) {
    await check(`code: ${name}`, async () => {
      const code = await provider.getCode(address);
      return [code !== "0x", code === "0x" ? `no contract at ${address}` : `${address}, ${(code.length - 2) / 2} bytes`];
    });
  }
}

async function checkToken(check: Check, runner: ContractRunner, d: Deployment, p: DeployParameters) {
  await check("token", async () => {
    const token = new Contract(d.token, ERC20_ABI, runner);
    const [symbol, decimals] = await Promise.all([token.symbol() as Promise<string>, token.decimals() as Promise<bigint>]);
    const described = `${d.token} (${symbol}, ${decimals} decimals)`;
    if (p.token != null && !sameAddress(p.token, d.token)) return [false, `${described}, expected the parameters' token ${p.token}`];
    if (decimals > 18n) return [false, `${described}: more than 18 decimals, the market cannot scale it`];
    return [true, p.token == null ? `${described}, deployed (MockUSD)` : `${described}, the parameters' token`];
  });
  await check("vault.token", async () => {
    const token = await MarginVault__factory.connect(d.vault, runner).token();
    return [sameAddress(token, d.token), sameAddress(token, d.token) ? token : `${token}, expected ${d.token}`];
  });
  await check("market.tokenScale", async () => {
    const decimals = (await new Contract(d.token, ERC20_ABI, runner).decimals()) as bigint;
    const scale = await FuturesMarket__factory.connect(d.market, runner).tokenScale();
    const expected = 10n ** (18n - decimals);
    return [scale === expected, scale === expected ? `${scale}` : `${scale}, expected 10^(18 - ${decimals}) = ${expected}`];
  });
}

async function checkWiring(check: Check, runner: ContractRunner, d: Deployment) {
  const market = FuturesMarket__factory.connect(d.market, runner);
  const vault = MarginVault__factory.connect(d.vault, runner);
  await check("vault registers market", async () => {
    const [isMarket, markets] = await Promise.all([vault.isMarket(d.market), vault.markets()]);
    const listed = markets.some((m) => sameAddress(m, d.market));
    if (isMarket && listed) return [true, `${d.market} among ${markets.length} market(s)`];
    return [false, `${d.market} is not registered (markets: ${markets.join(", ") || "none"})`];
  });
  await check("market.vault", async () => {
    const vaultOf = await market.vault();
    return [sameAddress(vaultOf, d.vault), sameAddress(vaultOf, d.vault) ? vaultOf : `${vaultOf}, expected ${d.vault}`];
  });
  await check("market.oracle", async () => {
    const oracleOf = await market.oracle();
    return [sameAddress(oracleOf, d.oracle), sameAddress(oracleOf, d.oracle) ? oracleOf : `${oracleOf}, expected ${d.oracle}`];
  });
}

async function checkRoles(check: Check, runner: ContractRunner, d: Deployment, roles: ResolvedRoles, deployer?: string) {
  const contracts = {
    IndexOracle: IndexOracle__factory.connect(d.oracle, runner),
    MarginVault: MarginVault__factory.connect(d.vault, runner),
    FuturesMarket: FuturesMarket__factory.connect(d.market, runner),
  };
  // Every address the parameters name, with what it is called: none but the holder may hold a role.
  const names = new Map<string, string[]>();
  const name = (address: string, label: string) => names.set(getAddress(address), [...(names.get(getAddress(address)) ?? []), label]);
  for (const holder of ROLE_HOLDERS) name(roles[holder], holder);
  if (deployer !== undefined) name(deployer, "deployer");
  const label = (address: string) => `${address} (${names.get(getAddress(address))!.join(", ")})`;

  for (const a of ROLE_ASSIGNMENTS) {
    await check(`role ${a.contract}.${a.role}`, async () => {
      const contract = contracts[a.contract];
      const id = (await contract.getFunction(a.role).staticCall()) as string;
      if (id !== roleId(a.role)) return [false, `${a.role} is ${id} in the contract, expected ${roleId(a.role)}`];
      const holder = roles[a.holder];
      const problems: string[] = [];
      if (!(await contract.hasRole(id, holder))) problems.push(`${label(holder)} does not hold it`);
      for (const other of names.keys()) {
        if (!sameAddress(other, holder) && (await contract.hasRole(id, other))) problems.push(`also held by ${label(other)}`);
      }
      return [problems.length === 0, problems.length === 0 ? `held by ${label(holder)} only` : problems.join("; ")];
    });
  }
}

async function checkFeeds(check: Check, runner: ContractRunner, d: Deployment, feeds: FeedParameters[]) {
  const oracle = IndexOracle__factory.connect(d.oracle, runner);
  await check("deployment feeds", async () => {
    const expected = feeds.map((f) => f.name);
    const actual = d.feeds.map((f) => f.name);
    const missing = expected.filter((n) => !actual.includes(n));
    const extra = actual.filter((n) => !expected.includes(n));
    const problems = [...missing.map((n) => `${n} missing`), ...extra.map((n) => `${n} not in the parameters`)];
    return [problems.length === 0, problems.length === 0 ? actual.join(", ") : problems.join("; ")];
  });
  for (const feed of feeds) {
    const id = feedId(feed.name);
    await check(`feed ${feed.name}`, async () => {
      const info = await oracle.feedInfo(id);
      const problems: string[] = [];
      const compare = (field: string, actual: unknown, expected: unknown) => {
        if (String(actual) !== String(expected)) problems.push(`${field} ${actual} (expected ${expected})`);
      };
      compare("description", JSON.stringify(info.description), JSON.stringify(feed.description));
      compare("signers", info.signers.map(getAddress).join(","), feed.signers.map(getAddress).join(","));
      compare("f", info.f, feed.f);
      for (const key of ["heartbeat", "maxObservationAge", "maxMoveBps", "minUpdateInterval"] as const) {
        compare(`params.${key}`, info.params[key], feed.params[key]);
      }
      compare("ringCapacity", info.ringCapacity, feed.ringCapacity);
      const state = `${info.signers.length} signers, f = ${info.f}, ring ${info.ringCapacity}${info.paused ? ", paused" : ""}`;
      return [problems.length === 0, problems.length === 0 ? `${id.slice(0, 10)}…: ${state}` : problems.join("; ")];
    });
    await check(`adapter ${feed.name}`, async () => {
      const entry = d.feeds.find((f) => f.name === feed.name);
      if (entry === undefined) return [false, "no adapter in the deployment"];
      if (entry.id !== id) return [false, `the deployment's feed id ${entry.id}, expected keccak256("${feed.name}") = ${id}`];
      const adapter = IndexFeedAdapter__factory.connect(entry.adapter, runner);
      const [oracleOf, feedOf, decimals] = await Promise.all([adapter.oracle(), adapter.feed(), adapter.decimals()]);
      const problems: string[] = [];
      if (!sameAddress(oracleOf, d.oracle)) problems.push(`oracle ${oracleOf} (expected ${d.oracle})`);
      if (feedOf !== id) {
        const other = feeds.find((f) => feedId(f.name) === feedOf);
        problems.push(`feed ${feedOf}${other === undefined ? "" : ` (${other.name})`} (expected ${id}, ${feed.name})`);
      }
      if (decimals !== 8n) problems.push(`decimals ${decimals} (expected 8)`);
      if (problems.length > 0) return [false, `${entry.adapter}: ${problems.join("; ")}`];
      return [true, `${entry.adapter} reads ${feed.name}`];
    });
  }
}

async function checkSeries(check: Check, runner: ContractRunner, d: Deployment, p: DeployParameters, options: CheckOptions) {
  const market = FuturesMarket__factory.connect(d.market, runner);
  let events: ListedEvent[];
  try {
    events = await seriesListedEvents(market, d.startBlock, options.logChunk);
  } catch (error) {
    await check("series", async () => [false, `SeriesListed events unreadable: ${shortError(error)}`]);
    return;
  }
  const { matched, unmatched } = matchProductSeries(events, p.products);
  const fromEvents = uniqueMonths(matched.map((s) => s.month));
  const months = options.months ?? fromEvents;
  if (options.months === undefined) {
    await check("series months", async () => [
      months.length >= p.series.months,
      `${months.length} month(s) listed: ${months.map(formatMonth).join(", ") || "none"}` +
        (months.length >= p.series.months ? "" : `, expected at least series.months = ${p.series.months}`),
    ]);
  }
  for (const s of plannedSeries(p, months)) {
    await check(`series ${s.name}`, async () => {
      const [listed, onChainId] = await Promise.all([isListed(market, s.id), market.seriesId(s.params)]);
      if (onChainId !== s.id) return [false, `the market computes id ${onChainId}, the deploy ${s.id}`];
      if (!listed) {
        const near = unmatched.find((e) => e.params.feed === s.params.feed && compareMonths(monthOfTime(e.params.expiry), s.month) === 0);
        if (near === undefined) return [false, `${s.id} not listed`];
        return [false, `not listed; ${near.id} is listed instead with ${seriesParamsDiff(near.params, s.params).join(", ")}`];
      }
      const diff = seriesParamsDiff(seriesParamsFrom(await market.seriesParams(s.id)), s.params);
      const times = `expiry ${isoTime(s.params.expiry)}, last trade ${isoTime(s.params.lastTradingTime)}`;
      return [diff.length === 0, diff.length === 0 ? `${s.id.slice(0, 10)}…: ${times}` : diff.join(", ")];
    });
  }
  for (const event of unmatched) {
    await check(`series ${event.id.slice(0, 10)}…`, async () => [
      false,
      `listed at block ${event.blockNumber} (feed ${event.params.feed.slice(0, 10)}…, expiry ${isoTime(event.params.expiry)}) ` +
        "but not a series of the parameters' products",
    ]);
  }
}

function uniqueMonths(months: Month[]): Month[] {
  const seen = new Map(months.map((m) => [formatMonth(m), m]));
  return [...seen.values()].sort(compareMonths);
}

function isoTime(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}

function shortError(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string };
  return e.shortMessage ?? e.message ?? String(error);
}
