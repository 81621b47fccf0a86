// launchRun: how a front end (the CLI, the GUI, an integrator) starts a run that outlives it.
// It makes the staging directory and spawns the executor there detached — its own session,
// stdio to executor.log, no terminal to hang up — at once (prestart.ts), so that the
// executor loads while the front end copies the workflow and writes launch.json; then it says
// go and waits for the executor's one-line report on a pipe: started (committed, run-start
// written, ipc.sock listening), or refused (an invalid workflow, a missing param), in which
// case nothing is left behind. From then on the front end is just another client of ipc.sock.
import { open, rm, rmdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { fromRunError } from "@runyard/protocol";
import {
  type LaunchHook,
  type LaunchRecord,
  now,
  readInputFile,
  WorkflowReadError,
} from "@runyard/schema";
import { fillStagingDirectory, runPaths, shortHostname } from "@runyard/store";
import { RunOptionsError } from "./errors.js";
import { ExecutorStartError, type PrestartedExecutor, prestartExecutor } from "./prestart.js";
import { checkMaxSlurmJobs } from "./slurm-job.js";
import type { StartReport } from "./start-report.js";
import { executorVersion } from "./version.js";

export { EXECUTOR_BIN, EXECUTOR_NODE_FLAGS, ExecutorStartError } from "./prestart.js";

export interface LaunchRunOptions {
  /**
   * The workflow file (relative to `cwd`): its directory anchors the steps' relative `cwd`s,
   * its path the workflow's id and messages. Its bytes are the run's workflow unless
   * `workflowSource` is given.
   */
  workflowFile: string;
  /**
   * The workflow's bytes, when they are not to be read from `workflowFile` now: a rerun
   * launches the copy an earlier run kept (readRerunSource), whatever its file holds today.
   */
  workflowSource?: Uint8Array;
  /** The run this one repeats (launch.json's and meta.json's rerunOf). */
  rerunOf?: string;
  runsRoot: string;
  /** Values for the workflow's params (NAME → value); the executor checks them. */
  params?: Readonly<Record<string, string>>;
  /** The environment steps start from (default process.env): the user's shell's. */
  env?: NodeJS.ProcessEnv;
  /** The working directory the run was started from (default process.cwd()). */
  cwd?: string;
  maxParallel?: number;
  /** Slurm jobs queued or running at once (default 100). */
  maxSlurmJobs?: number;
  killGraceMs?: number;
  runId?: string;
  /** Who launches, for launch.json (default runyard-executor/<version>). */
  client?: string;
  /**
   * The launcher will subscribe at once: hold the first step up to this long for it (see
   * LaunchRecord.holdStartMs). Default 0: start at once (a detached launch).
   */
  holdStartMs?: number;
  /**
   * A directory holding the front end's `runyard` launcher (launch.json's binDirectory): the
   * executor puts it first on every step's PATH, for the commands a step runs (runyard log).
   */
  binDirectory?: string;
  /**
   * Commands to run on the run's events, resolved (launch.json's hooks; resolveHooks in
   * @runyard/store finds a user's), and how many may run at once.
   */
  hooks?: readonly LaunchHook[];
  hooksParallel?: number;
  /** Longest wait for the executor's report, in ms (default 60 000). */
  startTimeoutMs?: number;
  /**
   * Called with the executor's process id as soon as it is spawned, before it has reported
   * (the reliability suites kill it at chosen moments of its start).
   */
  onSpawn?: (pid: number) => void;
  /**
   * An executor the front end started earlier with prestartExecutor (the CLI does, before it
   * loads its own modules). Used if it fits this launch (same runs root, environment object,
   * working directory and run id); otherwise it is abandoned and a new one started. Either
   * way launchRun owns it from here.
   */
  prestarted?: PrestartedExecutor;
}

export interface LaunchedRun {
  runId: string;
  /** `<runs root>/<runId>`, committed: meta.json, the timeline and ipc.sock are there. */
  directory: string;
  /** The executor's process id. */
  pid: number;
}

/** The last lines of an executor.log (at most its last 4 KiB), or "" without one. */
async function logTail(path: string, maxBytes = 4096): Promise<string> {
  try {
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - maxBytes);
      const buffer = Buffer.alloc(size - start);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
      let text = buffer.subarray(0, bytesRead).toString("utf8");
      // Cut mid-file: drop the partial first line.
      if (start > 0) text = text.slice(text.indexOf("\n") + 1);
      return text.trimEnd();
    } finally {
      await handle.close();
    }
  } catch {
    return "";
  }
}

