// A validated workflow document → the normalised shape the executor runs: defaults applied,
// paths absolute, durations in seconds, env values and param defaults as strings.
import { basename, dirname, extname, resolve } from "node:path";
import { v5 as uuidv5 } from "uuid";
import type { z } from "zod";
import { durationSeconds } from "./duration.js";
import { instanceIds, parseForeachText } from "./foreach.js";
import { inferParamType, type ParamType } from "./param-types.js";
import type { SlurmOptionsSchema, Step, StepConditionSchema, Workflow } from "./workflow.js";

export type SlurmOptions = z.infer<typeof SlurmOptionsSchema>;
export type StepCondition = z.infer<typeof StepConditionSchema>;

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
  /** The step's own `env`, values as strings; the workflow's env is on ResolvedWorkflow. */
  env: Record<string, string>;
  /** Absolute working directory. */
  cwd: string;
  /** When the step runs once its needs have ended (`if`; default "success"). */
  condition: StepCondition;
  timeoutSeconds: number | undefined;
  retries: number;
  /** Seconds to wait before each retry; 0 when none is set. */
  retryDelaySeconds: number;
  backend: "local" | "slurm";
  /** `defaults.slurm` overlaid with the step's own `slurm`; undefined when neither is set. */
  slurm: SlurmOptions | undefined;
  /** `foreach`: the items, or the file to read them from when the step is ready. */
  foreach?: ForeachSpec | undefined;
  /** With foreach: how many instances may run at once; undefined for no limit of its own. */
  parallel?: number | undefined;
  /** For an instance of a foreach step (made by expandLoop): its loop and item. */
  item?: LoopItem | undefined;
  /** Where the step's id is written in the file, for messages that point back at it. */
  position: { line: number; column: number };
  raw: Step;
}

/** What a `foreach` runs over: items known from the file, or a file read at run time. */
export type ForeachSpec =
  | { kind: "items"; items: string[] }
  | {
      kind: "file";
      /** As written, `${NAME}` and all (see interpolate). */
      written: string;
      /** The step's working directory, which a relative path is relative to. */
      cwd: string;
    };

/** One instance's place in its loop. */
export interface LoopItem {
  /** The foreach step's id. */
  loop: string;
  value: string;
  /** From 0. */
  index: number;
  count: number;
}

export interface ResolvedParam {
  name: string;
  description: string | undefined;
  /** `type`, else the default's YAML type, else the choices', else "string". */
  type: ParamType;
  /** The default as the step will see it, or undefined when the param has none. */
  default: string | undefined;
  /** The only values the param takes, as the step will see them; undefined when any will do. */
  choices: string[] | undefined;
  /** A run must supply a value: true when there is no default unless `required: false`. */
  required: boolean;
}

export interface ResolvedWorkflow {
  id: string;
  name: string;
  description: string | undefined;
  /** Absolute path of the workflow file. */
  file: string;
  /** The exact bytes of the file, copied into the run directory as workflow.yaml. */
  source: Uint8Array;
  env: Record<string, string>;
  /** Params in file order. */
  params: ResolvedParam[];
  /** Name → default of every param that has one: the values a run uses unless told otherwise. */
  paramDefaults: Record<string, string>;
  /** Steps in file order. */
  steps: ResolvedStep[];
  /** `return`: the output of a step that is the run's return value. */
  returns: { step: string; output: string } | undefined;
  raw: Workflow;
}

function stringify(values: Readonly<Record<string, string | number | boolean>> | undefined) {
  return Object.fromEntries(
    Object.entries(values ?? {}).map(([key, value]) => [key, String(value)]),
  );
}

function resolveParams(params: Workflow["params"]): ResolvedParam[] {
  return Object.entries(params ?? {}).map(([name, param]) => {
    const spec = typeof param === "object" ? param : { default: param };
    const fallback = spec.default === undefined ? undefined : String(spec.default);
    return {
      name,
      description: "description" in spec ? spec.description : undefined,
      type: inferParamType(spec),
      default: fallback,
      choices: "choices" in spec && spec.choices ? spec.choices.map(String) : undefined,
      required: fallback === undefined && ("required" in spec ? spec.required !== false : true),
    };
  });
}

function mergeSlurm(
  defaults: SlurmOptions | undefined,
  own: SlurmOptions | undefined,
): SlurmOptions | undefined {
  if (defaults === undefined && own === undefined) return undefined;
  return { ...defaults, ...own };
}

function resolveForeach(foreach: Step["foreach"], cwd: string): ForeachSpec | undefined {
  if (foreach === undefined) return undefined;
  if (Array.isArray(foreach)) return { kind: "items", items: foreach.map(String) };
  if (typeof foreach === "object") {
    return { kind: "file", written: foreach.file, cwd };
  }
  // The schema accepted the text, so it parses.
  const parsed = parseForeachText(foreach);
  return { kind: "items", items: parsed.ok ? parsed.items : [] };
}

/**
 * The instances of a foreach step for its items: each a step of its own with an id such as
 * `mesh[coarse]` (see instanceIds), the loop's settings, no needs (the loop's were met) and
 * no foreach.
 */
export function expandLoop(step: ResolvedStep, items: readonly string[]): ResolvedStep[] {
  const ids = instanceIds(step.id, items);
  return items.map((value, index) => {
    const id = ids[index] as string;
    return {
      ...step,
      id,
      name: `${step.name}${id.slice(step.id.length)}`,
      needs: [],
      condition: "success",
      foreach: undefined,
      parallel: undefined,
      item: { loop: step.id, value, index, count: items.length },
    };
  });
}

export interface ResolveInput {
  readonly workflow: Workflow;
  readonly stepOrder: readonly string[];
  readonly stepPosition: (id: string) => { line: number; column: number };
  readonly file: string;
  readonly source: Uint8Array;
}

export function resolveWorkflow(input: ResolveInput): ResolvedWorkflow {
  const { workflow, file } = input;
  const directory = dirname(file);
  const defaults = workflow.defaults;
  const steps = input.stepOrder.map((id): ResolvedStep => {
    const step = workflow.steps[id] as Step;
    const needs =
      step.needs === undefined ? [] : typeof step.needs === "string" ? [step.needs] : step.needs;
    const timeout = step.timeout ?? defaults?.timeout;
    const cwd = resolve(directory, step.cwd ?? defaults?.cwd ?? ".");
    return {
      id,
      name: step.name ?? id,
      run: step.run,
      needs: [...needs],
      env: stringify(step.env),
      cwd,
      condition: step.if ?? "success",
      timeoutSeconds: timeout === undefined ? undefined : durationSeconds(timeout),
      retries: step.retries ?? defaults?.retries ?? 0,
      retryDelaySeconds: durationSeconds(step.retryDelay ?? defaults?.retryDelay ?? 0),
      backend: step.backend ?? defaults?.backend ?? "local",
      slurm: mergeSlurm(defaults?.slurm, step.slurm),
      foreach: resolveForeach(step.foreach, cwd),
      parallel: step.parallel,
      position: input.stepPosition(id),
      raw: step,
    };
  });
  const params = resolveParams(workflow.params);
  const paramDefaults: Record<string, string> = {};
  for (const param of params)
    if (param.default !== undefined) paramDefaults[param.name] = param.default;
  return {
    id: workflow.id ?? workflowIdForPath(file),
    name: workflow.name ?? basename(file, extname(file)),
    description: workflow.description,
    file,
    source: input.source,
    env: stringify(workflow.env),
    params,
    paramDefaults,
    steps,
    returns: workflow.return === undefined ? undefined : { ...workflow.return },
    raw: workflow,
  };
}
