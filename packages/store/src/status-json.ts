// status.json's text, made from the executor's live RunStatus: no copy and no schema check of
// what Runyard itself produced (tests check the written snapshots against the schema), yet
// byte for byte what a parse with RunStatusSchema followed by JSON.stringify wrote before:
// keys in the schema's order, keys the schema does not have left out.
import {
  RunOutcomeSchema,
  type RunStatus,
  RunStatusSchema,
  StepStateSchema,
} from "@runyard/schema";

/**
 * One order of every key of status.json in which each object's keys keep their schema order
 * (JSON.stringify's replacer list applies to every object at once). Throws if none exists.
 */
export function mergeKeyOrders(orders: readonly (readonly string[])[]): string[] {
  const remaining = orders.map((order) => [...order]);
  const merged: string[] = [];
  while (remaining.some((order) => order.length > 0)) {
    const next = remaining
      .map((order) => order[0])
      .find((key) => key !== undefined && remaining.every((order) => order.indexOf(key) <= 0));
    if (next === undefined) throw new Error("status.json's schemas order their keys differently");
    merged.push(next);
    for (const order of remaining) if (order[0] === next) order.shift();
  }
  return merged;
}

const STATUS_KEYS = mergeKeyOrders([
  Object.keys(RunStatusSchema.shape),
  Object.keys(StepStateSchema.shape),
  Object.keys(RunOutcomeSchema.shape),
]);

/**
 * The key list for `status`: a step's `outputs` is a record of names the schema cannot list,
 * so the names its steps used join the list (after the schema's: records keep that order).
 */
function keysFor(status: RunStatus): string[] {
  let names: Set<string> | undefined;
  for (const step of status.steps) {
    if (step.outputs === undefined) continue;
    names ??= new Set(STATUS_KEYS);
    for (const name of Object.keys(step.outputs)) names.add(name);
  }
  return names === undefined ? STATUS_KEYS : [...names];
}

/** The text of status.json for `status`: pretty JSON (2 spaces) and a trailing newline. */
export function statusJson(status: RunStatus): string {
  return `${JSON.stringify(status, keysFor(status), 2)}\n`;
}
