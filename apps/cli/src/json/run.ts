// The fields every run-reading command's `--json` gives about a run (`ps` and `show`), so a
// script reads `state` or `durationMs` the same way whichever command it asked.
import { TimestampSchema, UuidSchema } from "@runyard/schema";
import { RUN_CLASSIFICATIONS } from "@runyard/store";
import { z } from "zod";

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
};

export type RunJson = z.infer<z.ZodObject<typeof RunJsonShape>>;
