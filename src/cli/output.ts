/**
 * A command's result on stdout: JSON for scripts (`--json`, bigints as decimal strings), or the
 * human text. Progress and notes go to stderr, so stdout stays the result either way.
 */
import { toJson } from "./table.js";

export function printResult(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(`${json ? toJson(value) : human()}\n`);
}

/** A remark for the person at the terminal (not part of the result); silent with --json. */
export function note(json: boolean, line: string): void {
  if (!json) process.stderr.write(`${line}\n`);
}
