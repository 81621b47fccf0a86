// launchRun: how a front end (the CLI, the GUI, an integrator) starts a run that outlives it.
// It stages the run directory (the workflow copy first, then launch.json), spawns the executor
// detached — its own session, stdio to executor.log, no terminal to hang up — and waits for its
// one-line report on a pipe: started (committed, run-start written, ipc.sock listening), or
// refused (an invalid workflow, a missing param), in which case nothing is left behind. From
// then on the front end is just another client of ipc.sock.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { open, rm, rmdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { checkSocketPath } from "@runyard/ipc";
import { fromRunError } from "@runyard/protocol";
import {
  FILE_MODE,
  type LaunchRecord,
  now,
  parseRunId,
  RunyardError,
  readInputFile,
  runDirectory,
  WorkflowReadError,
} from "@runyard/schema";
import {
  newRunId,
  runPaths,
  type StagedRunDirectory,
  shortHostname,
  stageRunDirectory,
} from "@runyard/store";
import { RunOptionsError } from "./errors.js";
import type { StartReport } from "./start-report.js";
import { withoutStepVariables } from "./step-env.js";
import { executorVersion } from "./version.js";

/**
 * The executor's program: the package's bundled build (tests run from src/). Found through the
 * package, not beside this file: a front end may have bundled this module into its own files
 * (the CLI does), far from the package's dist/.
 */
export const EXECUTOR_BIN = fileURLToPath(
  import.meta.url.endsWith(".ts")
    ? new URL("../dist/executor.bundle.js", import.meta.url)
    : new URL("dist/executor.bundle.js", import.meta.resolve("@runyard/executor/package.json")),
);

/**
 * V8 flags of the executor's Node. Young-generation semi-spaces of 2 MiB instead of V8's
 * 16: the executor lives as long as its run, on a login node shared with others, and makes
 * short-lived garbage at a steady rate (events, status snapshots); measured, its peak RSS
 * goes from 103 to 77 MB over 1,000 steps and from 169 to 149 MB over 10,000, with the run's
 * time within the noise (docs/performance.md).
 */
export const EXECUTOR_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=2"];

export interface LaunchRunOptions {
  workflowFile: string;
  runsRoot: string;
  /** Values for the workflow's params (NAME → value); the executor checks them. */
  params?: Readonly<Record<string, string>>;
  /** The environment steps start from (default process.env): the user's shell's. */
  env?: NodeJS.ProcessEnv;
  /** The working directory the run was started from (default process.cwd()). */
  cwd?: string;
  maxParallel?: number;
  killGraceMs?: number;
  runId?: string;
  /** Who launches, for launch.json (default runyard-executor/<version>). */
  client?: string;
  /**
   * The launcher will subscribe at once: hold the first step up to this long for it (see
   * LaunchRecord.holdStartMs). Default 0: start at once (a detached launch).
   */
  holdStartMs?: number;
  /** Longest wait for the executor's report, in ms (default 60 000). */
  startTimeoutMs?: number;
  /**
   * Called with the executor's process id as soon as it is spawned, before it has reported
   * (the reliability suites kill it at chosen moments of its start).
   */
  onSpawn?: (pid: number) => void;
}

export interface LaunchedRun {
  runId: string;
  /** `<runs root>/<runId>`, committed: meta.json, the timeline and ipc.sock are there. */
  directory: string;
  /** The executor's process id. */
  pid: number;
}

/** The executor did not report within the time allowed, or died without a word. */
export class ExecutorStartError extends RunyardError {
  constructor(message: string, hint: string) {
    super("E_EXECUTOR_START", message, { hint });
  }
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
async function withLog(error: unknown, staged: StagedRunDirectory): Promise<unknown> {
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

/**
 * The executor's own environment (the steps get theirs whole, from launch.json). Launched from
 * a step of another run, it must not carry that step's RUNYARD_RUN_ID and RUNYARD_STEP_SEQ:
 * the enclosing run's crash reaper would take it for one of its step's processes (the steps'
 * environment drops them too: step-env.ts). Nor NODE_EXTRA_CA_CERTS: Node parses the
 * certificates at every start (~60 ms on some machines), and the executor makes no TLS
 * connection.
 */
function executorEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _certs, ...rest } = env;
  return withoutStepVariables(rest);
}

