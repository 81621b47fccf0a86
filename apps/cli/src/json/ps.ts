// The shape of `runyard ps --json`: one JSON object per line, one line per run, newest first.
import { StepStateSchema, UuidSchema } from "@runyard/schema";
import { z } from "zod";
import { RunJsonShape } from "./run.js";

/** A run `ps` could read. */
export const PsRunJsonSchema = z
  .strictObject({
    ...RunJsonShape,
    steps: z
      .array(StepStateSchema)
      .describe("status.json's steps as read (unknown statuses read as unknown); [] without one"),
  })
  .describe("A run ps could read");
export type PsRunJson = z.infer<typeof PsRunJsonSchema>;

/** A run directory `ps` could not read (its meta.json is missing or broken). */
export const PsUnreadableJsonSchema = z
  .strictObject({
    runId: UuidSchema,
    shortId: RunJsonShape.shortId,
    state: z.literal("unreadable"),
    error: z.string().describe("Why it cannot be read, naming the file"),
    directory: z.string(),
  })
  .describe("A run directory ps could not read");
export type PsUnreadableJson = z.infer<typeof PsUnreadableJsonSchema>;

/** One line of `runyard ps --json`. */
export const PsLineJsonSchema = z.union([PsRunJsonSchema, PsUnreadableJsonSchema]);
export type PsLineJson = z.infer<typeof PsLineJsonSchema>;
