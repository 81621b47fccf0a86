// runyard resume: a new executor takes a failed, cancelled or crashed run over in its own
// directory. The front end's half (resumeRun) spawns the executor detached with --resume and
// waits for its one-line report, as launchRun does; the executor's half (executeResume) takes
// the run lock, checks the run may be resumed, stops what a crashed executor left running,
// replays the timeline (resume-state.ts), records the resume in meta.json and runs the steps
// that had not completed, appending to the same timeline after a run-resume event.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, lstatSync } from "node:fs";
import { PassThrough, type Readable } from "node:stream";
import { fromRunError } from "@runyard/protocol";
import { check, LaunchRecordSchema, now, type RunMeta } from "@runyard/schema";
import {
  acquireRunLock,
  type CreatedRunDirectory,
  createDiskReserve,
  currentExecutorIdentity,
  diskReserveBytes,
  ExecutorLog,
  openRegularForAppend,
  probeProcess,
  RESUME_MARKER,
  type RunLock,
  readJsonFile,
  readRun,
  runPaths,
  shortHostname,
  writeMeta,
} from "@runyard/store";
import { reapStrayProcesses, stopOldWatchdogs } from "./crash-reaper.js";
import { ResumeError } from "./errors.js";
import {
  type ExecuteStagedOptions,
  loadRunnable,
  reportOnce,
  runWatched,
} from "./execute-staged.js";
import {
  EXECUTOR_BIN,
  EXECUTOR_NODE_FLAGS,
  ExecutorStartError,
  executorEnvironment,
} from "./prestart.js";
import { replayRun } from "./resume-state.js";
import type { RunResult } from "./run-options.js";
import { RunSession } from "./run-session.js";
import { checkMaxSlurmJobs, SLURM_MAX_JOBS } from "./slurm-job.js";
import type { StartReport } from "./start-report.js";

