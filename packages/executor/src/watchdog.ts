// The crash watchdog: one small process per run that outlives the executor only to clean up
// after it. The executor starts it once the run directory exists, before the first step, with
// the read end of a pipe as its stdin; the executor alone holds the write end (Node opens it
// close-on-exec, so no step inherits it). At an orderly end the executor writes "done" and the
// watchdog exits. If the executor dies any other way — SIGKILL, the OOM killer, a crash — the
// kernel closes the write end, the watchdog reads end-of-file at once, and it becomes
// watchdog-bin.js, which stops every process of the run's unfinished steps (crash-reaper.ts).
//
// While the run goes on it is a bash blocked in one `read`: no CPU, a few MB, nothing sent per
// step (the steps' process ids are in the timeline, written before anyone hears of a step), so
// its cost does not grow with the number of steps. It runs in a session of its own, so a
// signal meant for the executor's process group does not reach it.
import { type ChildProcess, spawn } from "node:child_process";
import type { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { withoutStepVariables } from "./step-env.js";

/** The watchdog's program, the built one even when this module runs from source (tests). */
export const WATCHDOG_BIN = fileURLToPath(
  new URL(
    import.meta.url.endsWith(".ts") ? "../dist/watchdog-bin.js" : "./watchdog-bin.js",
    import.meta.url,
  ),
);

// `read` returns at "done" (an orderly end) or at end-of-file (the executor is gone); only the
// latter execs the reaper. $0 and $@ are node and the reaper's arguments; the last one is when
// the end-of-file came (bash 5's EPOCHREALTIME; empty before bash 5), so that the reaper can
// keep to its deadline however long Node took to start on a busy machine.
const SCRIPT =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
  'IFS= read -r line; [ "$line" = done ] && exit 0; exec "$0" "$@" "${EPOCHREALTIME:-}"';

/**
 * The executor's environment without what slows a Node start and is of no use to the reaper:
 * extra CA certificates (parsed at every start; ~60 ms on some machines) and NODE_OPTIONS
 * (preloads, inspector flags); nor the step-scoped RUNYARD_* variables of an enclosing run,
 * whose reaper would otherwise take this watchdog for a process of its step.
 */
function watchdogEnvironment(): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _certs, NODE_OPTIONS: _options, ...env } = process.env;
  return withoutStepVariables(env);
}

export interface Watchdog {
  /** The watchdog's process id (undefined if it could not be started). */
  readonly pid: number | undefined;
  /** The run ended in order: let the watchdog go without doing anything. */
  release(): void;
}

/** How often a watchdog that exited unexpectedly (killed by a user, the OOM killer) is restarted. */
const RESTARTS = 1;

/**
 * Starts the watchdog of the run in `runDirectory`. Never throws: a watchdog that cannot start
 * (no bash, no process slots) is reported through `onProblem` and the run goes on without one.
 * One that exits before it is released is reported and started again, once: a second loss
 * most likely has a cause a third start would meet too.
 */
export function startWatchdog(
  runDirectory: string,
  runId: string,
  onProblem: (message: string) => void,
): Watchdog {
  let released = false;
  let restarts = 0;
  let current: { child: ChildProcess; stdin: Writable } | undefined;
  const start = (): void => {
    let child: ChildProcess;
    try {
      child = spawn(
        "bash",
        ["-c", SCRIPT, process.execPath, WATCHDOG_BIN, runDirectory, runId, String(process.pid)],
        {
          detached: true,
          stdio: ["pipe", "inherit", "inherit"],
          env: watchdogEnvironment(),
          // Holds no directory busy (an unmount of the user's working directory).
          cwd: "/",
        },
      );
    } catch (error) {
      onProblem(`no crash watchdog: ${(error as Error).message}`);
      current = undefined;
      return;
    }
    child.on("error", (error) => onProblem(`no crash watchdog: ${error.message}`));
    child.on("exit", (code, signal) => {
      if (released || current?.child !== child) return;
      current = undefined;
      const how = signal === null ? `with code ${code}` : `killed by ${signal}`;
      if (restarts >= RESTARTS) {
        onProblem(
          `the crash watchdog (pid ${child.pid}) exited unexpectedly again (${how}); the run goes on without one`,
        );
        return;
      }
      restarts += 1;
      onProblem(
        `the crash watchdog (pid ${child.pid}) exited unexpectedly (${how}); restarting it`,
      );
      start();
    });
    const stdin = child.stdin as Writable & { unref?: () => void };
    // Writing "done" to a watchdog that died already must not end the executor.
    stdin.on("error", () => undefined);
    // Neither the watchdog nor its pipe keeps the executor alive.
    child.unref();
    stdin.unref?.();
    current = { child, stdin };
  };
  start();
  return {
    get pid() {
      return current?.child.pid;
    },
    release() {
      if (released) return;
      released = true;
      current?.stdin.end("done\n");
    },
  };
}
