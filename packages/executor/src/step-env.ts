// The environment a step sees: the executor's environment, then the workflow's env and params
// (never the same name: the loader refuses that), then the step's env, then Runyard's own
// variables (which win: a step must be able to trust them). The directory of the `runyard` that
// started the run goes first on PATH, so that `runyard log` in a step is that Runyard.
import { delimiter } from "node:path";
import { ENV, type ResolvedStep, type ResolvedWorkflow } from "@runyard/schema";
import type { RunPaths } from "@runyard/store";

export interface StepEnvironmentInput {
  base: NodeJS.ProcessEnv;
  workflow: ResolvedWorkflow;
  params: Readonly<Record<string, string>>;
  step: ResolvedStep;
  runId: string;
  paths: RunPaths;
  captureSeq: number;
  attempt: number;
  /** What the steps upstream of it wrote to RUNYARD_OUTPUT (see step-outputs.ts). */
  outputs?: Readonly<Record<string, string>> | undefined;
  /** Where this attempt writes its own outputs: RUNYARD_OUTPUT. */
  outputFile?: string | undefined;
  /** Put first on PATH (launch.json's binDirectory), if given. */
  binDirectory?: string | undefined;
}

/**
 * `env` without Runyard's step-scoped variables (RUNYARD_RUN_ID, RUNYARD_STEP_SEQ, …): what a
 * process started from a step of another run (`runyard run` in a step) inherited, and which
 * would point into that run's directory — or, for the crash reaper's scan of environments,
 * make this run's executor and watchdog look like processes of the enclosing run's step. Where
 * runs live and the user's settings (RUNYARD_RUNS_DIR, RUNYARD_HOME, RUNYARD_CONFIG) are kept.
 */
export function withoutStepVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result = { ...env };
  for (const name of Object.values(ENV)) {
    if (name !== ENV.runsDir && name !== ENV.home && name !== ENV.config) delete result[name];
  }
  return result;
}

/**
 * `directory` first on `path`, once: a run started from a step of another (its `runyard` the
 * same launcher) does not grow PATH by one entry per level.
 */
export function withFirstOnPath(directory: string, path: string | undefined): string {
  if (!path) return directory;
  return path === directory || path.startsWith(`${directory}${delimiter}`)
    ? path
    : `${directory}${delimiter}${path}`;
}

export function stepEnvironment(input: StepEnvironmentInput): NodeJS.ProcessEnv {
  // Variables this run does not set must not leak in from an enclosing run (a workflow started
  // from a step of another): they would point into someone else's run directory.
  const env = withoutStepVariables({
    ...input.base,
    ...input.workflow.env,
    ...input.params,
    ...input.outputs,
    ...input.step.env,
  });
  const item = input.step.item;
  return {
    ...env,
    ...(input.binDirectory === undefined
      ? {}
      : { PATH: withFirstOnPath(input.binDirectory, env.PATH) }),
    [ENV.runId]: input.runId,
    [ENV.runDir]: input.paths.directory,
    [ENV.artifactsDir]: input.paths.artifacts,
    [ENV.summaryFile]: input.paths.summary,
    [ENV.workflowId]: input.workflow.id,
    [ENV.stepId]: input.step.id,
    [ENV.stepSeq]: String(input.captureSeq),
    [ENV.attempt]: String(input.attempt),
    [ENV.backend]: input.step.backend,
    ...(input.outputFile === undefined ? {} : { [ENV.output]: input.outputFile }),
    ...(item === undefined
      ? {}
      : {
          [ENV.item]: item.value,
          [ENV.itemIndex]: String(item.index),
          [ENV.itemCount]: String(item.count),
        }),
    [ENV.inboxDir]: input.paths.inbox,
    [ENV.socket]: input.paths.socket,
  };
}
