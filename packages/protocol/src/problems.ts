// Turns zod issues into SchemaProblems that say where, what was expected and what came, in
// words a user can act on: `finalStatus: expected one of "success", "failed", got "exploded"`.
import { formatPath } from "@runyard/schema";
import type { z } from "zod";
import type { SchemaProblem } from "./errors.js";

type Issue = z.core.$ZodIssue;

const FORMAT_NAMES: Readonly<Record<string, string>> = {
  datetime: "an ISO-8601 timestamp like 2026-06-05T14:23:00.000Z",
  uuid: "a UUID",
};

function quote(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function bound(issue: Extract<Issue, { code: "too_small" | "too_big" }>): string {
  const limit = issue.code === "too_small" ? issue.minimum : issue.maximum;
  const inclusive = issue.inclusive !== false;
  const small = issue.code === "too_small";
  switch (issue.origin) {
    case "string":
      return `${small ? "at least" : "at most"} ${limit} character${limit === 1 ? "" : "s"}`;
    case "array":
      return `${small ? "at least" : "at most"} ${limit} item${limit === 1 ? "" : "s"}`;
    default:
      return `a number ${small ? ">" : "<"}${inclusive ? "=" : ""} ${limit}`;
  }
}

/** What the schema wanted at the issue's path, as a short phrase. */
export function expectedOf(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.expected === "int" ? "integer" : issue.expected;
    case "invalid_value":
      return issue.values.length === 1
        ? quote(issue.values[0])
        : `one of ${issue.values.map(quote).join(", ")}`;
    case "invalid_format":
      return FORMAT_NAMES[issue.format] ?? `a valid ${issue.format}`;
    case "too_small":
    case "too_big":
      return bound(issue);
    case "invalid_union": {
      const options = issue.errors.map((branch) => (branch[0] ? expectedOf(branch[0]) : "?"));
      return options.length > 0 ? options.join(" or ") : "a valid value";
    }
    case "unrecognized_keys":
      return "no other fields";
    default:
      return "a valid value";
  }
}

/** A short description of a received value, e.g. `number 3`, `"abc"`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string")
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** At most this many problems are kept per line: a 1 MiB line could otherwise make 100,000. */
export const MAX_PROBLEMS = 20;

/** One problem per zod issue (the first MAX_PROBLEMS); `prefix` is prepended to every path. */
export function problemsFromIssues(
  issues: readonly Issue[],
  input: unknown,
  prefix: readonly PropertyKey[] = [],
): SchemaProblem[] {
  return issues.slice(0, MAX_PROBLEMS).map((issue) => {
    const expected = expectedOf(issue);
    const received = valueAt(input, issue.path);
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map(quote).join(", ")}`
        : received === undefined
          ? `missing (expected ${expected})`
          : `expected ${expected}, got ${describeValue(received)}`;
    return { path: formatPath([...prefix, ...issue.path]), expected, message };
  });
}

/** `finalStatus: expected ...; seq: missing (expected integer)`; `total` counts those cut off. */
export function formatProblems(
  problems: readonly SchemaProblem[],
  total = problems.length,
): string {
  const text = problems
    .map((problem) =>
      problem.path === "" ? problem.message : `${problem.path}: ${problem.message}`,
    )
    .join("; ");
  return total > problems.length ? `${text}; and ${total - problems.length} more` : text;
}

// C0 and C1 control characters except tab: an excerpt ends up on a terminal, where they act.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** The text with control characters shown as `\u001b` instead of acting on the terminal. */
export function escapeControls(text: string): string {
  return text.replace(
    CONTROLS,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
