// The backends a run has when its caller gives none: local steps through the step spawner, and
// Slurm when a step asks for it — refused before any step runs when sbatch is not there.
import type { ResolvedWorkflow } from "@runyard/schema";
import type { Backend } from "./backend.js";
import type { LocalBackendOptions } from "./local-backend.js";
import { createSlurmBackend } from "./slurm-backend.js";
import { slurmProblem } from "./slurm-job.js";
import { createStepBackend } from "./spawner-backend.js";

export function defaultBackends(
  workflow: ResolvedWorkflow,
  options: LocalBackendOptions & {
    onProblem?: (message: string) => void;
    env?: NodeJS.ProcessEnv;
  } = {},
): Record<string, Backend> {
  const { env = process.env, ...local } = options;
  const backends: Record<string, Backend> = { local: createStepBackend(local) };
  if (workflow.steps.some((step) => step.backend === "slurm")) {
    const problem = slurmProblem(workflow, env);
    if (problem !== undefined) throw problem;
    backends.slurm = createSlurmBackend({ env });
  }
  return backends;
}
