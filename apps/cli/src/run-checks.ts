// What `runyard run` refuses in a valid workflow, for the commands that check without running
// (validate warns, run --dry-run refuses): the checks the executor makes before it creates
// anything (check-runnable.ts), with the backends the CLI's runs have.

import { resolve } from "node:path";
import { BackendUnavailableError, DEFAULT_BACKEND_NAMES, slurmProblem } from "@runyard/executor";
import {
  parseWorkflow,
  type ResolvedWorkflow,
  readInputFile,
  WorkflowError,
  WorkflowReadError,
} from "@runyard/schema";

/** The backends `runyard run` has: runWorkflow's default set, which the CLI runs with. */
export const AVAILABLE_BACKENDS: ReadonlySet<string> = new Set(DEFAULT_BACKEND_NAMES);

/**
 * Throws what the executor would refuse `workflow` for: a backend it does not have, or Slurm
 * steps on a host without Slurm's commands.
 */
export function refuseUnrunnable(workflow: ResolvedWorkflow, env: NodeJS.ProcessEnv): void {
  for (const step of workflow.steps) {
    if (!AVAILABLE_BACKENDS.has(step.backend)) {
      throw new BackendUnavailableError(step.id, step.backend, [...AVAILABLE_BACKENDS]);
    }
  }
  const slurm = slurmProblem(workflow, env);
  if (slurm !== undefined) throw slurm;
}

/**
 * Loads the workflow `runyard run` was given, as the executor would: its problems name the
 * file as the user wrote it (`file`, relative to `cwd`).
 */
export async function loadRunWorkflow(file: string, cwd: string): Promise<ResolvedWorkflow> {
  const path = resolve(cwd, file);
  const read = await readInputFile(path);
  if (!read.ok) throw new WorkflowReadError(file, read.reason, { cause: read.cause });
  const result = parseWorkflow(read.bytes, path);
  if (!result.ok) throw new WorkflowError(file, result.problems);
  return result.workflow;
}
