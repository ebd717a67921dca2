/**
 * `openrouter-endpoints`: the per-provider endpoints of one model on OpenRouter
 * (`GET /api/v1/models/{author}/{slug}/endpoints`,
 * `{ data: { id, endpoints: [{ provider_name, tag, quantization, pricing: { completion } }] } }`).
 * One quote per endpoint, in WAD USD per 1M output tokens; the constituent is the endpoint's
 * `tag` or else its `provider_name` looked up in the config's `providers` map. Unmapped endpoints
 * are skipped and reported; two endpoints mapping to one constituent are both rejected (map them
 * by tag). The answer carries no timestamp: quotes are observed at the round's time.
 */
import { z } from "zod";

import type { Quote } from "../types.js";
import { SourceError } from "./errors.js";
import { fetchSourceJson } from "./http.js";
import { completionPerMillion, OpenRouterPricing } from "./openrouterPricing.js";
import { messageOf, sourceOutcome } from "./outcome.js";
import { maxPriceWad, priceProblem } from "./price.js";
import type { OpenRouterEndpointsConfig } from "./schema.js";
import type { FetchContext, Rejection, SourceOutcome } from "./types.js";
import { parseWith } from "./validate.js";

const EndpointList = z.object({
  data: z.object({ id: z.string(), endpoints: z.array(z.unknown()) }).loose(),
});
const Endpoint = z.object({
  provider_name: z.string().min(1),
  tag: z.string().optional(),
  quantization: z.string().nullable().optional(),
  pricing: OpenRouterPricing,
});

interface Candidate {
  item: string;
  constituent: string;
  price: bigint;
}

export async function fetchOpenRouterEndpoints(
  config: OpenRouterEndpointsConfig,
  ctx: FetchContext,
): Promise<SourceOutcome> {
  const body = await fetchSourceJson(config.id, config.url, config, ctx.signal);
  const list = parseWith(EndpointList, body);
  if (!list.ok) throw new SourceError(config.id, `answer is not an OpenRouter endpoint list: ${list.problem}`, false);

  const maxPrice = maxPriceWad(config.maxPrice);
  const candidates: Candidate[] = [];
  const rejected: Rejection[] = [];
  list.value.data.endpoints.forEach((raw, index) => {
    const endpoint = parseWith(Endpoint, raw);
    if (!endpoint.ok) {
      rejected.push({ item: `endpoint #${index}`, reason: `malformed: ${endpoint.problem}` });
      return;
    }
    const { provider_name: provider, tag, pricing } = endpoint.value;
    const item = `endpoint ${provider}${tag === undefined ? "" : ` (${tag})`}`;
    const constituent = lookup(config.providers, tag) ?? lookup(config.providers, provider);
    if (constituent === undefined) {
      rejected.push({ item, reason: "provider not in the providers map" });
      return;
    }
    let price: bigint;
    try {
      price = completionPerMillion(pricing);
    } catch (error) {
      rejected.push({ item, constituent, reason: `completion: ${messageOf(error)}` });
      return;
    }
    const problem = priceProblem(price, maxPrice);
    if (problem !== undefined) {
      rejected.push({ item, constituent, reason: `completion ${JSON.stringify(pricing.completion)}: ${problem} per 1M tokens` });
      return;
    }
    candidates.push({ item, constituent, price });
  });

  const count = new Map<string, number>();
  for (const c of candidates) count.set(c.constituent, (count.get(c.constituent) ?? 0) + 1);
  const quotes: Quote[] = [];
  for (const c of candidates) {
    if (count.get(c.constituent)! > 1) {
      rejected.push({
        item: c.item,
        constituent: c.constituent,
        reason: `ambiguous: ${count.get(c.constituent)} endpoints map to ${c.constituent} (map them by tag)`,
      });
      continue;
    }
    quotes.push({ source: config.id, constituent: c.constituent, price: c.price, unit: ctx.unit, kind: config.quoteKind, observedAt: ctx.now });
  }
  return sourceOutcome(config.id, ctx.now, quotes, rejected);
}

/** An own property of the map (never a prototype key such as "constructor"). */
function lookup(map: Record<string, string>, key: string | undefined): string | undefined {
  return key !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
}
