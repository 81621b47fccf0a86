// Turns a zod result into ValidationProblems whose messages name the field and what was
// expected, so every reader of a Runyard file reports errors the same way.
import type { z } from "zod";
import type { ValidationProblem } from "./errors.js";

/** Joins a zod issue path as `steps[2].status`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

function describeReceived(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
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

/** Human message for one zod issue; `input` is the document the issue's path points into. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const received = valueAt(input, issue.path);
  switch (issue.code) {
    case "invalid_type":
      if (received === undefined) return `missing required field (expected ${issue.expected})`;
      return `expected ${issue.expected}, got ${describeReceived(received)}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}, got ${describeReceived(received)}`;
    case "invalid_format":
      return `expected ${issue.format === "datetime" ? "an ISO-8601 timestamp like 2026-06-05T14:23:00.000Z" : `a valid ${issue.format}`}, got ${describeReceived(received)}`;
    case "unrecognized_keys":
      return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((key) => JSON.stringify(key)).join(", ")}`;
    default:
      return issue.message;
  }
}

/** Validates `input` against `schema`; returns the value or every problem found. */
export function check<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { ok: true; value: z.output<S> } | { ok: false; problems: ValidationProblem[] } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.map((issue) => ({
    path: formatPath(issue.path),
    message: describeIssue(issue, input),
  }));
  return { ok: false, problems };
}
