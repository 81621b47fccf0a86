// Starting the executor before the run is staged, so that its start — a Node process loading
// its bundle, ~40 % of a one-step run — overlaps the front end's own work (loading its modules,
// reading the workflow, writing the staging files). prestartExecutor makes the empty staging
// directory and spawns the executor in it with --launch-fd: the executor loads, then waits for
// one line `go` on that pipe before it reads launch.json. launchRun fills the directory and
// says go (PrestartedExecutor.start); a front end that gives up says nothing (abandon), and the
// executor, seeing the pipe close without a go, removes what is in the directory and exits.
//
// This module loads nothing of zod or of the workflow parser: the CLI calls it before it has
// loaded its own modules (apps/cli/src/early-run.ts).
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, rmdirSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { resolve } from "node:path";
import { PassThrough, type Readable, type Writable } from "node:stream";
import { checkSocketPath } from "@runyard/ipc";
import { FILE_MODE, parseRunId, RunyardError, runDirectory } from "@runyard/schema";
import {
  createStagingDirectory,
  newRunId,
  runPaths,
  type StagedRunDirectory,
} from "@runyard/store";
import { packageFile } from "./package-file.js";
import type { StartReport } from "./start-report.js";
import { withoutStepVariables } from "./step-env.js";

/**
 * The executor's program: the package's bundled build (tests run from src/). Found through the
 * package, not beside this file: a front end may have bundled this module into its own files
 * (the CLI does), far from the package's dist/.
 */
export const EXECUTOR_BIN = packageFile("dist/executor.bundle.js");

/**
 * V8 flags of the executor's Node. Young-generation semi-spaces of 2 MiB instead of V8's
 * 16: the executor lives as long as its run, on a login node shared with others, and makes
 * short-lived garbage at a steady rate (events, status snapshots); measured, its peak RSS
 * goes from 103 to 77 MB over 1,000 steps and from 169 to 149 MB over 10,000, with the run's
 * time within the noise (docs/performance.md).
 */
export const EXECUTOR_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=2"];

/** The executor did not report within the time allowed, or died without a word. */
export class ExecutorStartError extends RunyardError {
  constructor(message: string, hint: string) {
    super("E_EXECUTOR_START", message, { hint });
  }
}

/**
 * The executor's own environment (the steps get theirs whole, from launch.json). Launched from
 * a step of another run, it must not carry that step's RUNYARD_RUN_ID and RUNYARD_STEP_SEQ:
 * the enclosing run's crash reaper would take it for one of its step's processes (the steps'
 * environment drops them too: step-env.ts). Nor NODE_EXTRA_CA_CERTS: Node parses the
 * certificates at every start (~60 ms on some machines), and the executor makes no TLS
 * connection.
 */
export function executorEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _certs, ...rest } = env;
  return withoutStepVariables(rest);
}

export interface PrestartOptions {
  /** The runs root (made if missing); relative to `cwd`. */
  runsRoot: string;
  /** The environment the run is launched with (default process.env); the executor's is taken from it. */
  env?: NodeJS.ProcessEnv;
  /** The working directory the run is launched from (default process.cwd()). */
  cwd?: string;
  /** A run id chosen by the caller; a new UUIDv7 when absent. */
  runId?: string;
}

/** What launchRun needs to know to adopt a prestarted executor (see PrestartedExecutor.fits). */
export interface LaunchSetting {
  runsRoot: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  runId?: string;
}

type State = "waiting" | "started" | "abandoned";

/** An executor spawned in an empty staging directory, waiting for its `go`. */
export class PrestartedExecutor {
  readonly staged: StagedRunDirectory;
  /** The resolved runs root; removed again by abandon() when this call made it. */
  readonly runsRoot: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Whether the runs root was there before: a refused or abandoned run must not leave it. */
  readonly rootExisted: boolean;
  readonly pid: number | undefined;
  #child: ChildProcess;
  #launchPipe: Writable;
  #reportPipe: Readable;
  #state: State = "waiting";
  #report = "";
  #outcome: { report: StartReport } | { error: unknown } | undefined;
  #wake: (() => void) | undefined;

