// The fallback local backend (neither Python nor Perl for the step spawner, or
// RUNYARD_SPAWNER=node): forks each step from the executor itself and copies its output from
// pipes into the captures.
// Runs a step here as `bash -c <run>` in the step's cwd, in a session (and process group) of
// its own, so a cancel reaches every process the step started (see step-session.ts), and a
// Ctrl-C in the terminal reaches only the executor (which then cancels the steps in order).
//
// When a step ends on its own, processes it left running in the background are left alone
// (a step may start a server on purpose); the executor only stops listening to them after
// drainTimeoutMs. When a step is stopped (a cancel), all its processes are: SIGTERM, then
// SIGKILL to whatever is still there after the grace period, even if the step's main process
// exited at the first signal and only a descendant that ignores SIGTERM is left.
import { spawn } from "node:child_process";
import type { ResolvedStep } from "@runyard/schema";
import type { Backend, CaptureSink, StepExit, StepHandle } from "./backend.js";
import { describeStartFailure } from "./start-failure.js";
import { signalSession } from "./step-session.js";
import { stopSession } from "./stop-session.js";

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
      // The id of the step's session and process group; undefined when the spawn failed (the
      // "error" event below says why).
      const session = child.pid;
      let ended = false;
      const exit = new Promise<StepExit>((resolve) => {
        let drainTimer: NodeJS.Timeout | undefined;
        const finish = (result: StepExit) => {
          if (ended) return;
          ended = true;
          clearTimeout(drainTimer);
          resolve(result);
        };
        // Heard before anything else: a spawn that fails for want of descriptors, processes or
        // memory (EMFILE, ENFILE, EAGAIN) is an "error" event on the next tick, and one nobody
        // listens to would end the executor. Node then sets up no pipes at all.
        child.once("error", (error) =>
          finish({
            exitCode: null,
            signal: null,
            error: `could not start: ${describeStartFailure(error)}`,
          }),
        );
        child.once("exit", (exitCode, signal) => {
          drainTimer = setTimeout(() => {
            child.stdout?.destroy();
            child.stderr?.destroy();
            finish({ exitCode, signal });
          }, drainTimeoutMs);
        });
        // "close" comes after "exit" once both pipes are drained: all output is in the sink.
        child.once("close", (exitCode, signal) => finish({ exitCode, signal }));
      });
      for (const [stream, write] of [
        [child.stdout, captures.stdout],
        [child.stderr, captures.stderr],
      ] as const) {
        stream?.on("data", (chunk: Buffer) => write(chunk));
        // A read error on a pipe ends that stream ("close" follows); it must not end the executor.
        stream?.on("error", () => undefined);
      }
      let stopping: Promise<void> | undefined;
      return {
        exit,
        ...(session === undefined ? {} : { pid: session, pgid: session }),
        kill(signal) {
          if (session !== undefined) signalSession(session, signal);
        },
        stop(graceMs) {
          stopping ??= session === undefined ? Promise.resolve() : stopSession(session, graceMs);
          return stopping;
        },
      };
    },
  };
}