/**
 * The executor died or hung before it reported: the staged directory, log and all, is about to
 * be removed, so what its log says goes into the error instead of a path that will not exist.
 */
async function withLog(error: unknown, staged: PrestartedExecutor["staged"]): Promise<unknown> {
  if (!(error instanceof ExecutorStartError)) return error;
  // Where the log is: still staged, or in the run directory if the executor got that far.
  const tail =
    (await logTail(runPaths(staged.staging).executorLog)) ||
    (await logTail(runPaths(staged.directory).executorLog));
  const hint =
    tail === "" ? "it wrote nothing to its log" : `its log said:\n${tail.replace(/^/gm, "  ")}`;
  return new ExecutorStartError(error.message, hint);
}

function stringEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) result[name] = value;
  return result;
}

/** Starts a detached run of `workflowFile`; resolves once it runs, rejects if it was refused. */
export async function launchRun(options: LaunchRunOptions): Promise<LaunchedRun> {
  let executor = options.prestarted;
  try {
    const maxParallel = options.maxParallel ?? availableParallelism();
    if (!Number.isSafeInteger(maxParallel) || maxParallel < 1) {
      throw new RunOptionsError(`maxParallel must be a positive integer, not ${maxParallel}`);
    }
    const maxSlurmJobs = checkMaxSlurmJobs(options.maxSlurmJobs);
    const killGraceMs = options.killGraceMs ?? 5000;
    if (!Number.isSafeInteger(killGraceMs) || killGraceMs < 0) {
      throw new RunOptionsError(`killGraceMs must be a whole number >= 0, not ${killGraceMs}`);
    }
    const cwd = options.cwd ?? process.cwd();
    const env = options.env ?? process.env;
    const setting = {
      runsRoot: options.runsRoot,
      env,
      cwd,
      ...(options.runId === undefined ? {} : { runId: options.runId }),
    };
    if (executor !== undefined && !executor.fits(setting)) {
      executor.abandon();
      executor = undefined;
    }
    // The executor loads (a Node start, its bundle) while the workflow is read and copied.
    executor ??= await prestartExecutor(setting);
    if (executor.pid !== undefined) options.onSpawn?.(executor.pid);
    const workflowFile = resolve(cwd, options.workflowFile);
    let workflowSource = options.workflowSource;
    if (workflowSource === undefined) {
      const read = await readInputFile(workflowFile);
      if (!read.ok) {
        throw new WorkflowReadError(options.workflowFile, read.reason, { cause: read.cause });
      }
      workflowSource = read.bytes;
    }
    const launch: LaunchRecord = {
      schemaVersion: 1,
      runId: executor.staged.runId,
      workflowFile,
      workflowPath: options.workflowFile,
      cwd,
      env: stringEnvironment(env),
      params: Object.entries(options.params ?? {}),
      maxParallel,
      ...(options.maxSlurmJobs === undefined ? {} : { maxSlurmJobs }),
      killGraceMs,
      ...(options.holdStartMs ? { holdStartMs: options.holdStartMs } : {}),
      ...(options.binDirectory === undefined ? {} : { binDirectory: options.binDirectory }),
      ...(options.hooks === undefined || options.hooks.length === 0
        ? {}
        : { hooks: [...options.hooks] }),
      ...(options.hooksParallel === undefined ? {} : { hooksParallel: options.hooksParallel }),
      ...(options.rerunOf === undefined ? {} : { rerunOf: options.rerunOf }),
      launchedBy: {
        client: options.client ?? `runyard-executor/${executorVersion()}`,
        pid: process.pid,
        host: shortHostname(),
      },
      createdAt: now(),
    };
    await fillStagingDirectory(executor.staged, { workflowSource, launch });
  } catch (error) {
    // Nothing was started: the executor exits, the staging directory goes.
    executor?.abandon();
    throw error;
  }
  const { staged } = executor;
  let report: StartReport;
  try {
    report = await executor.start(options.startTimeoutMs ?? 60_000);
  } catch (error) {
    // The executor never got far enough to clean up after itself.
    const explained = await withLog(error, staged);
    await rm(staged.staging, { recursive: true, force: true }).catch(() => undefined);
    throw explained;
  }
  if (!report.ok) {
    // A refused run leaves nothing behind: not even the runs root, if this launch made it.
    if (!executor.rootExisted) await rmdir(executor.runsRoot).catch(() => undefined);
    throw fromRunError(report.error, "the executor failed to start");
  }
  return { runId: staged.runId, directory: staged.directory, pid: report.pid };
}
