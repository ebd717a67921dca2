/**
 * How the demo talks: numbered scenes, a line of prose, and tables (src/cli/table.ts). Amounts
 * are formatted with the client's exact helpers, never through floats.
 */
import { renderTable } from "../../src/cli/table.js";

let scene = 0;

export function heading(title: string): void {
  scene += 1;
  console.log(`\n== ${scene}. ${title}`);
}

export function say(...lines: string[]): void {
  for (const line of lines) console.log(line);
}

export function table(headers: string[], rows: string[][]): void {
  console.log(renderTable(headers, rows));
}

/** 2026-10-26 13:00 UTC */
export function when(unix: bigint | number): string {
  return `${new Date(Number(unix) * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function short(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