export interface ExecuteResumeOptions extends ExecuteStagedOptions {
  /** Steps running at once, instead of the run's own (launch.json). */
  maxParallel?: number;
  /** Slurm jobs queued or running at once, instead of the run's own (launch.json). */
  maxSlurmJobs?: number;
  /** The front end's `runyard` directory, for the steps' PATH, instead of the run's own. */
  binDirectory?: string;
  /** Hold the first step for the front end to subscribe, as launch.json's holdStartMs. */
  holdStartMs?: number;
  /** How long to wait for an ended run's executor to exit (default 10 s). */
  exitWaitMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why the run in `directory` cannot be resumed, or how it stands when it can. */
async function judge(
  directory: string,
  exitWaitMs: number,
): Promise<{ meta: RunMeta; crashed: boolean }> {
  const view = await readRun(directory, { timeline: "none" });
  const short = view.runId.slice(-8);
  const host = shortHostname();
  if (view.meta.startedOn !== host) {
    throw new ResumeError(
      `run ${view.runId} was started on ${view.meta.startedOn}, not on ${host}: its processes and socket are there`,
      {
        hint: `resume it on ${view.meta.startedOn}: ssh ${view.meta.startedOn} runyard resume ${short}`,
      },
    );
  }
  switch (view.classification) {
    case "running":
      throw new ResumeError(`run ${view.runId} is running (${view.reason})`, {
        code: "E_RUN_RUNNING",
        hint: `follow it with runyard attach ${short}, or stop it with runyard cancel ${short} first`,
      });
    case "success":
      throw new ResumeError(`run ${view.runId} succeeded: there is nothing to resume`, {
        hint: `runyard rerun ${short} starts it again from the start`,
      });
    case "unknown":
      throw new ResumeError(`cannot tell whether run ${view.runId} still runs: ${view.reason}`);
    default:
      break;
  }
  const crashed = view.classification === "crashed";
  // An ended run's executor may still be closing its socket and heartbeat: let it go first,
  // or it would remove the new executor's socket as its own.
  const pid = view.meta.executor?.pid ?? view.meta.pid;
  const deadline = Date.now() + exitWaitMs;
  while (!crashed && pid !== process.pid && probeProcess(pid) === "alive") {
    if (Date.now() > deadline)
      throw new ResumeError(
        `run ${view.runId} has ended, but its executor (pid ${pid}) has not exited yet`,
        { hint: "try again in a moment" },
      );
    await sleep(50);
  }
  return { meta: view.meta, crashed };
}

/**
 * Resumes the run in `directory` to its end, in this process: the executor's half of
 * runyard resume. Throws ResumeError (nothing changed) when the run cannot be resumed.
 */
export async function executeResume(
  directory: string,
  options: ExecuteResumeOptions = {},
): Promise<RunResult> {
  const report = reportOnce(options);
  let lock: RunLock | undefined;
  let session: RunSession;
  let runId: string;
  try {
    const stats = lstatSync(directory, { throwIfNoEntry: false });
    if (!stats?.isDirectory())
      throw new ResumeError(`${directory} is not a run directory (not a directory)`);
    lock = acquireRunLock(directory, "runyard resume");
    ({ session, runId } = await prepare(directory, options, () => report({ ok: true, directory })));
  } catch (error) {
    lock?.release();
    report({ ok: false, error });
    throw error;
  }
  try {
    return await runWatched(session, directory, runId, options, report);
  } finally {
    lock.release();
  }
}

async function prepare(
  directory: string,
  options: ExecuteResumeOptions,
  onStarted: () => boolean | undefined,
): Promise<{ session: RunSession; runId: string }> {
  const paths = runPaths(directory);
  const { meta, crashed } = await judge(directory, options.exitWaitMs ?? 10_000);
  const read = await readJsonFile(paths.launch, (input) => check(LaunchRecordSchema, input));
  if (!read.ok) {
    const missing = (read.error.cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
    throw new ResumeError(
      `cannot resume run ${meta.runId}: ${read.error.message}`,
      missing
        ? {
            hint: "a run started by an older Runyard has no launch.json: runyard rerun starts it again",
          }
        : undefined,
    );
  }
  const launch = read.value;
  const { workflow, backends, params } = await loadRunnable(directory, launch, options, "run's");
  const log = new ExecutorLog(paths.executorLog);
  try {
    // What a crashed executor left running (if its watchdog did not stop it) goes first: a
    // step must not run twice at once, nor write into captures a new attempt is given.
    if (crashed) {
      const watchdogs = await stopOldWatchdogs(meta.runId);
      if (watchdogs > 0)
        log.write("info", `resume: stopped the crash watchdog the previous executor left`);
      const reaped = await reapStrayProcesses(directory, meta.runId);
      if (reaped.stopped > 0)
        log.write(
          "warn",
          `resume: stopped ${reaped.stopped} process(es) the crashed executor left, of ${reaped.steps.join(", ")}`,
        );
    }
    const state = await replayRun({
      directory,
      summaryPath: paths.summary,
      runId: meta.runId,
      workflowId: workflow.id,
      steps: workflow.steps.map((step) => ({
        nodeId: step.id,
        name: step.name,
        needs: step.needs,
        condition: step.condition ?? "success",
      })),
      workflowPath: paths.workflow,
      startedAt: meta.startedAt,
    });
    const { previous } = state;
    // Slurm jobs outlive their executor. Those of steps that go on are adopted (watched
    // again); the others — the lost attempts' jobs, and a job whose id never reached the
    // timeline (sbatch answered as the executor died), found by its name — are cancelled, as
    // a crashed executor's local processes are stopped above: a step must not run twice.
    const slurm = backends.slurm;
    if (previous === "crashed" && slurm?.cancelLeftovers !== undefined) {
      const { cancelled, error } = await slurm.cancelLeftovers(
        meta.runId,
        state.lost.flatMap((lost) => (lost.jobId === undefined ? [] : [lost.jobId])),
        new Set(state.adopted.map((adopted) => adopted.jobId)),
      );
      // Nothing is changed yet: a step whose old job may run on must not be started again.
      if (error !== undefined)
        throw new ResumeError(
          `cannot resume run ${meta.runId}: the Slurm jobs the crashed executor left cannot be found and cancelled (${error})${cancelled.length > 0 ? `; cancelled ${cancelled.join(", ")}` : ""}`,
          { hint: "a step would run twice at once; try again once Slurm answers" },
        );
      if (cancelled.length > 0)
        log.write(
          "warn",
          `resume: cancelled Slurm job(s) ${cancelled.join(", ")} the crashed executor left, whose steps run again`,
        );
    }
    if (state.adopted.length > 0)
      log.write(
        "info",
        `resume: adopting Slurm job(s) ${state.adopted.map((adopted) => `${adopted.jobId} (${adopted.stepId})`).join(", ")}`,
      );
    for (const backend of Object.values(backends)) backend.warm?.();
    const resumedMeta: RunMeta = {
      ...meta,
      pid: process.pid,
      executor: currentExecutorIdentity(),
      startedOn: shortHostname(),
      endedAt: null,
      finalStatus: null,
      resumes: [
        // Only those that reached the timeline: a resume killed before its run-resume was none.
        ...(meta.resumes ?? []).filter((record) => record.seq <= state.lastSeq),
        { at: now(), pid: process.pid, host: shortHostname(), previous, seq: state.lastSeq + 1 },
      ],
    };
    delete resumedMeta.timelineBytes;
    options.signal?.throwIfAborted();
    log.write(
      "info",
      `${RESUME_MARKER} resume ${state.resume}: the run was ${previous}; taking it over at seq ${state.lastSeq + 1}`,
    );
    // Room for the end on a full disk, as a new run has (best effort: a resume on a full disk
    // finds out soon enough).
    await createDiskReserve(paths.reserve, diskReserveBytes(workflow.steps.length)).catch(
      () => undefined,
    );
    await writeMeta(directory, resumedMeta);
    const created: CreatedRunDirectory = {
      runId: meta.runId,
      directory,
      paths,
      meta: resumedMeta,
    };
    const session = new RunSession({
      workflow,
      created,
      backends,
      maxParallel: options.maxParallel ?? launch.maxParallel,
      maxSlurmJobs: options.maxSlurmJobs ?? launch.maxSlurmJobs ?? SLURM_MAX_JOBS,
      killGraceMs: launch.killGraceMs,
      holdStartMs: options.holdStartMs,
      binDirectory: options.binDirectory ?? launch.binDirectory,
      hooks: launch.hooks,
      hooksParallel: launch.hooksParallel,
      env: launch.env,
      params,
      onEvent: undefined,
      output: false,
      signal: options.signal,
      onStarted,
      resume: state,
    });
    return { session, runId: meta.runId };
  } catch (error) {
    for (const backend of Object.values(backends)) backend.close?.();
    throw error;
  } finally {
    log.flush();
  }
}

export interface ResumeRunOptions {
  /** The run directory. */
  directory: string;
  /** The environment the executor's own is taken from (default process.env). */
  env?: NodeJS.ProcessEnv;
  maxParallel?: number;
  maxSlurmJobs?: number;
  binDirectory?: string;
  /** The front end subscribes at once: hold the first step up to this long for it. */
  holdStartMs?: number;
  /** Longest wait for the executor's report, in ms (default 60 000). */
  startTimeoutMs?: number;
}

export interface ResumedRun {
  runId: string;
  directory: string;
  pid: number;
}

/**
 * Starts a detached executor that resumes the run in `directory`; resolves once it runs
 * (run-resume written, ipc.sock listening), rejects with the reason it refused.
 */
export async function resumeRun(options: ResumeRunOptions): Promise<ResumedRun> {
  const { directory } = options;
  const paths = runPaths(directory);
  let log: number;
  try {
    log = openRegularForAppend(paths.executorLog);
  } catch (error) {
    throw new ResumeError(`cannot resume the run in ${directory}: ${(error as Error).message}`);
  }
  const args = [
    ...EXECUTOR_NODE_FLAGS,
    EXECUTOR_BIN,
    `--resume=${directory}`,
    "--ready-fd=3",
    ...(options.maxParallel === undefined ? [] : [`--max-parallel=${options.maxParallel}`]),
    ...(options.maxSlurmJobs === undefined
      ? []
      : [`--max-slurm-jobs=${checkMaxSlurmJobs(options.maxSlurmJobs)}`]),
    ...(options.binDirectory === undefined ? [] : [`--bin-directory=${options.binDirectory}`]),
    ...(options.holdStartMs === undefined ? [] : [`--hold-start-ms=${options.holdStartMs}`]),
  ];
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(process.execPath, args, {
      cwd: directory,
      env: executorEnvironment(options.env ?? process.env),
      detached: true,
      stdio: ["ignore", log, log, "pipe"],
    });
  } finally {
    closeSync(log);
  }
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const answer = await new Promise<StartReport | Error>((resolve) => {
    let text = "";
    // A spawn that failed at once (EMFILE) has no pipes: its 'error' says what happened.
    const stdio = child.stdio as ChildProcess["stdio"] | undefined;
    const pipe = (stdio?.[3] as Readable | null | undefined) ?? new PassThrough();
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(
        new ExecutorStartError(
          `the executor did not start within ${timeoutMs / 1000} s`,
          `see ${paths.executorLog}`,
        ),
      );
    }, timeoutMs);
    const done = (value: StartReport | Error) => {
      clearTimeout(timer);
      pipe.destroy();
      child.unref();
      resolve(value);
    };
    pipe.setEncoding("utf8");
    pipe.on("error", () => undefined);
    pipe.on("data", (chunk: string) => {
      text += chunk;
      const newline = text.indexOf("\n");
      if (newline < 0) return;
      try {
        done(JSON.parse(text.slice(0, newline)) as StartReport);
      } catch (error) {
        done(error as Error);
      }
    });
    child.on("error", done);
    child.on("close", (code, signal) =>
      done(
        new ExecutorStartError(
          `the executor exited before the run resumed (${signal ?? `exit ${code}`})`,
          `see ${paths.executorLog}`,
        ),
      ),
    );
  });
  if (answer instanceof Error) throw answer;
  if (!answer.ok) throw fromRunError(answer.error, "the executor failed to resume the run");
  return { runId: answer.runId, directory: answer.directory, pid: answer.pid };
}
