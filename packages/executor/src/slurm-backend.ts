// The Slurm backend: each attempt of a step is a batch job. Its job script (written under the
// run directory, slurm/NNNNNN-<step>.sh) runs the step as a local step runs, `bash -c <run>`,
// with the step's environment (sbatch exports the environment it is started with), and writes
// the step's exit code to NNNNNN-<step>.exit beside the captures, which Slurm writes itself
// (--output/--error): the executor follows them for live output as it does the spawner's.
//
// Watching costs one `squeue` call per poll for all of a run's jobs, whatever their number
// (RUNYARD_SLURM_POLL_MS, default 5 s; doubled up to a minute while Slurm does not answer — a
// Slurm that is briefly unreachable never fails a step by itself). A job that left the queue is
// looked up with `scontrol show job`, then `sacct -c`; its exit code comes from its exit file
// first, the most reliable source (Slurm 22.05 without slurmdbd records 0:0 for cancelled jobs).
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedStep } from "@runyard/schema";
import type { Backend, CaptureTarget, StepExit, StepHandle } from "./backend.js";
import {
  attemptFiles,
  findSlurmCommand,
  jobName,
  jobScript,
  queueLines,
  sbatchOptions,
  scancelJobs,
  userName,
} from "./slurm-job.js";

/** How often the run's jobs are polled, by default. */
export const SLURM_POLL_MS = 5000;
/** The longest wait between polls while Slurm does not answer. */
const MAX_BACKOFF_MS = 60_000;
/** A Slurm command that takes longer than this counts as Slurm not answering. */
const COMMAND_TIMEOUT_MS = 30_000;

/** Slurm job states that end a job, and what they mean for the step. */
const ENDED: Record<string, string> = {
  COMPLETED: "",
  FAILED: "the job failed",
  TIMEOUT: "the job reached its Slurm time limit (TIMEOUT)",
  OUT_OF_MEMORY: "the job ran out of memory (OUT_OF_MEMORY)",
  NODE_FAIL: "the job's node failed (NODE_FAIL)",
  CANCELLED: "the job was cancelled in Slurm, outside Runyard",
  PREEMPTED: "the job was preempted (PREEMPTED)",
  BOOT_FAIL: "the job's node failed to boot (BOOT_FAIL)",
  DEADLINE: "the job missed its deadline (DEADLINE)",
  REVOKED: "the job was revoked (REVOKED)",
};
const QUEUED = new Set(["PENDING", "CONFIGURING", "REQUEUED", "RESIZING", "SUSPENDED"]);

export interface SlurmStatus {
  status: "pending" | "running";
  /** For a queued job, why Slurm holds it (Priority, Resources, …). */
  reason?: string;
  jobId: string;
}

export interface SlurmStepHandle extends StepHandle {
  /** Called when the job is queued or starts running (step-status events). */
  onStatus(listener: (status: SlurmStatus) => void): void;
}

export interface SlurmBackendOptions {
  /** Where the Slurm commands are looked for and what they run with (PATH, SLURM_CONF). */
  env?: NodeJS.ProcessEnv;
  pollMs?: number;
}

interface Watch {
  jobId: string;
  exitFile: string;
  lastState?: string;
  listeners: ((status: SlurmStatus) => void)[];
  finish(exit: StepExit): void;
}

interface CommandResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

