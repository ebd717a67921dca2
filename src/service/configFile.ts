/**
 * What the relayer's and the keeper's YAML configurations share: the error class that stops a
 * service at start-up, reading a file as YAML, and turning zod issues into lines that name the
 * file and the field.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";

import { fieldErrorMap, issueLines } from "../index/zod-issues.js";

/** A configuration the service cannot start with: the message names the file and the field. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads `file` and parses it as YAML, or says why it cannot. */
export async function readYamlConfig(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
}

/** Validates `raw` against `schema`; every issue becomes a `<file>: <field>: <problem>` line. */
export function validateConfig<S extends z.ZodType>(schema: S, raw: unknown, file: string): z.output<S> {
  const parsed = schema.safeParse(raw, { error: fieldErrorMap });
  if (!parsed.success) {
    throw new ConfigError(issueLines(parsed.error).map((line) => `${file}: ${line}`).join("\n"));
  }
  return parsed.data;
}
