/**
 * What a deploy will do, decided before its first transaction: the parameters, the deploying
 * account and the chain's time become the concrete plan the Ignition modules are built from
 * (token, role holders, feeds, and the launch series with their ids). Pure.
 */
import { formatMonth, launchMonths, parseMonth, seriesId, seriesName, seriesParams, seriesRuleViolation } from "./series.js";
import type { Month, SeriesParams } from "./series.js";
import { ParametersError, type DeployParameters, type FeedParameters } from "./parameters.js";
import { resolveRoles, type ResolvedRoles } from "./roles.js";

/** Chains where a MockUSD (mint open to anyone) may stand in for the stablecoin. */
export const LOCAL_CHAIN_IDS: readonly number[] = [31337];

export interface PlannedSeries {
  /** e.g. "H100-2026-12". */
  name: string;
  product: string;
  month: Month;
  id: string;
  params: SeriesParams;
}

export interface SystemPlan {
  deployer: string;
  /** The existing stablecoin, or undefined for a MockUSD. */
  token: string | undefined;
  roles: ResolvedRoles;
  feeds: FeedParameters[];
  months: Month[];
  series: PlannedSeries[];
}

/** A string usable in an Ignition future id (letters, digits, '_'). */
export function ignitionId(text: string): string {
  return text.replace(/[^A-Za-z0-9]/g, "_");
}

/** The product series of `months`, in product order then month order. */
export function plannedSeries(parameters: DeployParameters, months: Month[]): PlannedSeries[] {
  return parameters.products.flatMap((product) =>
    months.map((month) => {
      const params = seriesParams(product, month);
      return { name: seriesName(product, month), product: product.symbol, month, id: seriesId(params), params };
    }),
  );
}

/**
 * The plan for `parameters` deployed by `deployer` on chain `chainId` whose latest block time is
 * `now`, checked with `validatePlan`. `firstMonth` is the first launch month an earlier run of the
 * same deployment chose, used when the file pins none.
 */
export function planSystem(
  parameters: DeployParameters,
  deployer: string,
  now: bigint,
  chainId: number,
  where = "parameters",
  firstMonth?: Month,
): SystemPlan {
  const plan = buildPlan(parameters, deployer, now, chainId, where, firstMonth);
  validatePlan(plan, parameters, now, where);
  return plan;
}

/** The plan, its series not yet checked against the time. Refuses a MockUSD on a non-local chain. */
export function buildPlan(
  parameters: DeployParameters,
  deployer: string,
  now: bigint,
  chainId: number,
  where = "parameters",
  firstMonth?: Month,
): SystemPlan {
  const token = parameters.token ?? undefined;
  if (token === undefined && !LOCAL_CHAIN_IDS.includes(chainId)) {
    throw new ParametersError(
      `${where}: token: required on chain ${chainId}; ` +
        `a MockUSD (anyone may mint) is deployed only on local chains (${LOCAL_CHAIN_IDS.join(", ")})`,
    );
  }
  const { months: count, minLeadSeconds } = parameters.series;
  const pinned = parameters.series.firstMonth === undefined ? firstMonth : parseMonth(parameters.series.firstMonth);
  const months = launchMonths(now, count, minLeadSeconds, pinned);
  return {
    deployer,
    token,
    roles: resolveRoles(parameters.roles, deployer),
    feeds: parameters.feeds,
    months,
    series: plannedSeries(parameters, months),
  };
}

/**
 * Throws ParametersError, naming the product, the month and the field, for a launch series the
 * market would refuse at `now` or that expires less than `series.minLeadSeconds` after it.
 * Series in `listed` (already on chain: a resumed deploy) are not checked again.
 */
export function validatePlan(
  plan: SystemPlan,
  parameters: DeployParameters,
  now: bigint,
  where = "parameters",
  listed: ReadonlySet<string> = new Set(),
): void {
  const pinnedBy = parameters.series.firstMonth === undefined ? "the first month an earlier run recorded" : "series.firstMonth";
  const lead = BigInt(parameters.series.minLeadSeconds);
  for (const s of plan.series) {
    if (listed.has(s.id)) continue;
    const i = parameters.products.findIndex((p) => p.symbol === s.product);
    const violation = seriesRuleViolation(s.params, now);
    if (violation !== undefined) {
      throw new ParametersError(
        `${where}: products[${i}] (${s.product}) for ${formatMonth(s.month)}: the market would refuse ` +
          `${violation.name} = ${violation.value} at chain time ${now} (first month ${formatMonth(plan.months[0])})`,
      );
    }
    if (s.params.expiry < now + lead) {
      throw new ParametersError(
        `${where}: ${pinnedBy}: ${s.name} expires at ${s.params.expiry}, less than minLeadSeconds (${lead}) after chain time ${now}`,
      );
    }
  }
}
