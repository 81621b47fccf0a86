// status.json: a full snapshot of every step's state, replaced atomically as the run goes on
// (writes are coalesced: at most one per 250 ms, see the store's StatusWriter).
import { z } from "zod";
import { TimestampSchema, UuidSchema } from "./common.js";
import { FinalStatusSchema } from "./run-meta.js";

export const STEP_STATUSES = [
  "pending",
  "running",
  "completed",
  "failed",
  "unknown",
  "skipped",
  "cancelled",
] as const;

/** Strict: what Runyard writes. Readers use {@link LenientStepStatusSchema}. */
export const StepStatusSchema = z.enum(STEP_STATUSES).describe("State of one step");
export type StepStatus = z.infer<typeof StepStatusSchema>;

/** Forward compatible: a status string from a newer writer reads as "unknown". */
export const LenientStepStatusSchema = z
  .string()
  .transform(
    (value): StepStatus =>
      (STEP_STATUSES as readonly string[]).includes(value) ? (value as StepStatus) : "unknown",
  )
  .describe(
    `State of one step: ${STEP_STATUSES.join(", ")}; a reader takes a value it does not know as "unknown"`,
  );

export const StepTerminalStatuses: ReadonlySet<StepStatus> = new Set([
  "completed",
  "failed",
  "skipped",
  "cancelled",
]);

function stepStateShape<S extends z.ZodType<StepStatus, string>>(status: S) {
  return z
    .object({
      name: z.string().describe("Display name of the step"),
      nodeId: z.string().min(1).describe("The step's id in the workflow (its key under `steps`)"),
      status,
      seq: z
        .number()
        .int()
        .positive()
        .optional()
        .describe("Capture sequence number of the step's latest attempt"),
      attempt: z
        .number()
        .int()
        .positive()
        .optional()
        .describe("1 for the first try, 2 for the first retry, ..."),
      startedAt: TimestampSchema.optional(),
      endedAt: TimestampSchema.optional(),
      exitCode: z
        .number()
        .int()
        .nullable()
        .optional()
        .describe("Exit code; null when killed by a signal"),
      signal: z.string().nullable().optional().describe("Signal that ended the step, e.g. SIGTERM"),
      reason: z.string().optional().describe("Why the step ended as it did, in words"),
      handledBy: z
        .array(z.string())
        .optional()
        .describe(
          "For a failed step: the `if: failure` steps that needed it and completed, handling its failure (the run does not fail for it)",
        ),
      outputs: z
        .record(z.string(), z.string())
        .optional()
        .describe(
          "What the step wrote to RUNYARD_OUTPUT, once it completed (a foreach step: its instances', later items winning)",
        ),
      loop: z
        .string()
        .optional()
        .describe(
          "For one instance of a foreach step: that step's id (the instance is `loop[item]`)",
        ),
      item: z.string().optional().describe("For one instance of a foreach step: its item"),
      items: z
        .number()
        .int()
        .nonnegative()
        .optional()
        .describe(
          "For a foreach step whose items are known: how many instances it has (they follow it in `steps`)",
        ),
      backend: z.string().optional().describe("Where the step ran: local or slurm"),
      jobId: z.string().optional().describe("Slurm job id, for steps run as Slurm jobs"),
      pid: z
        .number()
        .int()
        .positive()
        .optional()
        .describe("Process id of the latest attempt's main process (local steps)"),
      pgid: z
        .number()
        .int()
        .positive()
        .optional()
        .describe("Process group and session of the latest attempt's processes (local steps)"),
    })
    .strict();
}

export const StepStateSchema = stepStateShape(StepStatusSchema);
export type StepState = z.infer<typeof StepStateSchema>;

/**
 * The steps that do the work, for counts: every step but a foreach step whose instances are
 * listed (it counts as them, and its own status sums theirs up).
 */
export function workSteps<S extends Pick<StepState, "items">>(steps: readonly S[]): S[] {
  return steps.filter((step) => step.items === undefined);
}

/** How the run ended: the run-end event's verdict, in the last snapshot. */
export const RunOutcomeSchema = z
  .object({
    finalStatus: FinalStatusSchema,
    reason: z.string().optional().describe('Why it ended so, in words ("disk full: …")'),
    code: z.string().optional().describe("The error that stopped it, when one did (E_DISK_FULL)"),
  })
  .strict();
export type RunOutcome = z.infer<typeof RunOutcomeSchema>;

export const RunStatusSchema = z
  .object({
    runId: UuidSchema,
    workflowId: UuidSchema,
    updatedAt: TimestampSchema,
    seq: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("Seq of the last run_summary.jsonl event this snapshot reflects"),
    steps: z.array(StepStateSchema).describe("Every step of the workflow, in workflow order"),
    outcome: RunOutcomeSchema.optional().describe(
      "How the run ended, as its run-end event says; absent until then",
    ),
  })
  .strict();
export type RunStatus = z.infer<typeof RunStatusSchema>;

/**
 * The reader's view of status.json: unknown step statuses become "unknown", and fields a
 * newer writer added are ignored rather than rejected.
 */
export const LenientRunStatusSchema = z.object({
  ...RunStatusSchema.shape,
  steps: z.array(z.object(stepStateShape(LenientStepStatusSchema).shape)),
  outcome: z.object(RunOutcomeSchema.shape).optional(),
});
