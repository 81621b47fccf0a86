// Hooks (launch.json's `hooks`): a command run on an event of the run, with the event's JSON
// on its stdin. A hook must never hold up the run nor fail it, so:
// - the pipeline only offers an event; the runs of hooks it matches wait in a bounded queue
//   (QUEUE_LIMIT: past it, a run is dropped, with one warning) and at most `parallel` run at once;
// - each runs as `bash -c` in a session of its own, and is stopped — SIGTERM to every process
//   of its session, SIGKILL after KILL_GRACE_MS — once it outlives its timeout;
// - a hook that fails, times out or cannot start is a `log` warning in the timeline (the
//   first WARNINGS_PER_HOOK of each hook; the timeline ends at run-end, so not those of
//   run-end hooks) and a line in hooks.log, which has a line for every run of a hook;
// - after run-end, the executor waits for the hooks still running or waiting, but no longer
//   than the longest timeout and KILL_GRACE_MS more (drain); what is left then is stopped.
import { spawn } from "node:child_process";
import {
  ENV,
  formatDurationSeconds,
  type HookEvent,
  INSTANCE_ID_PATTERN,
  type LaunchHook,
  RUN_FILES,
} from "@runyard/schema";
import { ExecutorLog } from "@runyard/store";
import type { DurableRunEvent } from "./event-pipeline.js";
import { withFirstOnPath, withoutStepVariables } from "./step-env.js";
import { signalSession } from "./step-session.js";
import { stopSession } from "./stop-session.js";

/** Runs of hooks that may wait for a free slot; later ones are dropped. */
export const HOOK_QUEUE_LIMIT = 64;
/** Between the SIGTERM that stops a hook and the SIGKILL. */
export const HOOK_KILL_GRACE_MS = 2000;
/** Failures of one hook that become warnings in the timeline; later ones are in hooks.log only. */
const WARNINGS_PER_HOOK = 10;
/** The end of a failed hook's stderr kept for hooks.log. */
const STDERR_TAIL_BYTES = 2048;

export interface HookRunnerOptions {
  hooks: readonly LaunchHook[];
  /** How many hooks may run at once. */
  parallel: number;
  /** The environment hooks start from: the user's shell's (launch.json's env). */
  env: NodeJS.ProcessEnv;
  runId: string;
  runDirectory: string;
  /** hooks.log, in the run directory. */
  logPath: string;
  /** A directory to put first on PATH (where the `runyard` launcher is), as for steps. */
  binDirectory?: string | undefined;
  /** Says a warning in the run's timeline (a `log` event); ignored once the timeline ended. */
  warn: (message: string) => void;
  /** The `retries` of a step (or of the loop an instance belongs to). */
  retriesOf: (stepId: string) => number;
  /** For tests: runs that may wait (default HOOK_QUEUE_LIMIT). */
  queueLimit?: number;
  /** For tests: the grace between SIGTERM and SIGKILL (default HOOK_KILL_GRACE_MS). */
  killGraceMs?: number;
}

interface HookJob {
  readonly hook: LaunchHook;
  /** Which of the hook's `on` matched. */
  readonly on: HookEvent;
  readonly event: DurableRunEvent;
}

interface RunningHook {
  readonly job: HookJob;
  readonly session: number;
  /** Stops it (timeout, or the executor stops waiting); resolves once its processes are gone. */
  stop(why: string): Promise<void>;
}

/** The hook events `event` is, most specific first (a failed step-end is step-failed too). */
function hookEventsOf(
  event: DurableRunEvent,
  retriesOf: (stepId: string) => number,
): readonly HookEvent[] {
  switch (event.type) {
    case "run-start":
    case "step-start":
      return [event.type];
    case "run-resume":
      // A resumed run starts again: what a run-start hook does (notify, record) is due again.
      return ["run-start"];
    case "step-end":
      // Failed for good: no retry follows (a step-end without attempt is always the last).
      return event.status === "failed" &&
        (event.attempt === undefined || event.attempt > retriesOf(event.stepId))
        ? ["step-failed", "step-end"]
        : ["step-end"];
    case "run-end":
      return event.finalStatus === "failed" ? ["run-failed", "run-end"] : ["run-end"];
    default:
      return [];
  }
}

