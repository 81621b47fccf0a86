// The event model: one typed record for every change in a run. The same events are appended
// to run_summary.jsonl (durable), broadcast over ipc.sock and printed on stderr (live).
import { FinalStatusSchema, StepStatusSchema, TimestampSchema, UuidSchema } from "@runyard/schema";
import { z } from "zod";

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

export const RunStartEventSchema = EventBaseSchema.extend({
  type: z.literal("run-start"),
  workflowId: UuidSchema,
  workflowName: z.string(),
  workflowFile: z.string(),
  pid: z.number().int().positive(),
  host: z.string().describe("Short hostname of the executor"),
  steps: z
    .array(z.object({ nodeId: StepIdField, name: z.string(), needs: z.array(z.string()) }))
    .describe("Every step of the workflow, in workflow order"),
});

export const RunEndEventSchema = EventBaseSchema.extend({
  type: z.literal("run-end"),
  finalStatus: FinalStatusSchema,
  durationMs: z.number().nonnegative(),
  reason: z.string().optional(),
});

export const StepStartEventSchema = EventBaseSchema.extend({
  type: z.literal("step-start"),
  stepId: StepIdField,
  name: z.string(),
  nodeId: StepIdField,
  captureSeq: z.number().int().positive().describe("The NNNNNN of the step's capture files"),
  attempt: z.number().int().positive(),
  out: z.string().describe("stdout capture, relative to the run directory"),
  err: z.string().describe("stderr capture, relative to the run directory"),
  backend: z.string(),
});

export const StepStatusEventSchema = EventBaseSchema.extend({
  type: z.literal("step-status"),
  stepId: StepIdField,
  status: StepStatusSchema,
  reason: z.string().optional(),
  jobId: z.string().optional(),
});

export const StepEndEventSchema = EventBaseSchema.extend({
  type: z.literal("step-end"),
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
});

export const StepOutputEventSchema = EventBaseSchema.extend({
  type: z.literal("step-output"),
  stepId: StepIdField,
  captureSeq: z.number().int().positive(),
  stream: z.enum(["stdout", "stderr"]),
  offset: z.number().int().nonnegative().describe("Byte offset of this chunk in the capture file"),
  data: z.string().describe("The chunk, decoded as UTF-8"),
}).describe("Live only: never written to run_summary.jsonl; seq is that of the last durable event");

export const LogEventSchema = EventBaseSchema.extend({
  type: z.literal("log"),
  level: z.enum(["info", "warn", "error"]),
  message: z.string(),
  stepId: StepIdField.optional(),
});

export const ArtifactSaveEventSchema = EventBaseSchema.extend({
  type: z.literal("artifact-save"),
  path: z.string().describe("Path under artifacts/"),
  size: z.number().int().nonnegative(),
  stepId: StepIdField.optional(),
});

export const MessageSendEventSchema = EventBaseSchema.extend({
  type: z.literal("message-send"),
  channel: z.string(),
  sender: z.string().describe("Step id of the sender, or 'executor'"),
  file: z.string().optional().describe("inbox/NNN-<channel>.txt, relative to the run directory"),
});

export const RunEventSchema = z.discriminatedUnion("type", [
  RunStartEventSchema,
  RunEndEventSchema,
  StepStartEventSchema,
  StepStatusEventSchema,
  StepEndEventSchema,
  StepOutputEventSchema,
  LogEventSchema,
  ArtifactSaveEventSchema,
  MessageSendEventSchema,
]);
export type RunEvent = z.infer<typeof RunEventSchema>;
export type RunEventType = RunEvent["type"];
export type EventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;

/** An event as a producer hands it over, before the emitter stamps runId, seq and ts. */
export type EventPayload<T extends RunEvent = RunEvent> = T extends RunEvent
  ? Omit<T, "runId" | "seq" | "ts">
  : never;

/** Events that are durable (appended to run_summary.jsonl); step-output is live only. */
export function isDurableEvent(event: { type: string }): boolean {
  return event.type !== "step-output";
}
