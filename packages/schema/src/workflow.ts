// The workflow file format (YAML; JSON is YAML too). These zod schemas are the format's single
// source of truth: the loader validates against them and workflow.schema.json is generated
// from them. Rules that span several fields (needs, cycles, params) live in workflow-checks.ts.
import { z } from "zod";
import { DURATION_PATTERN, durationSeconds } from "./duration.js";
import { FOREACH_MAX_ITEMS, parseForeachText } from "./foreach.js";
import { STEP_ID_MAX_LENGTH, STEP_ID_PATTERN } from "./layout.js";
import { ParamTypeSchema } from "./param-types.js";

/** A value that becomes a string in a step's environment. */
export const ScalarSchema = z.union([z.string(), z.number(), z.boolean()], {
  error: "expected a string, a number or a boolean",
});

/** Names of environment variables and params: what a shell accepts as a variable name. */
export const VariableNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: 'expected letters, digits and "_", not starting with a digit',
});

/** Environment values may be written as numbers or booleans; steps see them as strings. */
export const EnvMapSchema = z
  .record(VariableNameSchema, ScalarSchema)
  .describe("Environment variables, NAME: value; numbers and booleans become strings");

/** A duration: seconds as a number, or a string like "90s", "10m", "2h", "1h30m". */
export const DurationSchema = z
  .union(
    [
      z.number().positive({ error: "expected a duration greater than zero" }),
      z
        .string()
        .regex(DURATION_PATTERN, {
          error: 'expected a duration such as "30s", "10m" or "1h30m"',
        })
        // Only a well-formed duration can be zero; a malformed one was reported above.
        .refine((value) => !DURATION_PATTERN.test(value) || durationSeconds(value) > 0, {
          error: "expected a duration greater than zero",
        }),
    ],
    { error: 'expected a duration: a number of seconds, or a string such as "30s" or "1h30m"' },
  )
  .describe(
    'Seconds as a number, or a string such as "90s", "10m", "1h30m" (units ms, s, m, h, d)',
  );

export const BackendSchema = z
  .enum(["local", "slurm"])
  .describe("Where a step runs: a local process, or a Slurm job");

export const StepConditionSchema = z
  .enum(["success", "failure", "always"], {
    error: "expected success, failure or always",
  })
  .describe(
    "When the step runs, once its needs have ended: success (every need completed; the default), failure (a need failed), always",
  );

export const RetriesSchema = z
  .int()
  .nonnegative()
  .describe("How many times a failed step is tried again");

export const RetryDelaySchema = DurationSchema.describe(
  'How long to wait before each retry of a failed step: seconds, or "30s", "5m" (default: none)',
);

export const SlurmOptionsSchema = z
  .object({
    partition: z.string().optional(),
    account: z.string().optional(),
    qos: z.string().optional(),
    time: z.string().optional().describe("Slurm time limit, e.g. 00:10:00"),
    nodes: z.int().positive().optional(),
    ntasks: z.int().positive().optional(),
    cpusPerTask: z.int().positive().optional(),
    mem: z.string().optional().describe("Memory per node, e.g. 4G"),
    gpus: z
      .union([z.int().nonnegative(), z.string()], {
        error: 'expected a number of GPUs or a string such as "a100:2"',
      })
      .optional(),
    constraint: z.string().optional(),
    extraArgs: z
      .array(z.string())
      .optional()
      .describe("Further sbatch arguments, passed as they are"),
  })
  .strict()
  .describe("Options for steps run as Slurm jobs");

export const ParamObjectSchema = z
  .object({
    description: z.string().optional().describe("What the param means, shown by the CLI and GUI"),
    type: ParamTypeSchema.optional(),
    default: ScalarSchema.optional().describe("Value used when the run does not supply one"),
    choices: z
      .array(ScalarSchema)
      .min(1)
      .optional()
      .describe("The only values the param takes, matched exactly as written"),
    required: z
      .boolean()
      .optional()
      .describe("Whether a run must supply a value; defaults to true when there is no default"),
  })
  .strict();

export const ParamSchema = z
  .union([ScalarSchema, ParamObjectSchema], {
    error:
      "expected a default value (a string, number or boolean) or a mapping with description, type, default, choices and required",
  })
  .describe("A default value, or { description, type, default, choices, required }");

