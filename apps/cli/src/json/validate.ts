// The shape of `runyard validate --json`: one JSON object per line, one line per file, in
// the order the files were given.
import { z } from "zod";

export const ValidateProblemJsonSchema = z.strictObject({
  path: z.string().describe("Dotted path of the field (steps.build.needs); empty for the file"),
  message: z.string(),
  line: z.number().int().positive().nullable().describe("1-based; null when not known"),
  column: z.number().int().positive().nullable(),
});
export type ValidateProblemJson = z.infer<typeof ValidateProblemJsonSchema>;

export const ValidateLineJsonSchema = z.strictObject({
  file: z.string().describe("The file as given on the command line"),
  valid: z.boolean(),
  workflowName: z.string().nullable().describe("null when the file is invalid"),
  steps: z.number().int().nonnegative().nullable().describe("How many steps; null when invalid"),
  errors: z
    .array(ValidateProblemJsonSchema)
    .describe("Why the file is invalid, or cannot be read (then one error, path empty)"),
  warnings: z
    .array(ValidateProblemJsonSchema)
    .describe("What the format accepts but 'runyard run' refuses in this version"),
});
export type ValidateLineJson = z.infer<typeof ValidateLineJsonSchema>;
