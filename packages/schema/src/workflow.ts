// The workflow file format (YAML; JSON is YAML too). The zod schemas here are the format's
// single source of truth: the loader validates against them and the JSON Schema is generated
// from them.
import { z } from "zod";
import { STEP_ID_MAX_LENGTH, STEP_ID_PATTERN } from "./layout.js";

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

/** Environment values may be written as numbers or booleans; steps see them as strings. */
export const EnvMapSchema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name"),
    Scalar,
  )
  .describe("Environment variables: NAME: value");

/** A duration: seconds as a number, or a string like "90s", "10m", "2h", "1h30m". */
export const DurationSchema = z
  .union([
    z.number().positive(),
    z
      .string()
      .regex(/^(\d+(\.\d+)?(ms|s|m|h|d))+$/, 'expected a duration such as "30s", "10m" or "1h30m"'),
  ])
  .describe("Seconds, or a string like 30s, 10m, 1h30m");

export const BackendSchema = z.enum(["local", "slurm"]).describe("Where a step runs");

export const SlurmOptionsSchema = z
  .object({
    partition: z.string().optional(),
    account: z.string().optional(),
    qos: z.string().optional(),
    time: z.string().optional().describe("Slurm time limit, e.g. 00:10:00"),
    nodes: z.number().int().positive().optional(),
    ntasks: z.number().int().positive().optional(),
    cpusPerTask: z.number().int().positive().optional(),
    mem: z.string().optional().describe("Memory per node, e.g. 4G"),
    gpus: z.union([z.number().int().nonnegative(), z.string()]).optional(),
    constraint: z.string().optional(),
    extraArgs: z
      .array(z.string())
      .optional()
      .describe("Further sbatch arguments, passed as they are"),
  })
  .strict()
  .describe("Options for steps run as Slurm jobs");

export const ParamSchema = z.union([
  Scalar,
  z
    .object({
      description: z.string().optional(),
      default: Scalar.optional(),
      required: z.boolean().optional(),
    })
    .strict(),
]);

export const StepIdSchema = z
  .string()
  .max(STEP_ID_MAX_LENGTH)
  .regex(
    STEP_ID_PATTERN,
    "expected a step id of letters, digits, '_', '.', '-', starting with a letter or digit",
  );

export const StepSchema = z
  .object({
    name: z.string().optional().describe("Display name; defaults to the step id"),
    run: z.string().min(1).describe("Shell script the step runs (bash -c)"),
    needs: z
      .union([StepIdSchema, z.array(StepIdSchema)])
      .optional()
      .describe("Steps that must complete first"),
    env: EnvMapSchema.optional(),
    cwd: z
      .string()
      .optional()
      .describe("Working directory; relative to the workflow file's directory"),
    if: z.string().optional().describe("Condition that decides whether the step runs"),
    foreach: z
      .union([z.string(), z.array(Scalar)])
      .optional()
      .describe("Values to run the step for, one run each"),
    timeout: DurationSchema.optional(),
    retries: z.number().int().nonnegative().optional(),
    backend: BackendSchema.optional(),
    slurm: SlurmOptionsSchema.optional(),
  })
  .strict();
export type Step = z.infer<typeof StepSchema>;

export const DefaultsSchema = z
  .object({
    cwd: z.string().optional(),
    timeout: DurationSchema.optional(),
    retries: z.number().int().nonnegative().optional(),
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
    params: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), ParamSchema).optional(),
    env: EnvMapSchema.optional(),
    defaults: DefaultsSchema.optional(),
    steps: z.record(z.string(), StepSchema).describe("Ordered map of step id to step"),
  })
  .strict();
export type Workflow = z.infer<typeof WorkflowSchema>;

/** Keys each object of the format accepts, for "did you mean" suggestions. */
export const WORKFLOW_KEYS = {
  workflow: Object.keys(WorkflowSchema.shape),
  step: Object.keys(StepSchema.shape),
  defaults: Object.keys(DefaultsSchema.shape),
  slurm: Object.keys(SlurmOptionsSchema.shape),
} as const;
