// The checks a workflow passes before a run directory is made for it, shared by the two ways
// a run starts: in-process (runWorkflow) and detached (the executor on a staged directory).
// Each failure is a RunyardError naming the workflow file as the user wrote it.
import type { ResolvedWorkflow } from "@runyard/schema";
import { resolveParamValues } from "@runyard/schema";
import type { Backend } from "./backend.js";
import { BackendUnavailableError, ParamsError } from "./errors.js";

/** Refuses what this executor cannot run; returns the value of every param. */
export function checkRunnable(
  workflow: ResolvedWorkflow,
  workflowPath: string,
  given: Readonly<Record<string, string>>,
  backends: Readonly<Record<string, Backend>>,
): Record<string, string> {
  const params = resolveParamValues(workflow, given);
  if (!params.ok) {
    throw new ParamsError(
      workflowPath,
      params.problems.map((problem) => problem.message),
    );
  }
  for (const step of workflow.steps) {
    if (!backends[step.backend]) {
      throw new BackendUnavailableError(step.id, step.backend, Object.keys(backends));
    }
  }
  return params.values;
}
