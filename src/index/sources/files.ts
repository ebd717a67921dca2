/** Reading the files of file-based sources (price sheets, replays), relative to the repository. */
import { readFile, stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { SourceError } from "./errors.js";

/** The repository root (three folders above src/index/sources/). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** A price sheet or a replay larger than this is refused unread. */
export const MAX_FILE_BYTES = 5_000_000;

/** The UTF-8 text of `path` (absolute, or relative to `baseDir`, default the repository root). */
export async function readSourceFile(source: string, path: string, baseDir: string = REPO_ROOT): Promise<string> {
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  try {
    const info = await stat(full);
    if (!info.isFile()) throw new SourceError(source, `${path} is not a file`, false);
    if (info.size > MAX_FILE_BYTES) {
      throw new SourceError(source, `${path} has ${info.size} bytes, more than ${MAX_FILE_BYTES}`, false);
    }
    const bytes = await readFile(full);
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    if (error instanceof SourceError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === undefined ? (error instanceof Error ? error.message : String(error)) : code;
    // A missing file may appear (an operator's sync); anything else will not fix itself.
    throw new SourceError(source, `cannot read ${path} (${what})`, code === "ENOENT", { cause: error });
  }
}
