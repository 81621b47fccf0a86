// The fast readers of meta.json and status.json must never accept what zod refuses, and must
// give exactly zod's value (keys in the same order) for what they accept: checked on files
// near what Runyard writes, with one field changed, removed or added at random.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkLenientRunMeta, fastLenientRunMeta, fastLenientRunStatus } from "./lenient-read.js";
import { LenientRunMetaSchema } from "./run-meta.js";
import { LenientRunStatusSchema } from "./run-status.js";
import { check } from "./validate.js";

const stamp = fc
  .date({ min: new Date("1000-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z") })
  .filter((date) => !Number.isNaN(date.getTime()))
  .map((date) => date.toISOString());

/** Values a field may be given instead of its own: near misses of every form checked. */
const odd = fc.oneof(
  { arbitrary: fc.jsonValue(), weight: 1 },
  {
    weight: 4,
    arbitrary: fc.constantFrom<unknown>(
      "",
      0,
      -1,
      1.5,
      2 ** 53,
      null,
      "2026-02-30T00:00:00.000Z",
      "2026-06-05T14:23:00Z",
      "2026-06-05T16:23:00.000+02:00",
      "2026-06-05T24:00:00.000Z",
      "01A2358B-9F84-719A-85FD-CF0C004BDCD2",
      "00000000-0000-0000-0000-000000000000",
      "01a2358b-9f84-019a-85fd-cf0c004bdcd2",
      "running",
      "sideways",
      "12ab",
      { pid: 1, processStartTicks: "1", bootId: null, extra: true },
      JSON.parse('{"__proto__": "x", "a": "b"}'),
      [],
    ),
  },
);

const meta = fc.record({
  schemaVersion: fc.constant(1),
  runId: fc.uuid(),
  workflowId: fc.uuid(),
  workflowFile: fc.string({ minLength: 1 }),
  workflowName: fc.string(),
  pid: fc.integer({ min: 1, max: 4_194_304 }),
  startedOn: fc.string({ minLength: 1 }),
  startedAt: stamp,
  endedAt: fc.option(stamp, { nil: null }),
  finalStatus: fc.constantFrom("success", "failed", "cancelled", null),
  executor: fc.record({
    pid: fc.integer({ min: 1, max: 4_194_304 }),
    processStartTicks: fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: null }),
    bootId: fc.option(fc.uuid(), { nil: null }),
  }),
  user: fc.string(),
  cwd: fc.string(),
  runyardVersion: fc.string(),
  // A param named __proto__ is left to zod (see fastParams): not a file as Runyard writes it.
  params: fc.dictionary(
    fc.string().filter((name) => name !== "__proto__"),
    fc.string(),
  ),
  rerunOf: fc.uuid(),
  timelineBytes: fc.nat(),
});

const step = fc.record(
  {
    name: fc.string(),
    nodeId: fc.string({ minLength: 1 }),
    status: fc.constantFrom("pending", "running", "completed", "failed", "skipped", "paused"),
    seq: fc.integer({ min: 1 }),
    attempt: fc.integer({ min: 1, max: 10 }),
    startedAt: stamp,
    endedAt: stamp,
    exitCode: fc.option(fc.integer({ min: -1, max: 255 }), { nil: null }),
    signal: fc.option(fc.constantFrom("SIGTERM", "SIGKILL"), { nil: null }),
    reason: fc.string(),
    backend: fc.constantFrom("local", "slurm"),
    jobId: fc.stringMatching(/^\d{1,8}$/),
    pid: fc.integer({ min: 1, max: 4_194_304 }),
    pgid: fc.integer({ min: 1, max: 4_194_304 }),
  },
  { requiredKeys: ["name", "nodeId", "status"] },
);

const status = fc.record(
  {
    runId: fc.uuid(),
    workflowId: fc.uuid(),
    updatedAt: stamp,
    seq: fc.nat(),
    steps: fc.array(step, { maxLength: 4 }),
    outcome: fc.record(
      {
        finalStatus: fc.constantFrom("success", "failed", "cancelled"),
        reason: fc.string(),
        code: fc.constantFrom("E_DISK_FULL", "E_DISK_IO"),
      },
      { requiredKeys: ["finalStatus"] },
    ),
  },
  { requiredKeys: ["runId", "workflowId", "updatedAt", "steps"] },
);

/** One path into a document: a field, or a field of a step or of the executor. */
function paths(document: Record<string, unknown>): string[][] {
  const found: string[][] = [];
  for (const [key, value] of Object.entries(document)) {
    found.push([key]);
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        for (const field of Object.keys(item as object)) found.push([key, String(index), field]);
      });
    } else if (value !== null && typeof value === "object") {
      for (const field of Object.keys(value)) found.push([key, field]);
    }
  }
  return found;
}

type Change =
  | { kind: "set"; value: unknown }
  | { kind: "remove" }
  | { kind: "add"; value: unknown };

const change: fc.Arbitrary<Change> = fc.oneof(
  odd.map((value) => ({ kind: "set" as const, value })),
  fc.constant({ kind: "remove" as const }),
  odd.map((value) => ({ kind: "add" as const, value })),
);

/** The document as JSON.parse would give it, with `change` made at the `pick`-th path. */
function changed(document: Record<string, unknown>, pick: number, what: Change): unknown {
  const copy = JSON.parse(JSON.stringify(document)) as Record<string, unknown>;
  const all = paths(copy);
  const path = all[pick % all.length] ?? [];
  let parent: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  const last = path.at(-1) ?? "";
  if (what.kind === "set") parent[last] = what.value;
  else if (what.kind === "remove") delete parent[last];
  else parent.addedByANewerWriter = what.value;
  return JSON.parse(JSON.stringify(copy));
}

function agrees(fast: unknown, slow: { ok: boolean; value?: unknown }): void {
  if (fast === undefined) return;
  expect(slow.ok).toBe(true);
  // The same value, keys in the same order (`ps --json` prints them).
  expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.value));
}

describe("the fast lenient readers", () => {
  it("read meta.json as Runyard writes it, exactly as zod does", () => {
    fc.assert(
      fc.property(meta, (document) => {
        const fast = fastLenientRunMeta(document);
        expect(fast).toBeDefined();
        agrees(fast, check(LenientRunMetaSchema, document));
      }),
    );
  });

  it("read status.json as Runyard writes it, exactly as zod does", () => {
    fc.assert(
      fc.property(status, (document) => {
        const fast = fastLenientRunStatus(document);
        expect(fast).toBeDefined();
        agrees(fast, check(LenientRunStatusSchema, document));
      }),
    );
  });

  it("never accept a changed meta.json that zod refuses, nor read one otherwise", () => {
    fc.assert(
      fc.property(meta, fc.nat(), change, (document, pick, what) => {
        const input = changed(document, pick, what);
        agrees(fastLenientRunMeta(input), check(LenientRunMetaSchema, input));
      }),
      { numRuns: 5000 },
    );
  });

  it("never accept a changed status.json that zod refuses, nor read one otherwise", () => {
    fc.assert(
      fc.property(status, fc.nat(), change, (document, pick, what) => {
        const input = changed(document, pick, what);
        agrees(fastLenientRunStatus(input), check(LenientRunStatusSchema, input));
      }),
      { numRuns: 5000 },
    );
  });

  it("leave what they do not take to zod, with its words", () => {
    const input = { runId: "not a uuid" };
    expect(fastLenientRunMeta(input)).toBeUndefined();
    expect(checkLenientRunMeta(input)).toEqual(check(LenientRunMetaSchema, input));
  });
});
