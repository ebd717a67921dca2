/**
 * What the deploy scripts print: the deployment's addresses, the launch series, and the check's
 * results, as plain-text tables (src/cli/table.ts).
 */
import type { Deployment } from "../src/client/deployment.js";
import { renderTable } from "../src/cli/table.js";
import type { CheckResult } from "./checkDeployment.js";
import type { PlannedSeries } from "./plan.js";

export function addressTable(d: Deployment): string {
  const rows = [
    ["token", d.token],
    ["IndexOracle", d.oracle],
    ["MarginVault", d.vault],
    ["FuturesMarket", d.market],
    ...d.feeds.map((f) => [`adapter ${f.name}`, f.adapter]),
  ];
  return renderTable(["contract", "address"], rows);
}

export function seriesTable(series: PlannedSeries[]): string {
  const iso = (t: bigint) => new Date(Number(t) * 1000).toISOString().replace(":00.000Z", "Z");
  return renderTable(
    ["series", "expiry (UTC)", "last trade (UTC)", "id"],
    series.map((s) => [s.name, iso(s.params.expiry), iso(s.params.lastTradingTime), s.id]),
  );
}

export function checkTable(results: CheckResult[]): string {
  const failed = results.filter((r) => !r.ok).length;
  const table = renderTable(
    ["check", "ok", "detail"],
    results.map((r) => [r.check, r.ok ? "ok" : "FAIL", r.detail]),
  );
  return `${table}\n${failed === 0 ? `all ${results.length} checks passed` : `${failed} of ${results.length} checks FAILED`}`;
}
