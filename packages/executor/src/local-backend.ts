// Runs a step here as `bash -c <run>` in the step's cwd, in a process group of its own, so a
// cancel reaches every process the step started, and a Ctrl-C in the terminal reaches only
// the executor (which then cancels the steps in order).
import { spawn } from "node:child_process";
import type { ResolvedStep } from "@runyard/schema";
import type { Backend, CaptureSink, StepExit, StepHandle } from "./backend.js";

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
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
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
      return {
        exit,
        kill(signal) {
          if (ended || child.pid === undefined) return;
          try {
            process.kill(-child.pid, signal);
          } catch (error) {
            // ESRCH: the group is already gone, which is what was asked.
            if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
          }
        },
      };
    },
  };
}
