// The shape of the user's config file (see user-config.ts); strict, so a misspelt key is an
// error with a suggestion. A module of its own: the file's reader and its parser both need it.
import { z } from "zod";
import { HooksParallelSchema, HooksSchema } from "./hooks.js";
import { RetentionPolicySchema } from "./retention-policy.js";

export const UserConfigSchema = z
  .object({
    runsDir: z
      .string()
      .min(1)
      .optional()
      .describe("Where run directories go; relative to the config file's directory, ~ expands"),
    retention: RetentionPolicySchema.optional().describe(
      "Which ended runs `runyard gc` removes; absent, the default policy applies",
    ),
    hooks: HooksSchema.optional(),
    hooksParallel: HooksParallelSchema.optional(),
  })
  .strict();
export type UserConfig = z.infer<typeof UserConfigSchema>;