export function createSlurmBackend(options: SlurmBackendOptions = {}): Backend {
  const commandEnv = options.env ?? process.env;
  const pollMs = options.pollMs ?? pollInterval(commandEnv);
  const watches = new Map<string, Watch>();
  let timer: NodeJS.Timeout | undefined;
  let backoff = pollMs;
  let polling = false;
  /** Slurm calls made, for the benchmark and tests (squeue, scontrol, sacct, sbatch, scancel). */
  const calls = { count: 0 };

  const run = (command: string, args: string[], env = commandEnv): Promise<CommandResult> =>
    new Promise((resolve) => {
      calls.count += 1;
      execFile(
        findSlurmCommand(command, commandEnv) ?? command,
        args,
        { env, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => resolve({ ok: error === null, stdout, stderr }),
      );
    });

  const schedule = (delay: number) => {
    if (timer !== undefined || watches.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      void poll();
    }, delay);
    timer.unref?.();
  };

  const readExitFile = (watch: Watch): number | null => {
    try {
      const text = readFileSync(watch.exitFile, "utf8").trim();
      return /^\d+$/.test(text) ? Number(text) : null;
    } catch {
      return null;
    }
  };

  const ended = (watch: Watch, state: string, exitField: string | undefined) => {
    watches.delete(watch.jobId);
    const fromFile = readExitFile(watch);
    const [codeText, signalText] = (exitField ?? "").split(":");
    const code =
      fromFile ?? (codeText !== undefined && /^\d+$/.test(codeText) ? Number(codeText) : null);
    if (state === "COMPLETED") {
      watch.finish({ exitCode: code ?? 0, signal: null });
      return;
    }
    const why = ENDED[state] ?? `the job ended ${state}`;
    if (state === "CANCELLED") {
      // Runyard's own cancels are the step runner's to word; this one came from outside.
      watch.finish({ exitCode: null, signal: null, cancelled: `${why} (scancel ${watch.jobId})` });
      return;
    }
    if (state === "FAILED" && code !== null && code !== 0) {
      watch.finish({ exitCode: code, signal: null });
      return;
    }
    const signal = signalText !== undefined && signalText !== "0" ? `signal ${signalText}` : "";
    watch.finish({ exitCode: null, signal: null, error: signal ? `${why} (${signal})` : why });
  };

  /** A job no longer in the queue: scontrol, then sacct -c, then its exit file alone. */
  const lookUp = async (watch: Watch) => {
    const shown = await run("scontrol", ["show", "job", "-o", watch.jobId]);
    const state = /\bJobState=([A-Z_]+)/.exec(shown.stdout)?.[1];
    if (shown.ok && state !== undefined) {
      if (state in ENDED) ended(watch, state, /\bExitCode=(\d+:\d+)/.exec(shown.stdout)?.[1]);
      else report(watch, state, /\bReason=(\S+)/.exec(shown.stdout)?.[1]);
      return;
    }
    const accounted = await run("sacct", [
      "-c",
      "-j",
      watch.jobId,
      "-n",
      "-P",
      "-o",
      "JobID,State,ExitCode",
    ]);
    for (const line of accounted.stdout.split("\n")) {
      const [id, sacctState, exitCode] = line.split("|");
      if (id === watch.jobId && sacctState) {
        const bare = sacctState.split(" ")[0] ?? sacctState;
        if (bare in ENDED) {
          ended(watch, bare, exitCode);
          return;
        }
      }
    }
    const code = readExitFile(watch);
    if (code !== null) ended(watch, code === 0 ? "COMPLETED" : "FAILED", `${code}:0`);
    // Otherwise: not known yet; the next poll asks again.
  };

  const report = (watch: Watch, state: string, reason: string | undefined) => {
    const key = `${state}:${reason ?? ""}`;
    if (watch.lastState === key) return;
    watch.lastState = key;
    const status: SlurmStatus = QUEUED.has(state)
      ? {
          status: "pending",
          jobId: watch.jobId,
          ...(reason && reason !== "None" ? { reason } : {}),
        }
      : { status: "running", jobId: watch.jobId };
    for (const listener of watch.listeners) listener(status);
  };

  const poll = async () => {
    if (polling || watches.size === 0) return;
    polling = true;
    try {
      const ids = [...watches.keys()];
      const queue = await run("squeue", [
        "-h",
        "--states=all",
        "-j",
        ids.join(","),
        "-o",
        "%i|%T|%r",
      ]);
      if (!queue.ok && !/Invalid job id/i.test(queue.stderr)) {
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        return;
      }
      backoff = pollMs;
      const seen = new Set<string>();
      for (const line of queue.stdout.split("\n")) {
        const [id, state, reason] = line.trim().split("|");
        const watch = id === undefined ? undefined : watches.get(id);
        if (!watch || state === undefined) continue;
        seen.add(watch.jobId);
        if (state in ENDED) ended(watch, state, undefined);
        else report(watch, state, reason);
      }
      for (const id of ids) {
        const watch = watches.get(id);
        if (watch && !seen.has(id)) await lookUp(watch);
      }
    } finally {
      polling = false;
      schedule(backoff);
    }
  };

  /**
   * The handle of an attempt whose job `submitted` gives (or why sbatch refused it): a job just
   * submitted is announced queued and first polled within a second; an adopted one (a resume)
   * is polled at once, and its state reported as Slurm gives it.
   */
  const track = (
    exitFile: string,
    submitted: Promise<string | { error: string }>,
    how: "submitted" | "adopted",
  ): SlurmStepHandle => {
    let finish!: (exit: StepExit) => void;
    const exit = new Promise<StepExit>((resolve) => {
      finish = resolve;
    });
    let announce!: () => void;
    const started = new Promise<void>((resolve) => {
      announce = resolve;
    });
    const listeners: ((status: SlurmStatus) => void)[] = [];
    let jobId: string | undefined;
    let stopping: Promise<void> | undefined;
    let cancelWanted = false;
    let done = false;
    void exit.then(() => {
      done = true;
    });

    /** Ends the attempt without Slurm's word on the job: it is no longer watched. */
    const giveUp = (error: string | undefined, signal: NodeJS.Signals | null = null) => {
      if (done) return;
      if (jobId !== undefined) watches.delete(jobId);
      finish({ exitCode: null, signal, ...(error === undefined ? {} : { error }) });
    };

    const cancel = (signal?: NodeJS.Signals) => {
      if (jobId === undefined) return Promise.resolve();
      const args =
        signal && signal !== "SIGTERM" && signal !== "SIGKILL"
          ? [`--signal=${signal.replace(/^SIG/, "")}`, "--full"]
          : [];
      return run("scancel", [...args, jobId]).then(() => undefined);
    };

    void submitted.then((id) => {
      if (typeof id !== "string") {
        announce();
        finish({ exitCode: null, signal: null, error: id.error });
        return;
      }
      jobId = id;
      watches.set(id, { jobId: id, exitFile, listeners, finish });
      announce();
      if (how === "submitted")
        for (const listener of listeners)
          listener({ status: "pending", jobId: id, reason: "queued" });
      if (cancelWanted) void cancel();
      schedule(how === "adopted" ? 0 : Math.min(pollMs, 1000));
    });

    return {
      exit,
      started,
      get jobId() {
        return jobId;
      },
      onStatus(listener) {
        listeners.push(listener);
      },
      kill(signal) {
        if (done) return;
        if (jobId === undefined) cancelWanted = true;
        else if (signal === "SIGKILL") {
          // Killing at once is for a process about to exit: scancel before it does, and the
          // attempt has ended — whether Slurm confirms it or (not answering) never does.
          calls.count += 1;
          const scancel = spawnSync(findSlurmCommand("scancel", commandEnv) ?? "scancel", [jobId], {
            env: commandEnv,
            timeout: 5000,
            stdio: "ignore",
          });
          giveUp(
            scancel.status === 0
              ? undefined
              : `scancel ${jobId} failed: Slurm may still run the job`,
            "SIGKILL",
          );
        } else void cancel(signal);
      },
      stop(graceMs) {
        if (stopping) return stopping;
        cancelWanted = true;
        stopping = (async () => {
          await cancel();
          // Slurm signals the job (SIGTERM, SIGKILL after its KillWait); the next polls see it end.
          // A Slurm that does not confirm it within six polls after the grace period (30 s at
          // the default interval) is not waited for: the step ends, saying the job may run on.
          const wait = new Promise<void>((resolve) => {
            const limit = setTimeout(
              () => {
                giveUp(
                  `Slurm did not confirm that job ${jobId} ended: it may still run (scancel ${jobId})`,
                );
                resolve();
              },
              graceMs + Math.max(6 * pollMs, 1000),
            );
            limit.unref?.();
            void exit.then(() => {
              clearTimeout(limit);
              resolve();
            });
          });
          schedule(Math.min(pollMs, 500));
          await wait;
        })();
        return stopping;
      },
    } as SlurmStepHandle;
  };

  const backend: Backend & { calls: typeof calls } = {
    name: "slurm",
    output: "file",
    calls,
    start(step: ResolvedStep, captures: CaptureTarget, env: NodeJS.ProcessEnv): SlurmStepHandle {
      const { exitFile, stem, runDirectory } = attemptFiles(captures);
      const scriptDirectory = join(runDirectory, "slurm");
      mkdirSync(scriptDirectory, { recursive: true, mode: 0o700 });
      const script = join(scriptDirectory, `${stem}.sh`);
      writeFileSync(script, jobScript(step, exitFile), { mode: 0o700 });
      const submitted = run(
        "sbatch",
        [
          "--parsable",
          `--job-name=${jobName(env.RUNYARD_RUN_ID ?? "run", step.id)}`,
          `--output=${captures.outPath}`,
          `--error=${captures.errPath}`,
          "--open-mode=append",
          `--chdir=${step.cwd}`,
          ...sbatchOptions(step.slurm),
          script,
        ],
        { ...commandEnv, ...env, SLURM_CONF: env.SLURM_CONF ?? commandEnv.SLURM_CONF },
      ).then((result) => {
        const id = result.stdout.trim().split(";")[0] ?? "";
        if (result.ok && /^\d+$/.test(id)) return id;
        const message = (result.stderr || result.stdout).trim().replace(/^sbatch: error: /gm, "");
        return { error: `sbatch refused the job: ${message || "no job id"}` };
      });
      return track(exitFile, submitted, "submitted");
    },
    adopt(_step: ResolvedStep, jobId: string, captures: CaptureTarget): SlurmStepHandle {
      return track(attemptFiles(captures).exitFile, Promise.resolve(jobId), "adopted");
    },
    async cancelJobs(jobIds) {
      if (jobIds.length === 0) return { cancelled: [] };
      calls.count += 1;
      const problem = await scancelJobs(jobIds, commandEnv);
      return problem === undefined ? { cancelled: [...jobIds] } : { cancelled: [], problem };
    },
    async cancelLeftovers(runId, jobIds, keep) {
      const prefix = jobName(runId, "");
      const wanted = new Set(jobIds);
      // Every job of the user's still queued or running: those asked for, and the run's own by
      // their name. Slurm that cannot be asked is an error: a job may run on unseen.
      const user = userName();
      const listed = await run("squeue", ["-h", "-u", user, "-o", "%i|%j|%T"]);
      if (!listed.ok) return { cancelled: [], error: `squeue failed: ${lastLine(listed)}` };
      const live = queueLines(listed.stdout);
      const cancel = [...live]
        .filter(([id, { name }]) => (wanted.has(id) || name.startsWith(prefix)) && !keep.has(id))
        .map(([id]) => id);
      if (cancel.length === 0) return { cancelled: [] };
      const cancelled = await run("scancel", cancel);
      if (cancelled.ok) return { cancelled: cancel };
      // A job that ended meanwhile is an error for scancel; one still running is the problem.
      const again = await run("squeue", ["-h", "-u", user, "-o", "%i|%j|%T"]);
      const still = again.ok ? queueLines(again.stdout) : live;
      const running = cancel.filter((id) => {
        const state = still.get(id)?.state;
        return state !== undefined && state !== "COMPLETING" && state !== "CANCELLED";
      });
      if (running.length === 0) return { cancelled: cancel };
      return {
        cancelled: cancel.filter((id) => !running.includes(id)),
        error: `scancel ${running.join(" ")} failed: ${lastLine(cancelled)}`,
      };
    },
    close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
  return backend;
}

/** A failed command's last word on why. */
function lastLine(result: CommandResult): string {
  return (result.stderr || result.stdout).trim().split("\n").at(-1) || "no answer";
}

function pollInterval(env: NodeJS.ProcessEnv): number {
  const value = Number(env.RUNYARD_SLURM_POLL_MS);
  return Number.isFinite(value) && value >= 100 ? value : SLURM_POLL_MS;
}
