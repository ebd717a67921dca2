/**
 * How the command line names series. The client labels a series by feed and expiry date
 * ("H100-HOUR 2026-12-25"); the deploy names a product's monthly series by product symbol and
 * month ("H100-2026-12"), which only its parameters file knows. A command accepts either, or the
 * bytes32 id, and shows the deploy's name where the parameters file is at hand.
 */
import { access } from "node:fs/promises";
import path from "node:path";
import { isHexString } from "ethers";

import { loadParameters } from "../../deploy/parameters.js";
import { matchProductSeries } from "../../deploy/listedSeries.js";
import { formatMonth, type ProductDefinition } from "../../deploy/series.js";
import type { Deployment, SeriesParams } from "../client/index.js";
import { UsageError } from "./errors.js";

const LOCAL_CHAIN_ID = 31337;

export interface NamedSeries {
  id: string;
  /** The deploy's name (H100-2026-12) when the parameters define the series, else the label. */
  name: string;
  /** The client's label: feed and expiry date. */
  label: string;
}

/**
 * The products of the deploy parameters: --params, else $CFX_DEPLOY_PARAMS, else
 * deploy/parameters/<network>.json, else deploy/parameters/local.json on a local chain. Without
 * any, series go by their labels. A file that is named but broken is an error.
 */
export async function namingProducts(
  explicit: string | undefined,
  deployment: Deployment,
  env = process.env,
): Promise<ProductDefinition[] | undefined> {
  const named = explicit ?? (env.CFX_DEPLOY_PARAMS === "" ? undefined : env.CFX_DEPLOY_PARAMS);
  if (named !== undefined) return (await loadParameters(named)).products;
  const candidates = [path.join("deploy", "parameters", `${deployment.network}.json`)];
  if (deployment.chainId === LOCAL_CHAIN_ID) candidates.push(path.join("deploy", "parameters", "local.json"));
  for (const file of candidates) {
    if (await exists(file)) return (await loadParameters(file)).products;
  }
  return undefined;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** Names listed series: the deploy's product-month name where a product's parameters match exactly. */
export function nameSeries(
  series: { id: string; label: string; params: SeriesParams }[],
  products: ProductDefinition[] | undefined,
): NamedSeries[] {
  const names = new Map<string, string>();
  if (products !== undefined) {
    const { matched } = matchProductSeries(
      series.map((s) => ({ id: s.id.toLowerCase(), params: s.params, blockNumber: 0 })),
      products,
    );
    for (const m of matched) names.set(m.id, `${m.product}-${formatMonth(m.month)}`);
  }
  return series.map((s) => ({ id: s.id, label: s.label, name: names.get(s.id.toLowerCase()) ?? s.label }));
}

/** The series a user typed: its name, its label (any case) or its id. */
export function resolveSeries(text: string, known: NamedSeries[], option = "--series"): NamedSeries {
  const wanted = text.trim().toLowerCase();
  const found = isHexString(text.trim(), 32)
    ? known.find((s) => s.id.toLowerCase() === wanted)
    : known.find((s) => s.name.toLowerCase() === wanted || s.label.toLowerCase() === wanted);
  if (found !== undefined) return found;
  if (known.length === 0) throw new UsageError(`${option}: unknown series "${text}": the market lists no series yet`);
  const names = known.map((s) => s.name).join(", ");
  throw new UsageError(`${option}: unknown series "${text}": the market lists ${names} (a name, a label or a 0x id)`);
}
