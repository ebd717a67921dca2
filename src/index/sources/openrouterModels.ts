/**
 * `openrouter-models`: OpenRouter's model list (`GET /api/v1/models`,
 * `{ data: [{ id, pricing: { completion, ... } }] }`). One quote per configured model: its
 * `pricing.completion` (USD per output token, a decimal string; the cheapest endpoint's price)
 * in WAD USD per 1M output tokens, discount applied. The list carries no timestamp, so the quotes
 * are observed at the round's time.
 */
import { z } from "zod";

import type { Quote } from "../types.js";
import { SourceError } from "./errors.js";
import { fetchSourceJson } from "./http.js";
import { completionPerMillion, OpenRouterPricing } from "./openrouterPricing.js";
import { messageOf, sourceOutcome } from "./outcome.js";
import { maxPriceWad, priceProblem } from "./price.js";
import type { OpenRouterModelsConfig } from "./schema.js";
import type { FetchContext, Rejection, SourceOutcome } from "./types.js";
import { parseWith } from "./validate.js";

/** The list's envelope; entries are checked one by one, so one odd model spoils nothing else. */
const ModelList = z.object({ data: z.array(z.object({ id: z.string() }).loose()) });
const ModelEntry = z.object({ id: z.string(), pricing: OpenRouterPricing });

export async function fetchOpenRouterModels(config: OpenRouterModelsConfig, ctx: FetchContext): Promise<SourceOutcome> {
  const body = await fetchSourceJson(config.id, config.url, config, ctx.signal);
  const list = parseWith(ModelList, body);
  if (!list.ok) throw new SourceError(config.id, `answer is not an OpenRouter model list: ${list.problem}`, false);

  const byId = new Map<string, unknown[]>();
  for (const entry of list.value.data) byId.set(entry.id, [...(byId.get(entry.id) ?? []), entry]);

  const maxPrice = maxPriceWad(config.maxPrice);
  const quotes: Quote[] = [];
  const rejected: Rejection[] = [];
  for (const constituent of Object.keys(config.models).sort()) {
    const modelId = config.models[constituent]!;
    const item = `model ${modelId}`;
    const reject = (reason: string) => rejected.push({ item, constituent, reason });
    if (modelId.endsWith(":free")) {
      reject("a ':free' variant has no price to index");
      continue;
    }
    const entries = byId.get(modelId) ?? [];
    if (entries.length !== 1) {
      reject(entries.length === 0 ? "not in the model list" : `listed ${entries.length} times`);
      continue;
    }
    const entry = parseWith(ModelEntry, entries[0]);
    if (!entry.ok) {
      reject(`malformed pricing: ${entry.problem}`);
      continue;
    }
    const pricing = entry.value.pricing;
    let price: bigint;
    try {
      price = completionPerMillion(pricing);
    } catch (error) {
      reject(`completion: ${messageOf(error)}`);
      continue;
    }
    const problem = priceProblem(price, maxPrice);
    if (problem !== undefined) {
      reject(`completion ${JSON.stringify(pricing.completion)}: ${problem} per 1M tokens`);
      continue;
    }
    quotes.push({ source: config.id, constituent, price, unit: ctx.unit, kind: config.quoteKind, observedAt: ctx.now });
  }
  return sourceOutcome(config.id, ctx.now, quotes, rejected);
}
