// What a run of a workflow would do, worked out without running anything (`runyard run
// --dry-run`): each param's value and where it came from, and the steps in the order they can
// start. Pure: no files, no processes, so any front end can show a plan, and a test can pin it.

import { resolve } from "node:path";
import { interpolate } from "./foreach.js";
import type { ParamType } from "./param-types.js";
import {
  expandLoop,
  type ResolvedStep,
  type ResolvedWorkflow,
  type StepCondition,
} from "./workflow-resolve.js";

/**
 * Where a param's value comes from: its default, a params file, `-p` on the command line, or
 * the earlier run a rerun repeats.
 */
export type ParamSource = "default" | "file" | "flag" | "run";

export interface PlannedParam {
  name: string;
  type: ParamType;
  choices: string[] | undefined;
  /** The value the steps would see; undefined for an optional param left unset. */
  value: string | undefined;
  /** Where `value` comes from; undefined when there is none. */
  source: ParamSource | undefined;
}

/** What a foreach step runs over, as far as it is known before the run. */
export interface PlannedLoop {
  /** Its `parallel`; undefined for no limit of its own. */
  parallel: number | undefined;
  /** The instances (id and item), when the items are written in the workflow. */
  instances: { id: string; item: string }[] | undefined;
  /**
   * The item file, read only when the step is ready: its path with the params' values in
   * place (${RUNYARD_RUN_DIR} stays, as the run directory does not exist yet).
   */
  file: string | undefined;
}

export interface PlannedStep {
  id: string;
  name: string;
  /**
   * 1 for a step that needs nothing, else one more than the latest stage among its needs: the
   * steps of a stage can start once every earlier stage they depend on has ended.
   */
  stage: number;
  needs: string[];
  condition: StepCondition;
  timeoutSeconds: number | undefined;
  retries: number;
  retryDelaySeconds: number;
  backend: "local" | "slurm";
  cwd: string;
  run: string;
  /** For a foreach step: what it runs over. */
  foreach: PlannedLoop | undefined;
}

export interface WorkflowPlan {
  workflowId: string;
  workflowName: string;
  /** Absolute path of the workflow file. */
  workflowFile: string;
  /** In file order. */
  params: PlannedParam[];
  /** In the order they can start: by stage, then in file order (the scheduler's order). */
  steps: PlannedStep[];
}

export interface PlanParams {
  /** Every param's value, as resolveParamValues gives them (defaults filled in). */
  readonly values: Readonly<Record<string, string>>;
  /** Where the values that were given came from; a value not listed here is a default. */
  readonly sources?: Readonly<Record<string, Exclude<ParamSource, "default">>>;
}

function plannedLoop(
  step: ResolvedStep,
  values: Readonly<Record<string, string>>,
): PlannedLoop | undefined {
  const loop = step.foreach;
  if (loop === undefined) return undefined;
  if (loop.kind === "file") {
    const written = interpolate(loop.written, values);
    const file = written.startsWith("${") ? written : resolve(loop.cwd, written);
    return { parallel: step.parallel, instances: undefined, file };
  }
  const instances = expandLoop(step, loop.items).map((instance) => ({
    id: instance.id,
    item: instance.item?.value ?? "",
  }));
  return { parallel: step.parallel, instances, file: undefined };
}

/**
 * The plan of a run of a valid workflow (its needs form no cycle) with the params' values
 * already checked (resolveParamValues).
 */
export function planWorkflow(workflow: ResolvedWorkflow, params: PlanParams): WorkflowPlan {
  const given = params.sources ?? {};
  const plannedParams = workflow.params.map((param): PlannedParam => {
    const value = Object.hasOwn(params.values, param.name) ? params.values[param.name] : undefined;
    const source = Object.hasOwn(given, param.name) ? given[param.name] : undefined;
    return {
      name: param.name,
      type: param.type,
      choices: param.choices,
      value,
      source: value === undefined ? undefined : (source ?? "default"),
    };
  });

  // Kahn's algorithm: a step is settled once all its needs are, so its stage is final.
  const dependents = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  for (const step of workflow.steps) {
    waiting.set(step.id, step.needs.length);
    for (const need of step.needs) {
      const list = dependents.get(need);
      if (list === undefined) dependents.set(need, [step.id]);
      else list.push(step.id);
    }
  }
  const needsOf = new Map(workflow.steps.map((step) => [step.id, step.needs]));
  const stages = new Map<string, number>();
  const ready = workflow.steps.filter((step) => step.needs.length === 0).map((step) => step.id);
  while (ready.length > 0) {
    const id = ready.pop() as string;
    const needs = needsOf.get(id) ?? [];
    stages.set(
      id,
      1 + needs.reduce((deepest, need) => Math.max(deepest, stages.get(need) ?? 0), 0),
    );
    for (const dependent of dependents.get(id) ?? []) {
      const left = (waiting.get(dependent) ?? 0) - 1;
      waiting.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  if (stages.size !== workflow.steps.length)
    throw new Error("planWorkflow: the needs form a cycle");
  const order = new Map(workflow.steps.map((step, index) => [step.id, index]));
  const steps = workflow.steps
    .map(
      (step): PlannedStep => ({
        id: step.id,
        name: step.name,
        stage: stages.get(step.id) ?? 1,
        needs: [...step.needs],
        condition: step.condition,
        timeoutSeconds: step.timeoutSeconds,
        retries: step.retries,
        retryDelaySeconds: step.retryDelaySeconds,
        backend: step.backend,
        cwd: step.cwd,
        run: step.run,
        foreach: plannedLoop(step, params.values),
      }),
    )
    .sort((a, b) => a.stage - b.stage || (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));

  return {
    workflowId: workflow.id,
    workflowName: workflow.name,
    workflowFile: workflow.file,
    params: plannedParams,
    steps,
  };
}