/** `on step-end (seq 5, step build)`: which event a line is about. */
function eventText(job: HookJob): string {
  const { event } = job;
  const step = "stepId" in event && event.stepId !== undefined ? `, step ${event.stepId}` : "";
  return `on ${job.on} (seq ${event.seq}${step})`;
}

function seconds(milliseconds: number): string {
  return formatDurationSeconds(milliseconds / 1000);
}

/**
 * The `retries` of each step id, for a runner's retriesOf: an instance of a foreach step
 * (`mesh[coarse]`) has its step's.
 */
export function retriesLookup(
  steps: readonly { id: string; retries: number }[],
): (stepId: string) => number {
  const retries = new Map(steps.map((step) => [step.id, step.retries]));
  return (stepId) =>
    retries.get(stepId) ?? retries.get(INSTANCE_ID_PATTERN.exec(stepId)?.[1] ?? "") ?? 0;
}

export class HookRunner {
  readonly #options: HookRunnerOptions;
  readonly #log: ExecutorLog;
  readonly #queue: HookJob[] = [];
  readonly #running = new Set<RunningHook>();
  /** Stops under way, which the executor must not exit before. */
  readonly #stopping = new Set<Promise<void>>();
  readonly #warnings = new Map<string, number>();
  #dropped = 0;
  /** No more runs start: the executor stopped waiting, or exits at once. */
  #closed = false;
  /** Resolves the drain's wait once nothing runs or waits. */
  #idle: (() => void) | undefined;

  constructor(options: HookRunnerOptions) {
    this.#options = options;
    // A line for every run of a hook, however alike (no repeats counted instead): what a user
    // asks of it is whether their hook ran for that step. The 1 MiB cap still bounds it.
    this.#log = new ExecutorLog(options.logPath, { repeatLimit: Number.POSITIVE_INFINITY });
  }

  /** Queues the hooks `event` matches; never blocks, never throws. */
  offer(event: DurableRunEvent): void {
    if (this.#closed) return;
    const events = hookEventsOf(event, this.#options.retriesOf);
    if (events.length === 0) return;
    for (const hook of this.#options.hooks) {
      const on = events.find((name) => hook.on.includes(name));
      if (on === undefined) continue;
      const job = { hook, on, event };
      if (this.#queue.length >= (this.#options.queueLimit ?? HOOK_QUEUE_LIMIT)) this.#drop(job);
      else this.#queue.push(job);
    }
    this.#startWaiting();
  }

  #drop(job: HookJob): void {
    this.#dropped += 1;
    this.#log.write(
      "warn",
      `dropped: hook ${job.hook.name} ${eventText(job)}: ${this.#queue.length} runs of hooks were waiting already`,
    );
    if (this.#dropped === 1) {
      this.#options.warn(
        `hooks are falling behind: more than ${this.#queue.length} runs of hooks waiting, so later ones are dropped (see ${RUN_FILES.hooksLog})`,
      );
    }
  }

  #startWaiting(): void {
    while (!this.#closed && this.#running.size < this.#options.parallel) {
      const job = this.#queue.shift();
      if (job === undefined) break;
      this.#start(job);
    }
    if (this.#running.size === 0 && this.#queue.length === 0) this.#idle?.();
  }

