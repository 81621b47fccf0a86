// The event model: one typed record for every change in a run. The same events are appended
// to run_summary.jsonl (durable), broadcast over ipc.sock and printed on stderr (live).
import { FinalStatusSchema, StepStatusSchema, TimestampSchema, UuidSchema } from "@runyard/schema";
import { z } from "zod";
import { RunErrorSchema } from "./run-error.js";

const StepIdField = z.string().min(1).describe("The step's id (nodeId in status.json)");

/** Fields every event carries. */
export const EventBaseSchema = z.object({
  runId: UuidSchema,
  seq: z
    .number()
    .int()
    .positive()
    .describe("Per-run, gapless, increasing; line n of run_summary.jsonl has seq n"),
  ts: TimestampSchema.describe("When the event happened, ISO-8601 UTC with milliseconds"),
});

/** An event's schema: `type` first (it reads best first in a line), the base, its own fields. */
function eventSchema<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.object({ type: z.literal(type), ...EventBaseSchema.shape, ...shape });
}

export const RunStartEventSchema = eventSchema("run-start", {
  workflowId: UuidSchema,
  workflowName: z.string(),
  workflowFile: z.string(),
  pid: z.number().int().positive(),
  host: z.string().describe("Short hostname of the executor"),
  steps: z
    .array(z.object({ nodeId: StepIdField, name: z.string(), needs: z.array(z.string()) }))
    .describe("Every step of the workflow, in workflow order"),
});

export const RunEndEventSchema = eventSchema("run-end", {
  finalStatus: FinalStatusSchema,
  durationMs: z.number().nonnegative(),
  reason: z.string().optional(),
  error: RunErrorSchema.optional().describe(
    "The error that stopped the run, when one did: a write failure such as E_DISK_FULL",
  ),
  returnValue: z
    .string()
    .optional()
    .describe(
      "The workflow's `return` output, for a run that succeeded (also in return_value.txt)",
    ),
  handled: z
    .record(StepIdField, z.array(StepIdField))
    .optional()
    .describe(
      'Failed steps whose failure an `if: failure` step that needs them handled (it completed), each with those steps; a run whose every failure was handled ends "success"',
    ),
});

export const RunResumeEventSchema = eventSchema("run-resume", {
  previous: z
    .enum(["failed", "cancelled", "crashed"])
    .describe("How the run stood when it was resumed: its run-end's status, or crashed"),
  pid: z.number().int().positive().describe("Process id of the executor that resumes the run"),
  host: z.string().describe("Short hostname of that executor"),
  resume: z.number().int().positive().describe("1 for the run's first resume, 2 for the next…"),
  lost: z
    .array(
      z.object({
        stepId: StepIdField,
        captureSeq: z.number().int().positive(),
        jobId: z
          .string()
          .optional()
          .describe("The attempt's Slurm job, cancelled: its step runs again"),
      }),
    )
    .optional()
    .describe(
      "Attempts the previous executor started and never ended (it crashed): their processes were stopped (their Slurm jobs cancelled), and they count as ended",
    ),
  adopted: z
    .array(
      z.object({
        stepId: StepIdField,
        captureSeq: z.number().int().positive(),
        jobId: z.string().describe("The attempt's Slurm job"),
      }),
    )
    .optional()
    .describe(
      "Attempts the previous executor started as Slurm jobs that outlived it (it crashed): this executor watches the jobs again instead of submitting new ones; the steps keep their attempt, captures and state, and their step-end comes when the job ends",
    ),
  rerun: z
    .array(StepIdField)
    .optional()
    .describe(
      "Steps that completed and run again all the same: an `if: failure` or `if: always` step whose need runs again, and what completed downstream of one; pending again, a foreach step without its instances",
    ),
}).describe(
  "A new executor takes the run over (runyard resume): it follows the last run-end, or the last whole line of a crashed run. Every step that had not completed is pending again, but for the adopted Slurm jobs' steps; completed ones keep their status and outputs",
);

export const StepStartEventSchema = eventSchema("step-start", {
  stepId: StepIdField,
  name: z.string(),
  nodeId: StepIdField,
  captureSeq: z.number().int().positive().describe("The NNNNNN of the step's capture files"),
  attempt: z.number().int().positive(),
  out: z.string().describe("stdout capture, relative to the run directory"),
  err: z.string().describe("stderr capture, relative to the run directory"),
  backend: z.string(),
  pid: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Process id of the step's main process, for local steps that started"),
  pgid: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "Process group (and session) the step's processes run in; a crash watchdog and resume find them by it",
    ),
});

export const StepExpandEventSchema = eventSchema("step-expand", {
  stepId: StepIdField.describe("The foreach step, now running its instances"),
  items: z
    .array(
      z.object({
        nodeId: StepIdField.describe("The instance's id, such as mesh[coarse]"),
        item: z.string(),
      }),
    )
    .describe(
      "Instances in item order; a long loop's come in several step-expand events, each list following the last",
    ),
  total: z.number().int().nonnegative().describe("How many instances the step has in all"),
  file: z.string().optional().describe("The item file read, when the items came from one"),
  parallel: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("How many instances may run at once, when the step limits it"),
  resumed: z
    .literal(true)
    .optional()
    .describe(
      "The loop runs again after a resume with the instances it had: items is empty, those instances are in status.json already, and the ones that completed are not run again",
    ),
}).describe(
  "A foreach step's items are known: its instances follow it in status.json, pending; the step is running until every instance has ended, then its step-end says how they did",
);

