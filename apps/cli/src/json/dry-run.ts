// The shape of `runyard run --dry-run --json`: one JSON object, the plan of the run — each
// param's value and where it came from, each step in the order it can start. Nothing ran.
import { BackendSchema, ParamTypeSchema, StepConditionSchema, UuidSchema } from "@runyard/schema";
import { z } from "zod";

export const DryRunParamJsonSchema = z.strictObject({
  name: z.string(),
  type: ParamTypeSchema,
  choices: z.array(z.string()).nullable().describe("The only values it takes; null: any"),
  value: z
    .string()
    .nullable()
    .describe("What the steps would see; null for an optional param left unset"),
  source: z
    .enum(["default", "file", "flag", "run"])
    .nullable()
    .describe(
      "default, the params file (file), -p (flag) or, for a rerun, the earlier run (run); null when unset",
    ),
});
export type DryRunParamJson = z.infer<typeof DryRunParamJsonSchema>;

export const DryRunStepJsonSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  stage: z
    .number()
    .int()
    .positive()
    .describe("1 when it needs nothing, else one more than its latest need's stage"),
  needs: z.array(z.string()),
  condition: StepConditionSchema.describe("The step's if"),
  timeoutMs: z.number().nonnegative().nullable().describe("null: no timeout"),
  retries: z.number().int().nonnegative(),
  retryDelayMs: z.number().nonnegative(),
  backend: BackendSchema,
  cwd: z.string().describe("Absolute working directory"),
  run: z.string().describe("The script, as written"),
  foreach: z
    .strictObject({
      parallel: z.number().int().positive().nullable().describe("null: no limit of its own"),
      instances: z
        .array(z.strictObject({ id: z.string(), item: z.string() }))
        .nullable()
        .describe("Every instance, when the items are written in the workflow; null for a file"),
      file: z
        .string()
        .nullable()
        .describe(
          "The item file, read when the step is ready (params in place; the run directory's reference kept); null for written items",
        ),
    })
    .nullable()
    .describe("For a foreach step, what it runs over; null for a plain step"),
});
export type DryRunStepJson = z.infer<typeof DryRunStepJsonSchema>;

export const DryRunJsonSchema = z
  .strictObject({
    workflowId: UuidSchema,
    workflowName: z.string(),
    workflowFile: z.string().describe("Absolute path of the workflow file"),
    params: z.array(DryRunParamJsonSchema).describe("Every param, in file order"),
    steps: z
      .array(DryRunStepJsonSchema)
      .describe("Every step, in the order they can start: by stage, then in file order"),
  })
  .describe("runyard run --dry-run --json");
export type DryRunJson = z.infer<typeof DryRunJsonSchema>;