  #start(job: HookJob): void {
    const { hook, event } = job;
    const options = this.#options;
    const started = performance.now();
    const base = withoutStepVariables(options.env);
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn("bash", ["-c", hook.run], {
        cwd: hook.cwd,
        env: {
          ...base,
          ...(options.binDirectory === undefined
            ? {}
            : { PATH: withFirstOnPath(options.binDirectory, base.PATH) }),
          [ENV.runId]: options.runId,
          [ENV.runDir]: options.runDirectory,
          [ENV.hookName]: hook.name,
          [ENV.hookEvent]: job.on,
        },
        // setsid(): a session of its own, which a timeout stops whole.
        detached: true,
        stdio: ["pipe", "ignore", "pipe"],
      });
    } catch (error) {
      this.#ended(job, started, `could not start: ${(error as Error).message}`);
      return;
    }
    let stderr = Buffer.alloc(0);
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > STDERR_TAIL_BYTES) stderr = stderr.subarray(-STDERR_TAIL_BYTES);
    });
    child.stderr?.on("error", () => undefined);
    // A hook need not read its event: it may exit first (EPIPE).
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(`${JSON.stringify(event)}\n`);

    let stoppedFor: string | undefined;
    let stopping: Promise<void> | undefined;
    const running: RunningHook = {
      job,
      session: child.pid ?? 0,
      stop: (why) => {
        if (stopping !== undefined || child.pid === undefined) return stopping ?? Promise.resolve();
        stoppedFor = why;
        stopping = stopSession(child.pid, options.killGraceMs ?? HOOK_KILL_GRACE_MS).catch(
          () => undefined,
        );
        this.#stopping.add(stopping);
        void stopping.then(() => this.#stopping.delete(stopping as Promise<void>));
        return stopping;
      },
    };
    if (child.pid !== undefined) this.#running.add(running);
    const timer = setTimeout(
      () => void running.stop(`timed out after ${seconds(hook.timeoutMs)}`),
      hook.timeoutMs,
    );
    let done = false;
    const finish = (outcome: string | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.#running.delete(running);
      // What it left running in the background may hold the pipe open: stop listening.
      child.stderr?.destroy();
      const tail = stderr.toString("utf8").trimEnd();
      this.#ended(job, started, outcome, tail);
      this.#startWaiting();
    };
    child.once("error", (error) => finish(`could not start: ${error.message}`));
    child.once("exit", (code, signal) => {
      if (stoppedFor !== undefined) finish(`${stoppedFor}, stopped`);
      else if (code === 0) finish(undefined);
      else finish(code === null ? `killed by ${signal}` : `exit status ${code}`);
    });
  }

  /** One line in hooks.log; a failure (`problem`) is also a warning in the timeline. */
  #ended(job: HookJob, started: number, problem: string | undefined, stderr = ""): void {
    const took = seconds(performance.now() - started);
    const what = `hook ${job.hook.name} ${eventText(job)}`;
    if (problem === undefined) {
      this.#log.write("info", `${what}: ok in ${took}`);
      return;
    }
    this.#log.write(
      "warn",
      `${what}: ${problem} (ran ${took})${stderr === "" ? "" : `\nstderr: ${stderr}`}`,
    );
    const count = (this.#warnings.get(job.hook.name) ?? 0) + 1;
    this.#warnings.set(job.hook.name, count);
    if (count > WARNINGS_PER_HOOK) return;
    const more =
      count === WARNINGS_PER_HOOK ? "; later failures of this hook are in hooks.log only" : "";
    this.#options.warn(`${what} failed: ${problem}${more} (see ${RUN_FILES.hooksLog})`);
  }

  /** Whether nothing runs or waits. */
  get idle(): boolean {
    return this.#running.size === 0 && this.#queue.length === 0;
  }

  /**
   * After run-end: waits for the hooks running or waiting, at most the longest timeout and
   * the kill grace more, or until `signal` aborts meanwhile; then drops what still waits and
   * stops what still runs. Resolves once their processes are gone (or SIGKILLed). A signal
   * aborted before is not heeded: that was the run's cancel, and its run-end hooks still run.
   */
  async drain(signal?: AbortSignal): Promise<void> {
    const grace = this.#options.killGraceMs ?? HOOK_KILL_GRACE_MS;
    const longest = Math.max(0, ...this.#options.hooks.map((hook) => hook.timeoutMs));
    if (!this.idle) {
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
        timer = setTimeout(resolve, longest + grace);
        onAbort = resolve;
        signal?.addEventListener("abort", onAbort, { once: true });
      });
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener("abort", onAbort);
      this.#idle = undefined;
    }
    this.#closed = true;
    if (this.#queue.length > 0) {
      this.#log.write(
        "warn",
        `not run: ${this.#queue.length} runs of hooks still waiting when the executor stopped waiting for hooks`,
      );
      this.#queue.length = 0;
    }
    const stops = [...this.#running].map((running) =>
      running.stop("still running when the executor stopped waiting for hooks"),
    );
    await Promise.all([...stops, ...this.#stopping]);
    if (this.#dropped > 0) this.#log.write("warn", `dropped ${this.#dropped} runs of hooks in all`);
    this.#log.flush();
  }

  /** For a process about to exit at once: SIGKILLs every hook still running. Never throws. */
  killNow(): void {
    this.#closed = true;
    this.#queue.length = 0;
    for (const running of this.#running) {
      try {
        signalSession(running.session, "SIGKILL");
      } catch {
        // Nothing more can be done on the way out.
      }
    }
  }
}
