// The shapes `runyard run --json` prints: once the run has ended (or, with --detach, once it
// has started). One JSON object on stdout; progress stays on stderr.
import { FinalStatusSchema, UuidSchema } from "@runyard/schema";
import { z } from "zod";

export const RunEndedJsonSchema = z
  .strictObject({
    runId: UuidSchema,
    runDirectory: z.string().describe("Absolute path of the run directory"),
    finalStatus: z
      .enum([...FinalStatusSchema.options, "crashed"])
      .describe("How the run ended; crashed when its executor died without recording an end"),
    returnValue: z
      .string()
      .nullable()
      .describe("The run's return value (the workflow's `return`); null when it has none"),
  })
  .describe("runyard run --json");
export type RunEndedJson = z.infer<typeof RunEndedJsonSchema>;

export const RunStartedJsonSchema = z
  .strictObject({
    runId: UuidSchema,
    runDirectory: z.string().describe("Absolute path of the run directory"),
    pid: z.int().positive().describe("The executor's process id (meta.json's pid)"),
  })
  .describe("runyard run --detach --json");
export type RunStartedJson = z.infer<typeof RunStartedJsonSchema>;
