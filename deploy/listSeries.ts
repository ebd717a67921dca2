/**
 * Listing a month's series on a deployed market, without a redeploy: one series per product of
 * the parameters, for the given month or by default the next one (see `defaultListingMonth`).
 * Series already listed are skipped, so running it again for the same month changes nothing.
 */
import { getAddress, type Signer } from "ethers";

import type { Deployment } from "../src/client/deployment.js";
import { FuturesMarket__factory, type FuturesMarket } from "../types/ethers-contracts/index.js";
import { isListed, matchProductSeries, seriesListedEvents } from "./listedSeries.js";
import { parseParameters, type DeployParameters, type DeployParametersInput } from "./parameters.js";
import { plannedSeries, type PlannedSeries } from "./plan.js";
import { addMonths, compareMonths, formatMonth, launchMonths, seriesRuleViolation, type Month } from "./series.js";

export interface ListSeriesOptions {
  /** The month to list; default: `defaultListingMonth`. */
  month?: Month;
  /** eth_getLogs block range per request. */
  logChunk?: number;
}

export interface ListedSeriesOutcome extends PlannedSeries {
  status: "listed" | "already listed";
  /** The listing transaction, when this call listed it. */
  txHash?: string;
}

export interface ListSeriesResult {
  month: Month;
  series: ListedSeriesOutcome[];
}

/**
 * Lists the products' series for a month with `signer`, which must hold LISTER_ROLE on the
 * deployment's market. Throws before any transaction for a signer without the role, another
 * chain, or a series the market would refuse (naming the product and the field).
 */
export async function listMonthSeries(
  signer: Signer,
  deployment: Deployment,
  parameters: DeployParametersInput,
  options: ListSeriesOptions = {},
): Promise<ListSeriesResult> {
  const valid = parseParameters(parameters);
  const provider = signer.provider;
  if (provider === null) throw new Error("listMonthSeries: the signer has no provider");
  const chainId = Number((await provider.getNetwork()).chainId);
  if (chainId !== deployment.chainId) throw new Error(`the signer is on chain ${chainId}, the deployment on ${deployment.chainId}`);

  const market = FuturesMarket__factory.connect(deployment.market, signer);
  const lister = getAddress(await signer.getAddress());
  if (!(await market.hasRole(await market.LISTER_ROLE(), lister))) {
    throw new Error(`${lister} does not hold LISTER_ROLE on the FuturesMarket at ${deployment.market}`);
  }
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);
  const month = options.month ?? (await defaultListingMonth(market, deployment, valid, now, options.logChunk));

  const series: ListedSeriesOutcome[] = [];
  for (const s of plannedSeries(valid, [month])) {
    if (await isListed(market, s.id)) {
      series.push({ ...s, status: "already listed" });
      continue;
    }
    const violation = seriesRuleViolation(s.params, now);
    if (violation !== undefined) {
      throw new Error(`${s.name}: the market would refuse ${violation.name} = ${violation.value} at chain time ${now}`);
    }
    const receipt = await (await market.listSeries(s.params)).wait();
    series.push({ ...s, status: "listed", txHash: receipt!.hash });
  }
  return { month, series };
}

/**
 * The month a listing run picks when none is given: the latest month with a product series
 * listed, if some product still lacks its series for it (a run that stopped half way), otherwise
 * the month after it; with no product series listed yet, the first month at least
 * `series.minLeadSeconds` away.
 */
export async function defaultListingMonth(
  market: FuturesMarket,
  deployment: Deployment,
  parameters: DeployParameters,
  now: bigint,
  logChunk?: number,
): Promise<Month> {
  const { matched } = matchProductSeries(await seriesListedEvents(market, deployment.startBlock, logChunk), parameters.products);
  if (matched.length === 0) return launchMonths(now, 1, parameters.series.minLeadSeconds)[0];
  const latest = matched.map((s) => s.month).reduce((a, b) => (compareMonths(a, b) >= 0 ? a : b));
  const listedThen = new Set(matched.filter((s) => compareMonths(s.month, latest) === 0).map((s) => s.product));
  const complete = parameters.products.every((p) => listedThen.has(p.symbol));
  return complete ? addMonths(latest, 1) : latest;
}

/** "H100-2027-03 listed (0x…)" lines for a script's output. */
export function describeListing(result: ListSeriesResult): string[] {
  return [
    `month ${formatMonth(result.month)}:`,
    ...result.series.map((s) => {
      const tx = s.txHash === undefined ? "" : `  tx ${s.txHash}`;
      return `  ${s.name.padEnd(16)} ${s.status.padEnd(14)} ${s.id}${tx}`;
    }),
  ];
}
