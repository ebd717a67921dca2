/**
 * The one entry point of the price sources: `fetchSource(config, ctx)` runs the adapter named by
 * `config.kind` and never throws. A source that gives no quote (unreachable, timed out, 5xx after
 * the retries, 4xx, too large, not JSON, the wrong shape, a bad file, every price rejected) comes
 * back as `{ ok: false, error }` with a message naming the source id and what was wrong; quotes
 * that were rejected individually are listed in `rejected` either way.
 */
import { SourceError } from "./errors.js";
import { fetchGpuOffers } from "./gpuOffers.js";
import { fetchOpenRouterEndpoints } from "./openrouterEndpoints.js";
import { fetchOpenRouterModels } from "./openrouterModels.js";
import { messageOf, sourceFailure } from "./outcome.js";
import { fetchPriceSheet } from "./priceSheet.js";
import { fetchReplay } from "./replay.js";
import type { SourceConfig } from "./schema.js";
import type { FetchContext, SourceOutcome } from "./types.js";

export async function fetchSource(config: SourceConfig, ctx: FetchContext): Promise<SourceOutcome> {
  try {
    return await runAdapter(config, ctx);
  } catch (error) {
    const failure =
      error instanceof SourceError
        ? error
        : new SourceError(config.id, `adapter failed: ${messageOf(error)}`, false, { cause: error });
    return sourceFailure(failure, ctx.now);
  }
}

function runAdapter(config: SourceConfig, ctx: FetchContext): Promise<SourceOutcome> {
  switch (config.kind) {
    case "openrouter-models":
      return fetchOpenRouterModels(config, ctx);
    case "openrouter-endpoints":
      return fetchOpenRouterEndpoints(config, ctx);
    case "gpu-offers":
      return fetchGpuOffers(config, ctx);
    case "price-sheet":
      return fetchPriceSheet(config, ctx);
    case "replay":
      return fetchReplay(config, ctx);
  }
}
