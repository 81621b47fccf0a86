// `-n, --limit <n>` of the commands that list runs: how many to show, 0 for all.
import { UsageError } from "./errors.js";

/** The --limit value: a whole number >= 0; `fallback` when the flag is absent. */
export function limitOption(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 0 || value === "")
    throw new UsageError(`--limit expects a whole number, got "${String(value)}"`);
  return limit;
}
