/**
 * Source configs shared by the adapter tests: the Vast.ai offer source of the H100 feed with
 * test-sized network limits (no retries unless a test asks for them).
 */
import type { GpuOffersConfig } from "../../src/index/sources/index.js";

export const VAST_PATH = "/api/v0/bundles/";

export function vastOffersSource(url: string, overrides: Partial<GpuOffersConfig> = {}): GpuOffersConfig {
  return {
    id: "vast-offers",
    kind: "gpu-offers",
    quoteKind: "firm",
    url,
    constituent: "vast-ai",
    gpuName: "H100 SXM",
    minReliability: 0.95,
    maxPrice: "100",
    timeoutMs: 1_000,
    retries: 0,
    backoffMs: 0,
    maxBytes: 1_000_000,
    ...overrides,
  };
}
