// runWorkflow: the executor's public entry. Everything that can be refused is checked before
// the run directory exists (an invalid workflow, fields this executor does not support yet,
// an unavailable backend, a socket path too long, an abort already signalled), so a refused
// run leaves nothing behind.
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { checkSocketPath } from "@runyard/ipc";
import {
  loadWorkflowFile,
  parseRunId,
  parseWorkflow,
  type ResolvedWorkflow,
  runDirectory,
  WorkflowError,
} from "@runyard/schema";
import { createRunDirectory, diskReserveBytes, runPaths } from "@runyard/store";
import { abortReason } from "./abort.js";
import { checkRunnable } from "./check-runnable.js";
import { defaultBackends } from "./default-backends.js";
import { RunAbortedError, RunOptionsError } from "./errors.js";
import { startMeta, statusSteps } from "./run-meta.js";
import type { RunResult, RunWorkflowOptions } from "./run-options.js";
import { RunSession } from "./run-session.js";
import { checkMaxSlurmJobs } from "./slurm-job.js";

// Any id: every run id has the same length, which is all the socket path check needs.
const SAMPLE_RUN_ID = "00000000-0000-7000-8000-000000000000";

function parsedWorkflow(source: Uint8Array | string, file: string): ResolvedWorkflow {
  const parsed = parseWorkflow(source, resolve(file));
  if (!parsed.ok) throw new WorkflowError(file, parsed.problems);
  return parsed.workflow;
}

export async function runWorkflow(options: RunWorkflowOptions): Promise<RunResult> {
  if (options.signal?.aborted) throw new RunAbortedError(abortReason(options.signal));
  const maxParallel = options.maxParallel ?? availableParallelism();
  if (!Number.isSafeInteger(maxParallel) || maxParallel < 1) {
    throw new RunOptionsError(`maxParallel must be a positive integer, not ${maxParallel}`);
  }
  const maxSlurmJobs = checkMaxSlurmJobs(options.maxSlurmJobs);
  const killGraceMs = options.killGraceMs ?? 5000;
  if (!(killGraceMs >= 0))
    throw new RunOptionsError(`killGraceMs must be >= 0, not ${killGraceMs}`);
  const runId = options.runId === undefined ? undefined : parseRunId(options.runId);
  const hooksParallel = options.hooksParallel;
  if (hooksParallel !== undefined && !(Number.isSafeInteger(hooksParallel) && hooksParallel >= 1)) {
    throw new RunOptionsError(`hooksParallel must be a positive integer, not ${hooksParallel}`);
  }

  const workflow =
    options.workflowSource === undefined
      ? await loadWorkflowFile(options.workflowFile)
      : parsedWorkflow(options.workflowSource, options.workflowFile);
  const backends =
    options.backends ?? defaultBackends(workflow, { env: options.env ?? process.env });
  const params = checkRunnable(workflow, options.workflowFile, options.params ?? {}, backends);
  const runsRoot = resolve(options.runsRoot);
  checkSocketPath(runPaths(runDirectory(runsRoot, runId ?? SAMPLE_RUN_ID)).socket);
  if (options.signal?.aborted) throw new RunAbortedError(abortReason(options.signal));

  const created = await createRunDirectory(runsRoot, {
    ...(runId === undefined ? {} : { runId }),
    workflowSource: workflow.source,
    meta: startMeta(workflow, params),
    reserveBytes: diskReserveBytes(workflow.steps.length),
    steps: statusSteps(workflow),
  });
  const output = options.output ?? false;
  const session = new RunSession({
    workflow,
    created,
    backends,
    maxParallel,
    maxSlurmJobs,
    killGraceMs,
    env: options.env ?? process.env,
    params,
    onEvent: options.onEvent,
    output: typeof output === "boolean" ? output : new Set(output),
    signal: options.signal,
    hooks: options.hooks,
    hooksParallel,
    binDirectory: options.binDirectory,
  });
  return session.run();
}
