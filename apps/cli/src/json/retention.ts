// The shapes `runyard rm --json`, `runyard gc --json` and `runyard du --json` print: one JSON
// document each, on stdout. Scripts can rely on them; a field is only ever added.
import { RUN_CLASSIFICATIONS } from "@runyard/store";
import { z } from "zod";

/** How a run stood: as `runyard ps` says, or "unreadable" when its meta.json could not be read. */
export const RunStateJsonSchema = z.enum([...RUN_CLASSIFICATIONS, "unreadable"]);

const RunIdentityJsonSchema = z.object({
  runId: z.string().describe("The run id"),
  workflowName: z.string().nullable().describe("null when meta.json could not be read"),
  state: RunStateJsonSchema,
  directory: z.string().describe("Absolute path of the run directory (where it was, once removed)"),
  bytes: z
    .int()
    .nonnegative()
    .describe("Disk space the run takes (allocated blocks, as du counts)"),
});

export const RmResultJsonSchema = z
  .object({
    removed: z.array(
      RunIdentityJsonSchema.extend({
        cancelled: z.boolean().describe("Whether rm --force cancelled the run before removing it"),
      }),
    ),
    failed: z.array(
      z.object({
        runId: z.string(),
        code: z.string().describe("Stable error code, e.g. E_RUN_RUNNING"),
        message: z.string(),
      }),
    ),
    freedBytes: z.int().nonnegative(),
  })
  .describe("runyard rm --json");
export type RmResultJson = z.infer<typeof RmResultJsonSchema>;

const RetentionDecisionJsonSchema = RunIdentityJsonSchema.extend({
  startedAt: z.string().nullable(),
  endedAt: z
    .string()
    .nullable()
    .describe("When the run ended; for a crashed run, its last sign of life"),
  reason: z.string().describe('Why it goes or stays: "retention.success: delete"'),
});

const PendingRemovalJsonSchema = z.object({
  name: z
    .string()
    .describe(
      "The .removing-… directory (a removal cut short) or .launch-… directory (a launch abandoned an hour or more ago) in the runs root",
    ),
  runId: z.string(),
  bytes: z.int().nonnegative(),
});

export const GcResultJsonSchema = z
  .object({
    dryRun: z.boolean().describe("true: nothing was removed; `removed` is what would be"),
    runsRoot: z.string(),
    policy: z.object({
      configFile: z.string().nullable().describe("The config that set it; null for the default"),
      success: z.string(),
      cancelled: z.string(),
      failed: z.string(),
      crashed: z.string(),
      maxTotalSize: z.string().nullable(),
    }),
    removed: z.array(RetentionDecisionJsonSchema).describe("Oldest first"),
    kept: z.array(RetentionDecisionJsonSchema).describe("Newest first"),
    pendingRemovals: z
      .array(PendingRemovalJsonSchema)
      .describe(
        "Removals cut short earlier and launches abandoned, finished (or, on a dry run, to be finished)",
      ),
    failed: z.array(
      z.object({ runId: z.string(), directory: z.string(), code: z.string(), message: z.string() }),
    ),
    freedBytes: z.int().nonnegative(),
    keptBytes: z.int().nonnegative(),
    overCap: z.boolean().describe("The kept runs still exceed maxTotalSize"),
  })
  .describe("runyard gc --json");
export type GcResultJson = z.infer<typeof GcResultJsonSchema>;

export const DuResultJsonSchema = z
  .object({
    runsRoot: z.string(),
    runs: z
      .array(RunIdentityJsonSchema.extend({ startedAt: z.string().nullable() }))
      .describe("Largest first"),
    pendingRemovals: z.array(PendingRemovalJsonSchema),
    totalBytes: z.int().nonnegative().describe("Every run and pending removal together"),
  })
  .describe("runyard du --json");
export type DuResultJson = z.infer<typeof DuResultJsonSchema>;