export const StepStatusEventSchema = eventSchema("step-status", {
  stepId: StepIdField,
  status: StepStatusSchema,
  reason: z.string().optional(),
  jobId: z.string().optional(),
});

export const StepEndEventSchema = eventSchema("step-end", {
  stepId: StepIdField,
  captureSeq: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Absent for a step that never started"),
  attempt: z.number().int().positive().optional(),
  status: StepStatusSchema,
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  durationMs: z.number().nonnegative(),
  reason: z.string().optional(),
  error: RunErrorSchema.optional().describe(
    "The error that stopped the run, when one did: a write failure such as E_DISK_FULL",
  ),
  outputs: z
    .record(z.string(), z.string())
    .optional()
    .describe(
      "For a completed step: what it wrote to RUNYARD_OUTPUT, which every step downstream sees in its environment",
    ),
});

export const StepOutputEventSchema = eventSchema("step-output", {
  // Live events do not take a seq of their own: they carry the last durable one, so a client
  // knows where in the timeline the chunk fell. 0 only if output precedes every durable event.
  seq: z
    .number()
    .int()
    .nonnegative()
    .describe(
      "Seq of the last durable event when the chunk was read; step-output never advances it",
    ),
  stepId: StepIdField,
  captureSeq: z.number().int().positive(),
  stream: z.enum(["stdout", "stderr"]),
  offset: z
    .number()
    .int()
    .nonnegative()
    .describe("Byte offset in the capture file (.out or .err) of the first byte of data"),
  bytes: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe(
      "Capture-file bytes this chunk covers; when absent, the UTF-8 length of data. The next chunk starts at offset + bytes",
    ),
  data: z.string().describe("The chunk, decoded as UTF-8 (invalid bytes become U+FFFD)"),
}).describe("Live only: never written to run_summary.jsonl; seq is that of the last durable event");

export const LogEventSchema = eventSchema("log", {
  level: z.enum(["info", "warn", "error"]),
  message: z.string(),
  stepId: StepIdField.optional(),
});

export const ArtifactSaveEventSchema = eventSchema("artifact-save", {
  path: z.string().describe("Path under artifacts/"),
  size: z.number().int().nonnegative(),
  stepId: StepIdField.optional(),
});

export const MessageSendEventSchema = eventSchema("message-send", {
  channel: z.string(),
  sender: z.string().describe("Step id of the sender, or 'executor'"),
  file: z.string().optional().describe("inbox/NNN-<channel>.txt, relative to the run directory"),
});

const durableEventSchemas = [
  RunStartEventSchema,
  RunEndEventSchema,
  RunResumeEventSchema,
  StepStartEventSchema,
  StepExpandEventSchema,
  StepStatusEventSchema,
  StepEndEventSchema,
  LogEventSchema,
  ArtifactSaveEventSchema,
  MessageSendEventSchema,
] as const;

/** Every event this version writes. */
export const RunEventSchema = z.discriminatedUnion("type", [
  ...durableEventSchemas,
  StepOutputEventSchema,
]);
export type RunEvent = z.infer<typeof RunEventSchema>;
export type RunEventType = RunEvent["type"];
export type EventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;

/** Events that are appended to run_summary.jsonl and travel in `event` messages. */
export const DurableEventSchema = z.discriminatedUnion("type", [...durableEventSchemas]);
export type DurableEvent = z.infer<typeof DurableEventSchema>;

/** The event types this version knows, in the order of {@link RunEventSchema}. */
export const RUN_EVENT_TYPES: readonly RunEventType[] = RunEventSchema.options.map(
  (option) => option.shape.type.value,
);
const knownEventTypes: ReadonlySet<string> = new Set(RUN_EVENT_TYPES);

export function isKnownEventType(type: string): type is RunEventType {
  return knownEventTypes.has(type);
}

/**
 * What a reader makes of an event whose `type` it does not know (a newer producer's). It is
 * never a wire format: `type` is "unknown", `originalType` is the wire type and `fields` is
 * the whole object as received, so it can be shown, counted by seq and relayed unchanged.
 */
export const UnknownEventSchema = z.object({
  type: z.literal("unknown"),
  originalType: z.string(),
  runId: z.string(),
  seq: z.number(),
  ts: z.string(),
  fields: z.record(z.string(), z.unknown()),
});
export type UnknownEvent = z.infer<typeof UnknownEventSchema>;

/** An event as a reader decodes it: one this version knows, or an {@link UnknownEvent}. */
export type DecodedEvent = RunEvent | UnknownEvent;

/** An event as a producer hands it over, before the emitter stamps runId, seq and ts. */
export type EventPayload<T extends RunEvent = RunEvent> = T extends RunEvent
  ? Omit<T, "runId" | "seq" | "ts">
  : never;

/**
 * Events that are durable (appended to run_summary.jsonl); step-output is live only. An
 * unknown event counts as durable: it can only reach a reader through the summary file, an
 * `event` message or stderr, and only the first two are resumable.
 */
export function isDurableEvent(event: { type: string }): boolean {
  return event.type !== "step-output";
}

/** Wraps a wire object whose type this version does not know; see {@link UnknownEvent}. */
export function toUnknownEvent(fields: Record<string, unknown>): UnknownEvent {
  return {
    type: "unknown",
    originalType: String(fields.type),
    runId: String(fields.runId),
    seq: typeof fields.seq === "number" ? fields.seq : 0,
    ts: String(fields.ts),
    fields,
  };
}
