// `POST /api/workflows/inspect`: what the page shows of a workflow file before it starts a
// run of it — whether it is valid (every problem, with its line), its steps and its params.
import { z } from "zod";

/** An absolute path on the server's host. */
export const AbsolutePathSchema = z
  .string()
  .refine((path) => path.startsWith("/"), "expected an absolute path");

export const WorkflowInspectBodySchema = z
  .object({
    /** Absolute path of the workflow file on this host. */
    workflowFile: AbsolutePathSchema,
  })
  .strict();
export type WorkflowInspectBody = z.infer<typeof WorkflowInspectBodySchema>;

/** One problem, as `runyard validate` prints it (`file:line:column: path: message`). */
export const WorkflowProblemSchema = z.object({
  message: z.string(),
  /** 1-based; null when not known. */
  line: z.number().int().nullable(),
  column: z.number().int().nullable(),
  /** The field, `steps.build.needs[0]`; null for the whole file. */
  path: z.string().nullable(),
  /** What to do about it, when there is advice. */
  hint: z.string().optional(),
});
export type WorkflowProblem = z.infer<typeof WorkflowProblemSchema>;

export const WorkflowStepSchema = z.object({
  id: z.string(),
  name: z.string(),
  needs: z.array(z.string()),
  /** A foreach loop: the step runs once per item. */
  foreach: z.boolean(),
  /** `if` as written (success, failure, always); null when not written (success). */
  if: z.string().nullable(),
  backend: z.string(),
});

export const WorkflowParamSchema = z.object({
  name: z.string(),
  type: z.enum(["string", "number", "boolean"]),
  /** As written in the file; null when there is none. */
  default: z.union([z.string(), z.number(), z.boolean()]).nullable(),
  /** The only values it takes, as written (true and false as text); null when any will do. */
  choices: z.array(z.union([z.string(), z.number()])).nullable(),
  description: z.string().nullable(),
  /** A run must give a value. */
  required: z.boolean(),
});

export const WorkflowInspectResponseSchema = z.object({
  workflowFile: z.string(),
  /** The workflow's name; null when the file does not say it validly. */
  name: z.string().nullable(),
  /** Valid, and `POST /api/runs` would start it (params aside). */
  ok: z.boolean(),
  problems: z.array(WorkflowProblemSchema),
  /**
   * In file order. Best effort when the workflow is invalid (what can be read of it); empty
   * when the YAML cannot be parsed.
   */
  steps: z.array(WorkflowStepSchema),
  params: z.array(WorkflowParamSchema),
});
export type WorkflowInspectResponse = z.infer<typeof WorkflowInspectResponseSchema>;
