// Loads a workflow file: YAML text → validated, normalised ResolvedWorkflow, or every
// problem found at once.
import { readFile } from "node:fs/promises";
import { basename, dirname, extname, resolve } from "node:path";
import { v5 as uuidv5 } from "uuid";
import { parse as parseYaml } from "yaml";
import { ValidationError, type ValidationProblem } from "./errors.js";
import { check } from "./validate.js";
import { type Workflow, WorkflowSchema } from "./workflow.js";

/** Namespace of the UUIDv5 ids given to workflows that have no `id`. */
export const WORKFLOW_ID_NAMESPACE = "5f0c7a4e-2d1b-4c8e-9a3f-6b7e8d9c0a1b";

/** The stable id of a workflow file without an `id`: a UUIDv5 of its absolute path. */
export function workflowIdForPath(absolutePath: string): string {
  return uuidv5(absolutePath, WORKFLOW_ID_NAMESPACE);
}

export interface ResolvedStep {
  id: string;
  name: string;
  run: string;
  needs: string[];
  env: Record<string, string>;
  /** Absolute working directory. */
  cwd: string;
  timeoutSeconds: number | undefined;
  retries: number;
  backend: "local" | "slurm";
  raw: NonNullable<Workflow["steps"][string]>;
}

export interface ResolvedWorkflow {
  id: string;
  name: string;
  description: string | undefined;
  /** Absolute path of the workflow file. */
  file: string;
  /** The exact bytes of the file, copied into the run directory. */
  source: Uint8Array;
  env: Record<string, string>;
  steps: ResolvedStep[];
  raw: Workflow;
}

export type WorkflowParseResult =
  | { ok: true; workflow: ResolvedWorkflow }
  | { ok: false; problems: ValidationProblem[] };

export class WorkflowError extends ValidationError {
  constructor(file: string, problems: readonly ValidationProblem[]) {
    super(file, problems, "E_WORKFLOW_INVALID");
  }
}

/** Parses "10m", "1h30m", "90s", "500ms" or a number of seconds. */
export function durationSeconds(value: string | number): number {
  if (typeof value === "number") return value;
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
  let total = 0;
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(match[1]) * (units[match[2] ?? "s"] ?? 1);
  }
  return total;
}

const stringify = (env: Record<string, string | number | boolean> | undefined) =>
  Object.fromEntries(Object.entries(env ?? {}).map(([key, value]) => [key, String(value)]));

/** Parses and validates workflow text. `file` is the absolute path it came from. */
export function parseWorkflow(source: Uint8Array | string, file: string): WorkflowParseResult {
  const bytes = typeof source === "string" ? new TextEncoder().encode(source) : source;
  const text = new TextDecoder().decode(bytes);
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    return { ok: false, problems: [{ path: "", message: (error as Error).message }] };
  }
  const result = check(WorkflowSchema, document);
  if (!result.ok) return result;
  const workflow = result.value;
  const problems: ValidationProblem[] = [];
  const ids = Object.keys(workflow.steps);
  if (ids.length === 0) problems.push({ path: "steps", message: "the workflow has no steps" });
  const directory = dirname(file);
  const steps: ResolvedStep[] = ids.map((id) => {
    const step = workflow.steps[id] as NonNullable<Workflow["steps"][string]>;
    const needs =
      step.needs === undefined ? [] : Array.isArray(step.needs) ? step.needs : [step.needs];
    for (const need of needs) {
      if (!ids.includes(need))
        problems.push({ path: `steps.${id}.needs`, message: `unknown step "${need}"` });
    }
    const timeout = step.timeout ?? workflow.defaults?.timeout;
    return {
      id,
      name: step.name ?? id,
      run: step.run,
      needs,
      env: stringify(step.env),
      cwd: resolve(directory, step.cwd ?? workflow.defaults?.cwd ?? "."),
      timeoutSeconds: timeout === undefined ? undefined : durationSeconds(timeout),
      retries: step.retries ?? workflow.defaults?.retries ?? 0,
      backend: step.backend ?? workflow.defaults?.backend ?? "local",
      raw: step,
    };
  });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    workflow: {
      id: workflow.id ?? workflowIdForPath(file),
      name: workflow.name ?? basename(file, extname(file)),
      description: workflow.description,
      file,
      source: bytes,
      env: stringify(workflow.env),
      steps,
      raw: workflow,
    },
  };
}

/** Reads and validates a workflow file; throws WorkflowError listing every problem. */
export async function loadWorkflowFile(path: string): Promise<ResolvedWorkflow> {
  const file = resolve(path);
  const source = await readFile(file);
  const result = parseWorkflow(new Uint8Array(source), file);
  if (!result.ok) throw new WorkflowError(path, result.problems);
  return result.workflow;
}