  /** @internal */
  constructor(
    staged: StagedRunDirectory,
    setting: { runsRoot: string; env: NodeJS.ProcessEnv; cwd: string; rootExisted: boolean },
    child: ChildProcess,
  ) {
    this.staged = staged;
    this.runsRoot = setting.runsRoot;
    this.env = setting.env;
    this.cwd = setting.cwd;
    this.rootExisted = setting.rootExisted;
    this.#child = child;
    this.pid = child.pid;
    // First: a spawn that failed at once (EMFILE: out of open files) emits 'error' on the next
    // turn and has no pipes at all; unheard, that error would end the front end.
    child.on("error", (error) => this.#settle({ error }));
    // With no pipes, stand-ins that go nowhere: the 'error' above says what happened.
    const stdio = child.stdio as ChildProcess["stdio"] | undefined;
    this.#launchPipe = (stdio?.[4] as Writable | null | undefined) ?? new PassThrough();
    this.#reportPipe = (stdio?.[3] as Readable | null | undefined) ?? new PassThrough();
    // Everything the executor says or does is heard from now on, so nothing is missed however
    // long the front end takes before it calls start().
    this.#launchPipe.on("error", () => undefined);
    const reportPipe = this.#reportPipe;
    // A waiting executor must not keep the front end's process alive: one that fails before it
    // launches exits as usual (and abandons it on the way out). start() holds a timer.
    child.unref();
    for (const pipe of [reportPipe, this.#launchPipe]) (pipe as Partial<Socket>).unref?.();
    reportPipe.setEncoding("utf8");
    reportPipe.on("error", () => undefined);
    reportPipe.on("data", (chunk: string) => {
      this.#report += chunk;
      const newline = this.#report.indexOf("\n");
      if (newline < 0) return;
      try {
        this.#settle({ report: JSON.parse(this.#report.slice(0, newline)) as StartReport });
      } catch (error) {
        this.#settle({ error });
      }
    });
    // 'close', not 'exit': a refused run's report may still be in the pipe when it exits.
    child.on("close", (code, signal) =>
      this.#settle({
        error: new ExecutorStartError(
          `the executor exited before the run started (${signal ?? `exit ${code}`})`,
          `see ${staged.staging}/executor.log`,
        ),
      }),
    );
  }

  #settle(outcome: { report: StartReport } | { error: unknown }): void {
    if (this.#outcome !== undefined) return;
    this.#outcome = outcome;
    this.#reportPipe.destroy();
    this.#launchPipe.destroy();
    this.#child.unref();
    this.#wake?.();
  }

  /** Whether a launch with `setting` can use this executor (same place, environment, id). */
  fits(setting: LaunchSetting): boolean {
    return (
      this.#state === "waiting" &&
      this.#outcome === undefined &&
      resolve(setting.cwd, setting.runsRoot) === this.runsRoot &&
      setting.env === this.env &&
      setting.cwd === this.cwd &&
      (setting.runId === undefined || setting.runId === this.staged.runId)
    );
  }

  /**
   * Says go (the staging directory must hold workflow.yaml and launch.json by now) and waits
   * for the executor's report: started, or refused. Rejects with ExecutorStartError when it
   * dies first or says nothing within `timeoutMs`.
   */
  start(timeoutMs: number): Promise<StartReport> {
    if (this.#state !== "waiting") throw new Error(`the prestarted executor is ${this.#state}`);
    this.#state = "started";
    this.#launchPipe.end("go\n");
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.#child.kill("SIGKILL");
        this.#settle({
          error: new ExecutorStartError(
            `the executor did not start within ${timeoutMs / 1000} s`,
            `see ${this.staged.staging}/executor.log`,
          ),
        });
      }, timeoutMs);
      const deliver = () => {
        clearTimeout(timer);
        const outcome = this.#outcome;
        if (outcome === undefined) return;
        if ("report" in outcome) resolvePromise(outcome.report);
        else reject(outcome.error);
      };
      if (this.#outcome !== undefined) deliver();
      else this.#wake = deliver;
    });
  }

  /**
   * Gives the run up before go: the executor sees its pipe close and exits; the staging
   * directory goes now (synchronously, so this also serves a process 'exit' handler), and
   * the runs root too if it was made for this run and is empty. Idempotent; a no-op after
   * start().
   */
  abandon(): void {
    if (this.#state !== "waiting") return;
    this.#state = "abandoned";
    this.#launchPipe.destroy();
    this.#reportPipe.destroy();
    this.#child.unref();
    try {
      rmSync(this.staged.staging, { recursive: true, force: true });
      if (!this.rootExisted) rmdirSync(this.runsRoot);
    } catch {
      // Left for `runyard gc` (an abandoned .launch- directory) or, the root, for good.
    }
  }
}

/**
 * Makes `<runs root>/.launch-<runId>/` and starts the executor there, waiting for its go.
 * Throws what createStagingDirectory throws (a runs root that cannot be made, an id taken);
 * a spawn that fails is reported by start().
 */
export async function prestartExecutor(options: PrestartOptions): Promise<PrestartedExecutor> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const runsRoot = resolve(cwd, options.runsRoot);
  const runId = options.runId === undefined ? newRunId() : parseRunId(options.runId);
  checkSocketPath(runPaths(runDirectory(runsRoot, runId)).socket);
  const rootExisted = existsSync(runsRoot);
  const staged = await createStagingDirectory(runsRoot, runId);
  let log: number;
  try {
    log = openSync(runPaths(staged.staging).executorLog, "a", FILE_MODE);
  } catch (error) {
    rmSync(staged.staging, { recursive: true, force: true });
    throw error;
  }
  try {
    const child = spawn(
      process.execPath,
      [
        ...EXECUTOR_NODE_FLAGS,
        EXECUTOR_BIN,
        staged.staging,
        "--ready-fd=3",
        "--launch-fd=4",
        // A front end killed before go (SIGKILL) runs no abandon(): the executor removes
        // the runs root made for this run too.
        ...(rootExisted ? [] : ["--made-root"]),
      ],
      {
        cwd,
        env: executorEnvironment(env),
        detached: true,
        stdio: ["ignore", log, log, "pipe", "pipe"],
      },
    );
    return new PrestartedExecutor(staged, { runsRoot, env, cwd, rootExisted }, child);
  } finally {
    closeSync(log);
  }
}
