// The executor's side of the launch contract: take a run directory a front end staged
// (<runs root>/.launch-<runId>/ with workflow.yaml and launch.json), check the workflow the way
// runWorkflow does, commit the directory under its run id with meta.json naming this process,
// and run it to its end. A refusal removes the staged directory, so nothing is left behind —
// but only once it is known to be one: a real directory named `.launch-<runId>` whose
// launch.json names that run. Anything else it was pointed at (a typo, a home directory, a
// workflow file) is refused and left exactly as it was.
import { lstat, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import {
  check,
  isRunId,
  type LaunchRecord,
  LaunchRecordSchema,
  parseWorkflow,
  type ResolvedWorkflow,
  RUN_FILES,
  readInputFile,
  WorkflowError,
  WorkflowReadError,
} from "@runyard/schema";
import {
  commitRunDirectory,
  diskReserveBytes,
  readJsonFile,
  STAGING_PREFIX,
  type StagedRunDirectory,
} from "@runyard/store";
import type { Backend } from "./backend.js";
import { checkRunnable } from "./check-runnable.js";
import { defaultBackends } from "./default-backends.js";
import { RunOptionsError } from "./errors.js";
import { trackLiveRun } from "./live-runs.js";
import { startMeta, statusSteps } from "./run-meta.js";
import type { RunResult } from "./run-options.js";
import { RunSession } from "./run-session.js";
import { SLURM_MAX_JOBS } from "./slurm-job.js";
import { withoutStepVariables } from "./step-env.js";
import { startWatchdog } from "./watchdog.js";

export interface ExecuteStagedOptions {
  /** Aborting cancels the run, as runWorkflow's signal does. */
  signal?: AbortSignal;
  /** Backends by name; default { local }. */
  backends?: Readonly<Record<string, Backend>>;
  /**
   * Called once: with the run's directory when it is committed, run-start is in its timeline
   * and ipc.sock listens; or with the error that stopped it before that. Returning false says
   * the front end that launched the run is gone: the first step does not wait for it to
   * subscribe (launch.json's holdStartMs).
   */
  onStarted?: (
    outcome: { ok: true; directory: string } | { ok: false; error: unknown },
  ) => boolean | undefined;
  /**
   * Start the run's crash watchdog (watchdog.ts; default true): should this process die
   * before the run ends, it stops the processes of the steps that had not ended.
   */
  watchdog?: boolean;
}

/** options.onStarted, called once at most: the first outcome is the one that counts. */
export function reportOnce(
  options: Pick<ExecuteStagedOptions, "onStarted">,
): NonNullable<ExecuteStagedOptions["onStarted"]> {
  let started = false;
  return (outcome) => {
    if (started) return undefined;
    started = true;
    return options.onStarted?.(outcome);
  };
}

/** Runs the staged run directory `staging` to its end. */
export async function executeStagedRun(
  staging: string,
  options: ExecuteStagedOptions = {},
): Promise<RunResult> {
  const report = reportOnce(options);
  let session: RunSession;
  /** Set once `staging` is known to be a staged run directory: only then may it be removed. */
  let staged = false;
  try {
    session = await prepare(
      staging,
      options,
      () =>
        report({
          ok: true,
          directory: join(dirname(staging), basename(staging).slice(STAGING_PREFIX.length)),
        }),
      () => {
        staged = true;
      },
    );
  } catch (error) {
    // Refused before it became a run: leave nothing behind (the staged directory holds only
    // the front end's copy of the workflow, launch.json and this process's log). What is not
    // a staged directory is not this executor's to remove.
    if (staged) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    report({ ok: false, error });
    throw error;
  }
  const runId = basename(staging).slice(STAGING_PREFIX.length);
  return runWatched(session, resolve(dirname(staging), runId), runId, options, report);
}

/**
 * Runs a detached executor's session to its end under the run's crash watchdog (unless
 * `options.watchdog` is false): should this process die before the end, the watchdog stops
 * what the run left running.
 */
export async function runWatched(
  session: RunSession,
  directory: string,
  runId: string,
  options: Pick<ExecuteStagedOptions, "watchdog">,
  report: NonNullable<ExecuteStagedOptions["onStarted"]>,
): Promise<RunResult> {
  const watchdog =
    options.watchdog === false
      ? undefined
      : startWatchdog(directory, runId, (message) => {
          process.stderr.write(`runyard-executor[${process.pid}]: ${message}\n`);
        });
  // A process that exits at once (a second SIGTERM) has killed the steps and recorded the end
  // itself (killAllNow): the watchdog has nothing left to do.
  const untrack = watchdog && trackLiveRun({ killNow: () => watchdog.release() });
  let result: RunResult;
  try {
    result = await session.run();
  } catch (error) {
    // The watchdog is not released: once this process exits it stops what the run left.
    report({ ok: false, error });
    throw error;
  } finally {
    untrack?.();
  }
  watchdog?.release();
  return result;
}

/**
 * The workflow copy in `directory` (as the front end read the original: a regular file of
 * bounded size, opened without blocking — a named pipe in its place would hang this executor
 * past SIGTERM — never through a link), parsed and checked as runnable with launch.json's
 * params: the workflow, the backends it runs on and the value of every param.
 */
export async function loadRunnable(
  directory: string,
  launch: LaunchRecord,
  options: Pick<ExecuteStagedOptions, "backends">,
  copyName: "staged" | "run's",
): Promise<{
  workflow: ResolvedWorkflow;
  backends: Readonly<Record<string, Backend>>;
  params: Record<string, string>;
}> {
  const copy = await readInputFile(join(directory, RUN_FILES.workflow), undefined, {
    followSymlinks: false,
  });
  if (!copy.ok) {
    throw new WorkflowReadError(
      launch.workflowPath,
      `the ${copyName} copy cannot be read: ${copy.reason}`,
      { cause: copy.cause },
    );
  }
  const parsed = parseWorkflow(copy.bytes, launch.workflowFile);
  if (!parsed.ok) throw new WorkflowError(launch.workflowPath, parsed.problems);
  const workflow = parsed.workflow;
  const backends =
    options.backends ??
    defaultBackends(workflow, {
      // Slurm's commands (squeue, scancel… and sbatch, which gets the steps' environment on
      // top) run with the environment the run was launched with, as its steps do: a resume
      // from another shell (another SLURM_CONF, a PATH without Slurm) watches the jobs the
      // run submitted on the cluster it submitted them to.
      env: withoutStepVariables(launch.env),
      onProblem: (message) =>
        process.stderr.write(`runyard-executor[${process.pid}]: ${message}\n`),
    });
  const params = checkRunnable(
    workflow,
    launch.workflowPath,
    Object.fromEntries(launch.params),
    backends,
  );
  return { workflow, backends, params };
}

async function prepare(
  staging: string,
  options: ExecuteStagedOptions,
  onStarted: () => boolean | undefined,
  onRecognised: () => void,
): Promise<RunSession> {
  const name = basename(staging);
  if (!name.startsWith(STAGING_PREFIX) || !isRunId(name.slice(STAGING_PREFIX.length))) {
    throw new RunOptionsError(
      `${staging} is not a staged run directory (its name must be ${STAGING_PREFIX}<run id>)`,
    );
  }
  const stats = await lstat(staging).catch(() => undefined);
  if (!stats?.isDirectory()) {
    throw new RunOptionsError(`${staging} is not a staged run directory (not a directory)`);
  }
  const launchPath = join(staging, RUN_FILES.launch);
  const read = await readJsonFile(launchPath, (input) => check(LaunchRecordSchema, input));
  if (!read.ok) throw read.error;
  const launch = read.value;
  if (name !== `${STAGING_PREFIX}${launch.runId}`) {
    throw new RunOptionsError(`${launchPath}: runId ${launch.runId} does not match ${name}`);
  }
  onRecognised();
  const { workflow, backends, params } = await loadRunnable(staging, launch, options, "staged");
  // The run is valid: the step spawner starts now (Python or Perl: 20-30 ms), while the run directory
  // is committed and the socket opened. Should the run go no further, it ends with this process.
  for (const backend of Object.values(backends)) backend.warm?.();
  const staged: StagedRunDirectory = {
    runId: launch.runId,
    staging,
    directory: join(dirname(staging), launch.runId),
  };
  let created: Awaited<ReturnType<typeof commitRunDirectory>>;
  try {
    options.signal?.throwIfAborted();
    const meta = startMeta(workflow, params, launch.cwd);
    if (launch.rerunOf !== undefined) meta.rerunOf = launch.rerunOf;
    created = await commitRunDirectory(staged, meta, {
      reserveBytes: diskReserveBytes(workflow.steps.length),
      steps: statusSteps(workflow),
    });
  } catch (error) {
    // Refused after all (a signal while it waited for its go, a commit that failed): the
    // warmed spawner must go, or it keeps this process alive, refused, for ever.
    for (const backend of Object.values(backends)) backend.close?.();
    throw error;
  }
  return new RunSession({
    workflow,
    created,
    backends,
    maxParallel: launch.maxParallel,
    maxSlurmJobs: launch.maxSlurmJobs ?? SLURM_MAX_JOBS,
    killGraceMs: launch.killGraceMs,
    holdStartMs: launch.holdStartMs,
    binDirectory: launch.binDirectory,
    hooks: launch.hooks,
    hooksParallel: launch.hooksParallel,
    env: launch.env,
    params,
    onEvent: undefined,
    output: false,
    signal: options.signal,
    onStarted,
  });
}
