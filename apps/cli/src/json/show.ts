// The shape of `runyard show --json`: one JSON object, the run and each of its steps.
import {
  RunResumeRecordSchema,
  StepStatusSchema,
  TimestampSchema,
  UuidSchema,
} from "@runyard/schema";
import { z } from "zod";
import { RunJsonShape } from "./run.js";

export const CaptureJsonSchema = z.strictObject({
  name: z.string().describe("File name in the run directory, e.g. 000002-build.out"),
  path: z.string().describe("Absolute path"),
  stream: z.enum(["out", "err"]).describe("out: the attempt's stdout; err: its stderr"),
  seq: z.number().int().positive().describe("The attempt's capture seq (NNNNNN)"),
  size: z.number().int().nonnegative().describe("Size in bytes when read; grows while it runs"),
});
export type CaptureJson = z.infer<typeof CaptureJsonSchema>;

export const ShowStepJsonSchema = z.strictObject({
  id: z.string().describe("The step's id (its key under steps)"),
  name: z.string(),
  status: StepStatusSchema,
  attempt: z
    .number()
    .int()
    .positive()
    .nullable()
    .describe("The latest attempt; null if it never ran"),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  startedAt: TimestampSchema.nullable(),
  endedAt: TimestampSchema.nullable(),
  durationMs: z
    .number()
    .nonnegative()
    .nullable()
    .describe("Of the latest attempt; to the run's clock while it runs; null if it never ran"),
  reason: z.string().nullable().describe("Why the step ended as it did, in words"),
  handledBy: z
    .array(z.string())
    .describe(
      "For a failed step whose failure an `if: failure` step handled: those steps; else empty",
    ),
  captures: z.array(CaptureJsonSchema).describe("Every attempt's capture files, oldest first"),
  outputs: z
    .record(z.string(), z.string())
    .describe("What the step wrote to RUNYARD_OUTPUT once it completed; {} when nothing"),
});
export type ShowStepJson = z.infer<typeof ShowStepJsonSchema>;

export const ShowJsonSchema = z.strictObject({
  ...RunJsonShape,
  workflowId: UuidSchema,
  pid: z.number().int().positive().describe("The executor's process id"),
  user: z.string().nullable(),
  cwd: z.string().nullable().describe("Where the run was started from"),
  runyardVersion: z.string().nullable(),
  params: z.record(z.string(), z.string()).describe("Every workflow param the run used"),
  rerunOf: UuidSchema.nullable().describe(
    "The run this one repeats (runyard rerun), from meta.json; null when it is not a rerun",
  ),
  returnValue: z
    .string()
    .nullable()
    .describe("The run's return value (return_value.txt); null when it has none"),
  resumes: z
    .array(RunResumeRecordSchema)
    .describe("Every runyard resume of the run, oldest first (meta.json's resumes); [] for none"),
  steps: z
    .array(ShowStepJsonSchema)
    .describe("Every step, in workflow order; [] before status.json"),
});
export type ShowJson = z.infer<typeof ShowJsonSchema>;
