// meta.json: who started a run, where, when, and how it ended. Written by the executor at
// start (finalStatus null) and once more at the end; atomic replace, mode 0600.
import { z } from "zod";
import { TimestampSchema, UuidSchema } from "./common.js";

export const FinalStatusSchema = z
  .enum(["success", "failed", "cancelled"])
  .describe("How the run ended; null in meta.json while the run goes on");
export type FinalStatus = z.infer<typeof FinalStatusSchema>;

/** What a reader needs to tell a live executor from a dead one or a recycled pid. */
export const ExecutorIdentitySchema = z
  .object({
    pid: z.number().int().positive(),
    /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22); null off Linux. */
    processStartTicks: z.string().regex(/^\d+$/).nullable(),
    /** /proc/sys/kernel/random/boot_id at start; a different boot means the executor is gone. */
    bootId: z.string().nullable(),
  })
  .strict();
export type ExecutorIdentity = z.infer<typeof ExecutorIdentitySchema>;

/** One `runyard resume` of the run: a new executor took it over from where it stopped. */
export const RunResumeRecordSchema = z
  .object({
    at: TimestampSchema.describe("When the resumed executor took the run over"),
    pid: z.number().int().positive().describe("Process id of the resumed executor"),
    host: z.string().min(1).describe("Short hostname the resumed executor runs on"),
    previous: z
      .enum(["failed", "cancelled", "crashed"])
      .describe("How the run stood when it was resumed"),
    seq: z
      .number()
      .int()
      .positive()
      .describe("Seq of the run-resume event that starts the resumed executor's lines"),
  })
  .strict();
export type RunResumeRecord = z.infer<typeof RunResumeRecordSchema>;

export const RunMetaSchema = z
  .object({
    // Optional on read so a file in the seed's shape (HPCBox meta.json) parses as version 1;
    // Runyard always writes it, and the inferred type always has it.
    schemaVersion: z
      .int()
      .positive()
      .default(1)
      .describe("Version of the run-directory contract; absent means 1"),
    runId: UuidSchema.describe("UUIDv7 of this run; also the run directory's name"),
    workflowId: UuidSchema.describe("The workflow's id, or a UUIDv5 of its absolute path"),
    workflowFile: z
      .string()
      .min(1)
      .describe("Absolute path of the workflow file the run was started from"),
    workflowName: z.string().describe("The workflow's name"),
    pid: z.number().int().positive().describe("Process id of the executor"),
    startedOn: z.string().min(1).describe("Short hostname of the machine the executor runs on"),
    startedAt: TimestampSchema,
    endedAt: TimestampSchema.nullable().describe("null while the run goes on"),
    finalStatus: FinalStatusSchema.nullable(),
    executor: ExecutorIdentitySchema.describe(
      "Liveness identity of the executor process",
    ).optional(),
    user: z.string().optional().describe("Login name of the user who started the run"),
    cwd: z.string().optional().describe("Working directory the run was started from"),
    runyardVersion: z.string().optional().describe("Version of the runyard executor"),
    params: z
      .record(z.string(), z.string())
      .optional()
      .describe("The value of every workflow param this run used, given or defaulted"),
    rerunOf: UuidSchema.optional().describe(
      "The run this one repeats (`runyard rerun`), from launch.json; absent when it is not a rerun",
    ),
    resumes: z
      .array(RunResumeRecordSchema)
      .optional()
      .describe(
        "Every `runyard resume` of the run, oldest first; pid, executor, endedAt and finalStatus are the latest executor's",
      ),
    timelineBytes: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe(
        "At the end: the size of run_summary.jsonl as the executor left it, its own lines only. A reader that finds the file this size knows nothing was written to it by anything else",
      ),
  })
  .strict();
export type RunMeta = z.infer<typeof RunMetaSchema>;

/**
 * The reader's view of meta.json: fields a newer writer added are ignored rather than
 * rejected, so an older `runyard ps` still lists a newer executor's runs.
 */
export const LenientRunMetaSchema = z.object({
  ...RunMetaSchema.shape,
  executor: z.object(ExecutorIdentitySchema.shape).optional(),
  // Only a shortcut for readers (the timeline is then read instead): a value that cannot be
  // used does not make the run unreadable.
  timelineBytes: RunMetaSchema.shape.timelineBytes.catch(undefined),
  // Only said by `show`: a value that is not a run id is not worth losing the run over.
  rerunOf: RunMetaSchema.shape.rerunOf.catch(undefined),
});
