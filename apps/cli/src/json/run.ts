// The fields every run-reading command's `--json` gives about a run (`ps` and `show`), so a
// script reads `state` or `durationMs` the same way whichever command it asked.
import { TimestampSchema, UuidSchema } from "@runyard/schema";
import { RUN_CLASSIFICATIONS, TIMELINE_DAMAGE_KINDS } from "@runyard/store";
import { z } from "zod";

/** Whether run_summary.jsonl keeps its contract (docs/run-directory.md, "Timeline integrity"). */
export const TimelineJsonSchema = z
  .strictObject({
    state: z
      .enum(["intact", "damaged", "unchecked"])
      .describe(
        "damaged: lines were added, lost or changed by something other than the executor; unchecked: no run_summary.jsonl, or it cannot be read",
      ),
    checked: z
      .enum(["tail", "full", "size"])
      .nullable()
      .describe(
        "full: every line (show); tail: the first line, the line count and the end (ps); size: for a run that ended, that the file is the size the executor left it (ps); null when unchecked",
      ),
    damage: z
      .strictObject({
        kind: z.enum(TIMELINE_DAMAGE_KINDS),
        line: z
          .number()
          .int()
          .positive()
          .nullable()
          .describe("The line of run_summary.jsonl; null when a tail check cannot tell which"),
        found: z.string().describe("What is there, e.g. seq 999"),
        expected: z.string().describe("What the contract wants there, e.g. seq 42"),
      })
      .nullable()
      .describe("The first damage; null when intact or unchecked"),
  })
  .describe("The integrity of the run's timeline, run_summary.jsonl");
export type TimelineJson = z.infer<typeof TimelineJsonSchema>;

/** A crashed run's Slurm job, and its state in Slurm now. */
export const SlurmJobJsonSchema = z
  .strictObject({
    stepId: z.string(),
    jobId: z.string(),
    state: z
      .string()
      .describe(
        "Slurm's state now: PENDING, RUNNING… (live), COMPLETED, FAILED… (ended while no executor watched), ENDED (Slurm no longer shows it), UNKNOWN (Slurm could not be asked)",
      ),
  })
  .describe("A Slurm job of a crashed run");
export type SlurmJobJson = z.infer<typeof SlurmJobJsonSchema>;

export const RunJsonShape = {
  runId: UuidSchema.describe("The run id"),
  shortId: z
    .string()
    .describe(
      "The run id's last 8 characters (longer where those match another run): what ps shows and every command takes",
    ),
  workflowName: z.string(),
  workflowFile: z.string().describe("Absolute path of the workflow file the run started from"),
  state: z
    .enum(RUN_CLASSIFICATIONS)
    .describe("success, failed or cancelled when it ended; running; crashed; unknown"),
  reason: z
    .string()
    .describe(
      "Why the run is in that state, in words: why it ended, or why it is judged running, crashed or unknown",
    ),
  startedOn: z.string().describe("Short hostname of the machine the run was started on"),
  otherHost: z
    .boolean()
    .describe("Whether startedOn is another host than this one (live updates only there)"),
  startedAt: TimestampSchema,
  endedAt: TimestampSchema.nullable().describe("When it ended; null while it goes on or crashed"),
  durationMs: z
    .number()
    .nonnegative()
    .describe("Start to end; to now while running; to the last sign of life when crashed"),
  lastSeenAt: TimestampSchema.nullable().describe(
    "The run's last sign of life (heartbeat, last event, last status snapshot); null if none",
  ),
  directory: z.string().describe("Absolute path of the run directory"),
  problems: z
    .array(z.string())
    .describe("What is wrong with the run directory (a broken status.json), each naming its file"),
  timeline: TimelineJsonSchema,
  slurmJobs: z
    .array(SlurmJobJsonSchema)
    .describe(
      "For a crashed run: the Slurm jobs its steps had queued or running when the executor died, and what Slurm says of them now. Jobs outlive their executor; runyard resume adopts those still live. [] for any other run",
    ),
};

export type RunJson = z.infer<z.ZodObject<typeof RunJsonShape>>;
