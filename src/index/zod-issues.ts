/**
 * Zod issues as short lines that name the field: `limits.maxDeviationBps: expected a number`,
 * `constituents[2].weight: required`. Shared by the feed config and the quote snapshot parsers.
 */
import type { z } from "zod";

/** Pass as `{ error: fieldErrorMap }` to `safeParse`: plain wording for the common issues. */
export const fieldErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "required";
      return `expected ${withArticle(issue.expected === "int" ? "integer" : issue.expected)}`;
    case "too_small":
      if (issue.origin === "array") return `expected at least ${issue.minimum} item(s)`;
      if (issue.origin === "string") return `expected at least ${issue.minimum} character(s)`;
      return `expected ${issue.inclusive === false ? "more than" : "at least"} ${issue.minimum}`;
    case "too_big":
      if (issue.origin === "array") return `expected at most ${issue.maximum} item(s)`;
      if (issue.origin === "string") return `expected at most ${issue.maximum} character(s)`;
      return `expected ${issue.inclusive === false ? "less than" : "at most"} ${issue.maximum}`;
    case "invalid_value":
      if (issue.input === undefined) return "required";
      return `expected one of ${quoteAll(issue.values)}`;
    case "invalid_union": {
      // A discriminated union (a source's `kind`): the issue's path already ends at the key.
      const { options, discriminator } = issue as { options?: unknown[]; discriminator?: string };
      if (issue.note !== "No matching discriminator" || options === undefined) return undefined;
      const value = discriminator === undefined ? undefined : (issue.input as Record<string, unknown> | null)?.[discriminator];
      return value === undefined ? "required" : `expected one of ${quoteAll(options)}`;
    }
    case "invalid_format":
      return issue.format === "url" ? "expected a URL" : undefined;
    default:
      return undefined;
  }
};

/** One line per issue, `<path>: <message>`; unknown keys get a line each. */
export function issueLines(error: z.ZodError): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) lines.push(`${formatPath([...issue.path, key])}: unknown field`);
    } else {
      lines.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  return lines;
}

/** `["limits", "maxDeviationBps"]` → `limits.maxDeviationBps`; `["constituents", 2, "id"]` → `constituents[2].id`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) text += text === "" ? key : `.${key}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}

function quoteAll(values: readonly unknown[]): string {
  return values.map((value) => JSON.stringify(value)).join(", ");
}

function withArticle(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
