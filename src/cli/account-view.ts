/**
 * An account's margin summary and positions (client.account()) as the human tables of
 * `cfx account` and `cfx positions`, and as JSON with the series' names added.
 */
import { formatRatio, formatSize, type AccountSummary, type Collateral, type PositionSummary } from "../client/index.js";
import type { Session } from "./context.js";
import { money, pnl, price } from "./format.js";
import { renderRows, renderTable } from "./table.js";

export type NamedPosition = PositionSummary & { name: string };
export type NamedAccount = Omit<AccountSummary, "positions"> & { positions: NamedPosition[] };

/** The summary of `address` (the key's account when none is given), its positions named. */
export async function readNamedAccount(session: Session, address: string | undefined): Promise<NamedAccount> {
  const summary = await session.client.account(address);
  const positions = await Promise.all(summary.positions.map(async (p) => ({ name: await session.nameOf(p.series), ...p })));
  return { ...summary, positions };
}

export function accountTable(account: NamedAccount, collateral: Collateral): string {
  const ratio = account.marginRatio === undefined ? "none (no position)" : formatRatio(account.marginRatio);
  const rows = [
    ["wallet (not deposited)", money(account.walletBalance, collateral)],
    ["vault balance (cash)", money(account.cash, collateral)],
    ["equity", money(account.equity, collateral)],
    ["initial margin", money(account.initialMargin, collateral, "ceil")],
    ["maintenance margin", money(account.maintenanceMargin, collateral, "ceil")],
    ["free collateral", money(account.freeCollateral, collateral)],
    ["margin ratio", ratio],
  ];
  const warnings = [
    ...(account.liquidatable ? ["LIQUIDATABLE: equity is below the maintenance margin"] : []),
    ...(account.indexStale ? ["an index is stale: no withdrawal and no risk-increasing trade until it updates"] : []),
  ];
  const positions = account.positions.length === 0 ? "no open positions" : positionsTable(account.positions, collateral);
  return [`account ${account.address} at block ${account.blockNumber}`, renderRows(rows), ...warnings, "", positions].join("\n");
}

export function positionsTable(positions: NamedPosition[], collateral: Collateral): string {
  if (positions.length === 0) return "no open positions";
  return renderTable(
    ["series", "side", "size", "entry", "mark", "unrealised PnL", "initial margin", "liquidation price"],
    positions.map((p) => [
      p.name,
      p.size > 0n ? "long" : "short",
      formatSize(p.size < 0n ? -p.size : p.size),
      // The entry as the client rounds it: against the trader.
      price(p.entryPrice, p.size > 0n ? "ceil" : "floor"),
      `${price(p.mark)}${p.settled ? " (settled)" : ""}`,
      pnl(p.unrealisedPnl, collateral),
      money(p.initialMargin, collateral, "ceil"),
      liquidation(p),
    ]),
  );
}

function liquidation(p: PositionSummary): string {
  if (p.settled) return "settled: awaits settleAccount";
  if (p.liquidationPrice === undefined) return "none";
  if (p.liquidationPrice === 0n && p.size < 0n) return "any price (liquidatable now)";
  // Rounded towards danger: a long is liquidatable at or below it, a short at or above it.
  return price(p.liquidationPrice, p.size > 0n ? "ceil" : "floor", 4);
}