export const ForeachSchema = z
  .union(
    [
      z
        .array(ScalarSchema)
        .min(1, { error: "expected at least one item" })
        .max(FOREACH_MAX_ITEMS, {
          error: `expected at most ${FOREACH_MAX_ITEMS.toLocaleString("en-US")} items in one loop`,
        }),
      z
        .string()
        .min(1, { error: 'expected items such as "coarse,medium,fine" or "1-10"' })
        .superRefine((text, context) => {
          const result = parseForeachText(text);
          if (!result.ok) context.addIssue({ code: "custom", message: result.message });
        }),
      z
        .object({
          file: z
            .string()
            .min(1)
            .describe(
              "A file read when the step becomes ready, one item per line (blank lines and # comments skipped); relative to the step's cwd",
            ),
        })
        .strict(),
    ],
    {
      error:
        'expected a list of items, a string such as "coarse,medium,fine" or "1-10:2", or { file: items.txt }',
    },
  )
  .describe(
    'Run the step once per item: a list, a string of comma-separated items and ranges ("a,b,c", "1-10", "0-100:10"), or { file } read at run time; each instance sees RUNYARD_ITEM and RUNYARD_ITEM_INDEX',
  );

export const StepIdSchema = z
  .string()
  .max(STEP_ID_MAX_LENGTH, {
    error: `expected at most ${STEP_ID_MAX_LENGTH} characters (step ids become file names)`,
  })
  .regex(STEP_ID_PATTERN, {
    error:
      'expected letters, digits, "_", "." and "-", starting with a letter or digit (step ids become file names)',
  })
  .describe("A step id: its key under `steps`");

export const NeedsSchema = z
  .union([StepIdSchema, z.array(StepIdSchema)], {
    error: "expected a step id or a list of step ids",
  })
  .describe("Steps that must complete before this one starts");

export const StepSchema = z
  .object({
    name: z.string().min(1).optional().describe("Display name; defaults to the step id"),
    run: z.string().min(1).describe("Shell script the step runs, with bash -c"),
    needs: NeedsSchema.optional(),
    env: EnvMapSchema.optional(),
    cwd: z
      .string()
      .min(1)
      .optional()
      .describe("Working directory, relative to the workflow file's directory"),
    if: StepConditionSchema.optional(),
    foreach: ForeachSchema.optional(),
    parallel: z
      .int({ error: "expected a whole number of instances" })
      .positive({ error: "expected at least 1" })
      .optional()
      .describe(
        "With foreach: how many of the step's instances may run at once (default: no limit but the run's)",
      ),
    timeout: DurationSchema.optional(),
    retries: RetriesSchema.optional(),
    retryDelay: RetryDelaySchema.optional(),
    backend: BackendSchema.optional(),
    slurm: SlurmOptionsSchema.optional(),
  })
  .strict()
  .describe("One step: a shell script and the steps it needs");
export type Step = z.infer<typeof StepSchema>;

export const DefaultsSchema = z
  .object({
    cwd: z.string().min(1).optional(),
    timeout: DurationSchema.optional(),
    retries: RetriesSchema.optional(),
    retryDelay: RetryDelaySchema.optional(),
    backend: BackendSchema.optional(),
    slurm: SlurmOptionsSchema.optional(),
  })
  .strict()
  .describe("Values every step inherits unless it sets its own");

export const WorkflowSchema = z
  .object({
    id: z
      .uuid()
      .optional()
      .describe("Workflow id; when absent, a UUIDv5 of the file's absolute path"),
    name: z.string().min(1).optional().describe("Workflow name; defaults to the file name"),
    description: z.string().optional(),
    params: z
      .record(VariableNameSchema, ParamSchema)
      .optional()
      .describe("Named inputs of the workflow; steps see each as an environment variable"),
    env: EnvMapSchema.optional(),
    defaults: DefaultsSchema.optional(),
    steps: z
      .record(StepIdSchema, StepSchema)
      .describe("Ordered map of step id to step; ids become capture file names"),
    return: z
      .object({
        step: StepIdSchema.describe("The step whose output it is"),
        output: VariableNameSchema.describe("The name the step wrote to RUNYARD_OUTPUT"),
      })
      .strict()
      .optional()
      .describe(
        "The run's return value: one output of one step, written to return_value.txt when the run succeeds and printed by runyard run",
      ),
    $schema: z
      .string()
      .optional()
      .describe("Location of workflow.schema.json, for editors; Runyard ignores it"),
  })
  .strict()
  .describe("A Runyard workflow: a DAG of shell steps");
export type Workflow = z.infer<typeof WorkflowSchema>;

/** Keys each object of the format accepts, for "did you mean" suggestions. */
export const WORKFLOW_KEYS = {
  workflow: Object.keys(WorkflowSchema.shape),
  step: Object.keys(StepSchema.shape),
  defaults: Object.keys(DefaultsSchema.shape),
  slurm: Object.keys(SlurmOptionsSchema.shape),
  param: Object.keys(ParamObjectSchema.shape),
} as const;
