/**
 * `gpu-offers`: a GPU marketplace's offer list in Vast.ai's format (`GET /api/v0/bundles/?q=...`,
 * `{ offers: [{ id, gpu_name, num_gpus, dph_total, verified, rentable, rented, reliability }] }`).
 *
 * An offer counts when its gpu_name is the config's `gpuName`, it is verified (`verified: true`
 * or `verification: "verified"`), `rentable: true`, not `rented: true`, and its `reliability`
 * (or the older `reliability2`) is at least `minReliability`; other offers are filtered out
 * silently. Each counted offer is one quote for the config's constituent: per-GPU price =
 * dph_total / num_gpus, where dph_total (USD per hour for the whole offer, a JSON number) is read
 * exactly as `String(dph_total)` (src/index/decimal.ts, `numberToWad`; a negative number or one
 * with more than 18 decimals is rejected) and the division rounds down to 1e-18 USD;
 * weight = num_gpus (the capacity behind the price). The list carries no timestamp: quotes are
 * observed at the round's time.
 */
import { z } from "zod";

import type { Quote } from "../types.js";
import { formatWad, numberToWad } from "../decimal.js";
import { SourceError } from "./errors.js";
import { fetchSourceJson } from "./http.js";
import { messageOf, sourceOutcome } from "./outcome.js";
import { maxPriceWad, priceProblem } from "./price.js";
import type { GpuOffersConfig } from "./schema.js";
import type { FetchContext, Rejection, SourceOutcome } from "./types.js";
import { parseWith } from "./validate.js";

/** More GPUs than this in one offer is not a machine but a malformed answer. */
const MAX_GPUS_PER_OFFER = 1024;

const OfferList = z.object({ offers: z.array(z.unknown()) });
const OfferHead = z.object({
  id: z.union([z.number(), z.string()]).optional(),
  gpu_name: z.string(),
  verified: z.boolean().optional(),
  verification: z.string().optional(),
  rentable: z.boolean().optional(),
  rented: z.boolean().optional(),
  reliability: z.number().optional(),
  reliability2: z.number().optional(),
});
const OfferPrice = z.object({
  num_gpus: z.number().int().min(1).max(MAX_GPUS_PER_OFFER),
  dph_total: z.number(),
});

export async function fetchGpuOffers(config: GpuOffersConfig, ctx: FetchContext): Promise<SourceOutcome> {
  const body = await fetchSourceJson(config.id, config.url, config, ctx.signal);
  const list = parseWith(OfferList, body);
  if (!list.ok) throw new SourceError(config.id, `answer is not an offer list: ${list.problem}`, false);

  const maxPrice = maxPriceWad(config.maxPrice);
  const quotes: Quote[] = [];
  const rejected: Rejection[] = [];
  const constituent = config.constituent;
  list.value.offers.forEach((raw, index) => {
    const head = parseWith(OfferHead, raw);
    if (!head.ok) {
      rejected.push({ item: `offer #${index}`, constituent, reason: `malformed: ${head.problem}` });
      return;
    }
    const offer = head.value;
    if (!counts(offer, config)) return;
    const item = `offer ${offer.id ?? `#${index}`}`;
    const priced = parseWith(OfferPrice, raw);
    if (!priced.ok) {
      rejected.push({ item, constituent, reason: `malformed: ${priced.problem}` });
      return;
    }
    const { num_gpus: gpus, dph_total: dph } = priced.value;
    let total: bigint;
    try {
      total = numberToWad(dph);
    } catch (error) {
      rejected.push({ item, constituent, reason: `dph_total: ${messageOf(error)}` });
      return;
    }
    const perGpu = total / BigInt(gpus);
    const problem = priceProblem(perGpu, maxPrice);
    if (problem !== undefined) {
      const detail = `dph_total ${String(dph)} / ${gpus} GPUs = ${formatWad(perGpu)}`;
      rejected.push({ item, constituent, reason: `${problem} per GPU-hour (${detail})` });
      return;
    }
    quotes.push({
      source: config.id,
      constituent,
      price: perGpu,
      unit: ctx.unit,
      kind: config.quoteKind,
      observedAt: ctx.now,
      weight: BigInt(gpus),
    });
  });
  const filter = `gpu_name ${JSON.stringify(config.gpuName)}, verified, rentable, reliability >= ${config.minReliability}`;
  return sourceOutcome(config.id, ctx.now, quotes, rejected, `no usable offer (${filter}) among ${list.value.offers.length}`);
}

function counts(offer: z.infer<typeof OfferHead>, config: GpuOffersConfig): boolean {
  const verified = offer.verified === true || offer.verification === "verified";
  const reliability = offer.reliability ?? offer.reliability2;
  return (
    offer.gpu_name.trim() === config.gpuName &&
    verified &&
    offer.rentable === true &&
    offer.rented !== true &&
    reliability !== undefined &&
    reliability >= config.minReliability
  );
}
