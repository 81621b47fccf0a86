// Runs a step here as `bash -c <run>` in the step's cwd, in a process group of its own, so a
// cancel reaches every process the step started, and a Ctrl-C in the terminal reaches only
// the executor (which then cancels the steps in order).
//
// When a step ends on its own, processes it left running in the background are left alone
// (a step may start a server on purpose); the executor only stops listening to them after
// drainTimeoutMs. When a step is stopped (a cancel), its whole group is: SIGTERM, then
// SIGKILL to whatever is still there after the grace period, even if the step's main process
// exited at the first signal and only a descendant that ignores SIGTERM is left.
import { spawn } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import type { ResolvedStep } from "@runyard/schema";
import type { Backend, CaptureSink, StepExit, StepHandle } from "./backend.js";
import { groupIsAlive, signalGroup } from "./process-group.js";

export interface LocalBackendOptions {
  /** Shell that runs `run` with `-c` (default "bash"). */
  shell?: string;
  /**
   * After the step's main process exits, how long to keep reading output that processes it
   * left running in the background still write (default 2000 ms). They keep the pipes open;
   * past this the executor stops listening, but never kills them on its own.
   */
  drainTimeoutMs?: number;
}

/** How often a stop looks whether the group is gone yet, during the grace period. */
const STOP_POLL_MS = 50;
/** How long a stop waits, after SIGKILL, for the kernel to finish off the group. */
const KILL_SETTLE_MS = 1000;

/** SIGTERM, SIGKILL after `graceMs`; resolves when the group is gone (or as good as). */
async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, "SIGTERM")) return;
  const deadline = performance.now() + graceMs;
  for (let left = graceMs; left > 0; left = deadline - performance.now()) {
    // A referenced timer: the process must not exit before the SIGKILL is out.
    await delay(Math.min(STOP_POLL_MS, left));
    if (!groupIsAlive(pgid)) return;
  }
  if (!signalGroup(pgid, "SIGKILL")) return;
  // SIGKILL cannot be refused, but the processes are gone only once they were scheduled to
  // die; a process stuck in the kernel (a hung NFS read) may take longer, and is not waited for.
  const settled = performance.now() + KILL_SETTLE_MS;
  while (performance.now() < settled && groupIsAlive(pgid)) await delay(10);
}

export function createLocalBackend(options: LocalBackendOptions = {}): Backend {
  const shell = options.shell ?? "bash";
  const drainTimeoutMs = options.drainTimeoutMs ?? 2000;
  return {
    name: "local",
    start(step: ResolvedStep, captures: CaptureSink, env: NodeJS.ProcessEnv): StepHandle {
      const child = spawn(shell, ["-c", step.run], {
        cwd: step.cwd,
        env,
        // setsid(): the shell leads a new session and process group, whose id is its pid.
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      // Undefined when the spawn failed; the "error" event below says why.
      const pgid = child.pid;
      child.stdout.on("data", (chunk: Buffer) => captures.stdout(chunk));
      child.stderr.on("data", (chunk: Buffer) => captures.stderr(chunk));
      let ended = false;
      const exit = new Promise<StepExit>((resolve) => {
        let drainTimer: NodeJS.Timeout | undefined;
        const finish = (result: StepExit) => {
          if (ended) return;
          ended = true;
          clearTimeout(drainTimer);
          resolve(result);
        };
        child.once("error", (error) =>
          finish({
            exitCode: null,
            signal: null,
            error: `cannot start ${shell}: ${error.message}`,
          }),
        );
        child.once("exit", (exitCode, signal) => {
          drainTimer = setTimeout(() => {
            child.stdout.destroy();
            child.stderr.destroy();
            finish({ exitCode, signal });
          }, drainTimeoutMs);
        });
        // "close" comes after "exit" once both pipes are drained: all output is in the sink.
        child.once("close", (exitCode, signal) => finish({ exitCode, signal }));
      });
      let stopping: Promise<void> | undefined;
      return {
        exit,
        kill(signal) {
          if (pgid !== undefined) signalGroup(pgid, signal);
        },
        stop(graceMs) {
          stopping ??= pgid === undefined ? Promise.resolve() : stopGroup(pgid, graceMs);
          return stopping;
        },
      };
    },
  };
}
