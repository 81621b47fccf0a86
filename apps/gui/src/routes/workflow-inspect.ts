// POST /api/workflows/inspect — a workflow file checked as `runyard validate` and `runyard run
// --dry-run` check it (the same reader and validator, @runyard/schema's readInputFile and
// parseWorkflow, and the executor's backends), for the page to show before it starts a run:
// every problem with its line, and the steps and params, as best it can when it is invalid.
import {
  BackendUnavailableError,
  DEFAULT_BACKEND_NAMES,
  missingSlurmCommand,
  SlurmUnavailableError,
} from "@runyard/executor";
import {
  formatPath,
  inferParamType,
  isRecord,
  parseWorkflow,
  type ResolvedWorkflow,
  readInputFile,
  type ValidationProblem,
  WorkflowReadError,
} from "@runyard/schema";
import type { Hono } from "hono";
import { ApiError } from "../api-error.js";
import {
  WorkflowInspectBodySchema,
  type WorkflowInspectResponse,
  type WorkflowProblem,
} from "../api-schemas.js";
import { type ApiContext, jsonBody, parse } from "./context.js";

type Step = WorkflowInspectResponse["steps"][number];
type Param = WorkflowInspectResponse["params"][number];

function problemOf(problem: ValidationProblem): WorkflowProblem {
  return {
    message: problem.message,
    line: problem.line ?? null,
    column: problem.column ?? null,
    path: problem.path === "" ? null : problem.path,
  };
}

/**
 * What the executor a launch starts refuses in a valid workflow: a backend it does not have,
 * or Slurm steps on a host without Slurm's commands.
 */
function unavailableBackends(
  workflow: ResolvedWorkflow,
  env: NodeJS.ProcessEnv,
): WorkflowProblem[] {
  const missing = missingSlurmCommand(env);
  return workflow.steps
    .filter(
      (step) =>
        !DEFAULT_BACKEND_NAMES.includes(step.backend) ||
        (step.backend === "slurm" && missing !== undefined),
    )
    .map((step) => {
      const refusal =
        step.backend === "slurm" && missing !== undefined
          ? new SlurmUnavailableError(step.id, missing)
          : new BackendUnavailableError(step.id, step.backend, DEFAULT_BACKEND_NAMES);
      const written = step.raw.backend !== undefined;
      return {
        message: refusal.message,
        line: step.position.line,
        column: step.position.column,
        path: formatPath(written ? ["steps", step.id, "backend"] : ["steps", step.id]),
        ...(refusal.hint === undefined ? {} : { hint: refusal.hint }),
      };
    });
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** A step of an invalid workflow, from what its YAML holds. */
function stepOutline(id: string, step: unknown, defaultBackend: string): Step {
  const raw = isRecord(step) ? step : {};
  const needs = Array.isArray(raw.needs) ? raw.needs : [raw.needs];
  return {
    id,
    name: text(raw.name) ?? id,
    needs: needs.filter((need): need is string => typeof need === "string"),
    foreach: raw.foreach !== undefined,
    if: text(raw.if),
    backend: text(raw.backend) ?? defaultBackend,
  };
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/**
 * The params as written (`params:` of the YAML), valid or not: the types and the required rule
 * are the schema's own (inferParamType, as resolveWorkflow resolves them).
 */
function paramsOf(params: unknown): Param[] {
  if (!isRecord(params)) return [];
  return Object.entries(params).map(([name, written]) => {
    const spec: Record<string, unknown> = isRecord(written) ? written : { default: written };
    const fallback = isScalar(spec.default) ? spec.default : null;
    const choices = Array.isArray(spec.choices)
      ? spec.choices
          .filter(isScalar)
          .map((choice) => (typeof choice === "boolean" ? String(choice) : choice))
      : null;
    return {
      name,
      type: inferParamType(spec),
      default: fallback,
      choices,
      description: text(spec.description),
      required: fallback === null && spec.required !== false,
    };
  });
}

function valid(
  workflowFile: string,
  workflow: ResolvedWorkflow,
  env: NodeJS.ProcessEnv,
): WorkflowInspectResponse {
  const problems = unavailableBackends(workflow, env);
  return {
    workflowFile,
    name: workflow.name,
    ok: problems.length === 0,
    problems,
    steps: workflow.steps.map((step) => ({
      id: step.id,
      name: step.name,
      needs: step.needs,
      foreach: step.foreach !== undefined,
      if: step.raw.if ?? null,
      backend: step.backend,
    })),
    params: paramsOf(workflow.raw.params),
  };
}

function invalid(
  workflowFile: string,
  problems: readonly ValidationProblem[],
  document: unknown,
): WorkflowInspectResponse {
  const raw = isRecord(document) ? document : {};
  const defaults = isRecord(raw.defaults) ? raw.defaults : {};
  const defaultBackend = text(defaults.backend) ?? "local";
  const steps = isRecord(raw.steps) ? Object.entries(raw.steps) : [];
  return {
    workflowFile,
    name: text(raw.name),
    ok: false,
    problems: problems.map(problemOf),
    steps: steps.map(([id, step]) => stepOutline(id, step, defaultBackend)),
    params: paramsOf(raw.params),
  };
}

/**
 * Reads and checks a workflow file. A file that cannot be read — missing (404), a directory, a
 * named pipe or another file that is not regular (never opened, so never waited on), too
 * large, unreadable (400) — is an ApiError naming it.
 */
export async function inspectWorkflow(
  workflowFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WorkflowInspectResponse> {
  const read = await readInputFile(workflowFile);
  if (!read.ok) {
    const error = new WorkflowReadError(workflowFile, read.reason, { cause: read.cause });
    const missing = read.code === "ENOENT" || read.code === "ENOTDIR";
    throw new ApiError(missing ? 404 : 400, error.code, error.message, {
      hint: "give the absolute path of a workflow file (YAML) on the host the GUI runs on",
      cause: error,
    });
  }
  const result = parseWorkflow(read.bytes, workflowFile);
  return result.ok
    ? valid(workflowFile, result.workflow, env)
    : invalid(workflowFile, result.problems, result.document);
}

export function registerWorkflowInspect(app: Hono, context: Pick<ApiContext, "env">): void {
  app.post("/api/workflows/inspect", async (c) => {
    const body = parse(WorkflowInspectBodySchema, await jsonBody(c), "body");
    return c.json(await inspectWorkflow(body.workflowFile, context.env));
  });
}
