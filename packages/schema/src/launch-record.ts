// launch.json: what a front end (the CLI, the GUI, an integrator) hands the executor when it
// starts a run. The front end writes it into the run directory it prepares, next to the
// workflow copy, before it spawns the executor; the executor reads it once at start. It is the
// whole of what the run depends on besides workflow.yaml, so a run can be started again from
// its directory (resume) with the same environment, params and limits.
import { z } from "zod";
import { TimestampSchema, UuidSchema } from "./common.js";
import { HooksParallelSchema, LaunchHookSchema } from "./hooks.js";

export const LaunchRecordSchema = z
  .object({
    schemaVersion: z.literal(1).describe("Version of the launch record; this page describes 1"),
    runId: UuidSchema.describe("The run's id, chosen by the front end; the run directory's name"),
    workflowFile: z
      .string()
      .min(1)
      .describe("Absolute path of the workflow file the copy was taken from"),
    workflowPath: z
      .string()
      .min(1)
      .describe("The workflow file as the user named it, for messages (e.g. flows/align.yaml)"),
    cwd: z.string().min(1).describe("Working directory of the front end: steps start there"),
    env: z
      .record(z.string(), z.string())
      .describe(
        "The environment steps start from: the user's shell's, not the executor's (modules loaded before the run)",
      ),
    // Pairs, not an object: a name such as __proto__ must reach the workflow's param check as
    // a name (and be refused as unknown), not set an object's prototype on the way.
    params: z
      .array(z.tuple([z.string(), z.string()]))
      .describe(
        "Param values given by the user, as [NAME, value] pairs in the order given; the executor checks them and fills in defaults",
      ),
    maxParallel: z.int().positive().describe("Steps running at once on this host"),
    maxSlurmJobs: z
      .int()
      .positive()
      .optional()
      .describe("Slurm jobs queued or running at once (absent: 100)"),
    killGraceMs: z.int().nonnegative().describe("Time between SIGTERM and SIGKILL on cancel"),
    holdStartMs: z
      .int()
      .nonnegative()
      .optional()
      .describe(
        "Wait up to this long after run-start for a client to subscribe before starting steps, so the launching front end sees all of their output (absent: start at once)",
      ),
    binDirectory: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Absolute path of a directory holding the `runyard` launcher of the front end that started the run; the executor puts it first on every step's PATH, so that a step's `runyard log`, `send`, `receive` and `artifact save` are the commands of this Runyard (absent: PATH as given)",
      ),
    hooks: z
      .array(LaunchHookSchema)
      .optional()
      .describe(
        "Commands to run on the run's events, each with the event's JSON on stdin: the user's config's hooks, then those of a trusted project config (absent: none)",
      ),
    hooksParallel: HooksParallelSchema.optional(),
    rerunOf: UuidSchema.optional().describe(
      "The run this one repeats (`runyard rerun`): the workflow copy and the params were taken from that run's directory (absent: not a rerun)",
    ),
    launchedBy: z
      .object({
        client: z.string().describe("Who launched the run, e.g. runyard-cli/0.1.0"),
        pid: z.int().positive(),
        host: z.string().min(1).describe("Short hostname the launch came from"),
      })
      .strict(),
    createdAt: TimestampSchema.describe("When the front end wrote this record"),
  })
  .strict();
export type LaunchRecord = z.infer<typeof LaunchRecordSchema>;
