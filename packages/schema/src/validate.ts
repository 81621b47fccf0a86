// Validates a JSON document against a schema and reports every problem with the field path
// and what was expected, so every reader of a Runyard file reports errors the same way.
import { z } from "zod";
import type { ValidationProblem } from "./errors.js";
import { JSON_VOCABULARY } from "./issue-words.js";
import { describeIssues } from "./issues.js";

const BARE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

/**
 * Joins a path as `steps[2].status`. Keys that would read ambiguously (dots, spaces, empty)
 * are quoted: `steps["v1.2"].run`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && BARE_KEY.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/**
 * Human message for one zod issue; `input` is the document the issue's path points into.
 * Pass the `schema` that produced the issue to get "did you mean" for unknown fields.
 */
export function describeIssue(
  issue: z.core.$ZodIssue,
  input: unknown,
  schema: z.ZodType = z.unknown(),
): string {
  return describeIssues(schema, [issue], input)
    .map((problem) => problem.message)
    .join("; ");
}

/** Validates `input` against `schema`; returns the value or every problem found. */
export function check<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { ok: true; value: z.output<S> } | { ok: false; problems: ValidationProblem[] } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const problems = describeIssues(schema, result.error.issues, input, {
    vocabulary: JSON_VOCABULARY,
  }).map((problem) => ({ path: formatPath(problem.path), message: problem.message }));
  return { ok: false, problems };
}
