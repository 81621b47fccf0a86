// The HTTP API's request and response shapes, as zod schemas: the server parses every request
// with them, and a client (the browser page, a script) types its calls against them. Shapes
// that are the run directory's own (meta.json, status.json) reuse @runyard/schema's lenient
// schemas, as every reader of those files does.
import { RUN_CLASSIFICATIONS } from "@runyard/store";
import { z } from "zod";

export const ApiErrorBodySchema = z.object({
  error: z.object({
    /** Stable: E_BAD_HOST, E_TOKEN, E_ORIGIN, E_RUN_NOT_FOUND, E_RUN_RUNNING, … */
    code: z.string(),
    message: z.string(),
    hint: z.string().optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/** How the store classifies a run (running, success, failed, cancelled, crashed, unknown). */
export const RunStateSchema = z.enum(RUN_CLASSIFICATIONS);

export const TimelineDamageSchema = z.object({
  kind: z.string(),
  line: z.number().int().nullable(),
  found: z.string(),
  expected: z.string(),
});

/** One run as a list shows it: `GET /api/runs`. */
export const RunRowSchema = z.object({
  runId: z.string(),
  workflowName: z.string(),
  workflowId: z.string(),
  state: RunStateSchema,
  reason: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  startedOn: z.string(),
  /** startedOn is not this host: its socket cannot be reached from here. */
  otherHost: z.boolean(),
  steps: z.object({
    total: z.number().int(),
    done: z.number().int(),
    failed: z.number().int(),
    running: z.number().int(),
  }),
  /**
   * Whether run_summary.jsonl keeps its contract (docs/run-directory.md, "Timeline
   * integrity"): "damaged" with the first damage, "unchecked" without a readable summary.
   */
  timeline: z.object({
    state: z.enum(["intact", "damaged", "unchecked"]),
    damage: TimelineDamageSchema.nullable(),
  }),
  /** What is wrong with the run's files, each naming its file. */
  problems: z.array(z.string()),
});
export type RunRow = z.infer<typeof RunRowSchema>;

export const RunsResponseSchema = z.object({
  runsRoot: z.string(),
  /** This server's host name, as meta.json's startedOn names hosts. */
  host: z.string(),
  runs: z.array(RunRowSchema),
  /** How many runs the runs root holds; more than `runs` when the list was cut. */
  total: z.number().int(),
  problems: z.array(z.object({ directory: z.string(), message: z.string() })),
});
export type RunsResponse = z.infer<typeof RunsResponseSchema>;