/** Starts a detached run of `workflowFile`; resolves once it runs, rejects if it was refused. */
export async function launchRun(options: LaunchRunOptions): Promise<LaunchedRun> {
  const maxParallel = options.maxParallel ?? availableParallelism();
  if (!Number.isSafeInteger(maxParallel) || maxParallel < 1) {
    throw new RunOptionsError(`maxParallel must be a positive integer, not ${maxParallel}`);
  }
  const killGraceMs = options.killGraceMs ?? 5000;
  if (!Number.isSafeInteger(killGraceMs) || killGraceMs < 0) {
    throw new RunOptionsError(`killGraceMs must be a whole number >= 0, not ${killGraceMs}`);
  }
  const runId = options.runId === undefined ? newRunId() : parseRunId(options.runId);
  const cwd = options.cwd ?? process.cwd();
  const workflowFile = resolve(cwd, options.workflowFile);
  const runsRoot = resolve(cwd, options.runsRoot);
  checkSocketPath(runPaths(runDirectory(runsRoot, runId)).socket);
  const read = await readInputFile(workflowFile);
  if (!read.ok) {
    throw new WorkflowReadError(options.workflowFile, read.reason, { cause: read.cause });
  }
  const env = options.env ?? process.env;
  const launch: LaunchRecord = {
    schemaVersion: 1,
    runId,
    workflowFile,
    workflowPath: options.workflowFile,
    cwd,
    env: stringEnvironment(env),
    params: Object.entries(options.params ?? {}),
    maxParallel,
    killGraceMs,
    ...(options.holdStartMs ? { holdStartMs: options.holdStartMs } : {}),
    launchedBy: {
      client: options.client ?? `runyard-executor/${executorVersion()}`,
      pid: process.pid,
      host: shortHostname(),
    },
    createdAt: now(),
  };
  const rootExisted = existsSync(runsRoot);
  const staged = await stageRunDirectory(runsRoot, { workflowSource: read.bytes, launch });
  const log = openSync(runPaths(staged.staging).executorLog, "a", FILE_MODE);
  let report: StartReport;
  try {
    report = await spawnExecutor(
      staged.staging,
      cwd,
      executorEnvironment(env),
      log,
      options.startTimeoutMs ?? 60_000,
      options.onSpawn,
    );
  } catch (error) {
    // The executor never got far enough to clean up after itself.
    const explained = await withLog(error, staged);
    await rm(staged.staging, { recursive: true, force: true }).catch(() => undefined);
    throw explained;
  } finally {
    closeSync(log);
  }
  if (!report.ok) {
    // A refused run leaves nothing behind: not even the runs root, if this launch made it.
    if (!rootExisted) await rmdir(runsRoot).catch(() => undefined);
    throw fromRunError(report.error, "the executor failed to start");
  }
  return { runId, directory: staged.directory, pid: report.pid };
}

function spawnExecutor(
  staging: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  log: number,
  timeoutMs: number,
  onSpawn: ((pid: number) => void) | undefined,
): Promise<StartReport> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [...EXECUTOR_NODE_FLAGS, EXECUTOR_BIN, staging, "--ready-fd=3"],
      {
        cwd,
        env,
        detached: true,
        stdio: ["ignore", log, log, "pipe"],
      },
    );
    if (child.pid !== undefined) onSpawn?.(child.pid);
    const pipe = child.stdio[3] as Readable;
    let text = "";
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      pipe.destroy();
      child.unref();
      outcome();
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(() =>
        reject(
          new ExecutorStartError(
            `the executor did not start within ${timeoutMs / 1000} s`,
            `see ${staging}/executor.log`,
          ),
        ),
      );
    }, timeoutMs);
    pipe.setEncoding("utf8");
    pipe.on("data", (chunk: string) => {
      text += chunk;
      const newline = text.indexOf("\n");
      if (newline < 0) return;
      try {
        const report = JSON.parse(text.slice(0, newline)) as StartReport;
        finish(() => resolvePromise(report));
      } catch (error) {
        finish(() => reject(error));
      }
    });
    pipe.on("error", () => undefined);
    child.on("error", (error) => finish(() => reject(error)));
    child.on("exit", (code, signal) =>
      finish(() =>
        reject(
          new ExecutorStartError(
            `the executor exited before the run started (${signal ?? `exit ${code}`})`,
            `see ${staging}/executor.log`,
          ),
        ),
      ),
    );
  });
}
