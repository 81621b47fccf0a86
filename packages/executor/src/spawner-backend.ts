// The local backend with a spawner: the steps run here as `bash -c <run>`, each in a session of
// its own (like local-backend.ts), but they are forked by a small Perl process of the run's
// (spawner/runyard-spawner.pl), not by the executor. A fork copies the parent's page tables,
// so forking the executor (100-200 MB of Node heap) cost 2-3 ms per step on the event loop,
// about half the executor's CPU on a fan-out of `true` steps; the spawner is a few MB. Each
// step's stdout and stderr are opened straight on its capture files: output never passes
// through the executor, which follows the files for live viewers (output "file").
//
// One spawner per run, started at the first step, over two pipes: requests in, reports out
// (started with a pid, could not start, exited). It is ended with the run (close), and it
// stops every step it started, should the executor die (end of file on its stdin). Where there
// is no Perl, createStepBackend falls back to the Node-forking backend.
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import { constants as osConstants } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ResolvedStep } from "@runyard/schema";
import type { Backend, CaptureTarget, StepExit, StepHandle } from "./backend.js";
import { createLocalBackend, type LocalBackendOptions } from "./local-backend.js";
import { signalSession } from "./step-session.js";
import { stopSession } from "./stop-session.js";

/** The spawner's program (the same path from src/ and dist/). */
export const SPAWNER_SCRIPT = fileURLToPath(
  new URL("../spawner/runyard-spawner.pl", import.meta.url),
);

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

/** The first executable `perl` on PATH (then /usr/bin), or undefined. */
export function findPerl(path = process.env.PATH ?? ""): string | undefined {
  for (const directory of [...path.split(delimiter), "/usr/bin"]) {
    if (directory === "") continue;
    const candidate = join(directory, "perl");
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

interface InFlight {
  pid: number | undefined;
  /** A signal asked for before the pid was known: sent the moment it is. */
  pendingKill: NodeJS.Signals | undefined;
  started(): void;
  exited(exit: StepExit): void;
}

export interface SpawnerBackendOptions {
  /** Shell that runs `run` with `-c` (default "bash"). */
  shell?: string;
  /** The Perl interpreter (default: found on PATH). */
  perl: string;
  /** Something went wrong with the spawner itself (said in executor.log). */
  onProblem?: (message: string) => void;
}

export function createSpawnerBackend(options: SpawnerBackendOptions): Backend {
  const shell = options.shell ?? "bash";
  const inFlight = new Map<number, InFlight>();
  let nextId = 1;
  let child: ChildProcess | undefined;
  let closed = false;
  let pendingLine = "";
  /** The environment the spawner holds: what the requests so far set. */
  const sent = new Map<string, string>();

  const lost = (why: string) => {
    const entries = [...inFlight.values()];
    inFlight.clear();
    for (const entry of entries) {
      if (entry.pid !== undefined) void stopSession(entry.pid, 0).catch(() => undefined);
      entry.started();
      entry.exited({ exitCode: null, signal: null, error: why });
    }
  };

  const onReport = (line: string) => {
    const [type, idText, first, second] = line.split(" ");
    const entry = inFlight.get(Number(idText));
    if (entry === undefined) return;
    if (type === "P") {
      entry.pid = Number(first);
      if (entry.pendingKill !== undefined) signalSession(entry.pid, entry.pendingKill);
      entry.started();
    } else if (type === "F") {
      inFlight.delete(Number(idText));
      entry.started();
      entry.exited({
        exitCode: null,
        signal: null,
        error: `could not start: ${line.split(" ").slice(2).join(" ")}`,
      });
    } else if (type === "X") {
      inFlight.delete(Number(idText));
      const code = Number(first);
      const signal = Number(second);
      entry.exited(
        code >= 0
          ? { exitCode: code, signal: null }
          : { exitCode: null, signal: SIGNAL_NAMES.get(signal) ?? "SIGKILL" },
      );
    }
  };

  const ensureSpawner = (): ChildProcess => {
    if (child !== undefined) return child;
    const started = spawn(options.perl, [SPAWNER_SCRIPT], {
      // A session of its own: a signal meant for the executor's process group does not reach it.
      detached: true,
      stdio: ["pipe", "pipe", "inherit"],
      // Perl needs nothing from the user's environment (PERL5OPT would preload code in it).
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      cwd: "/",
    });
    child = started;
    sent.clear();
    started.on("error", (error) => {
      if (child !== started) return;
      child = undefined;
      options.onProblem?.(`the step spawner could not start: ${error.message}`);
      lost(`could not start: the step spawner could not start (${error.message})`);
    });
    started.stdin?.on("error", () => undefined);
    started.stdout?.setEncoding("utf8");
    started.stdout?.on("data", (text: string) => {
      const lines = (pendingLine + text).split("\n");
      pendingLine = lines.pop() ?? "";
      for (const line of lines) onReport(line);
    });
    started.on("close", (code, signal) => {
      if (child !== started) return;
      child = undefined;
      pendingLine = "";
      if (closed && inFlight.size === 0) return;
      const how = signal === null ? `with code ${code}` : `killed by ${signal}`;
      options.onProblem?.(`the step spawner (pid ${started.pid}) exited unexpectedly (${how})`);
      lost(`the step spawner (pid ${started.pid}) exited unexpectedly (${how})`);
    });
    return started;
  };

  return {
    name: "local",
    output: "file",
    start(step: ResolvedStep, captures: CaptureTarget, env: NodeJS.ProcessEnv): StepHandle {
      const fields = [step.cwd, captures.outPath, captures.errPath, "3", shell, "-c", step.run];
      const spawner = ensureSpawner();
      // Only what differs from the environment the spawner holds (the last step's): most of a
      // step's environment is the run's, and sending it whole each time cost more than the fork.
      const changes: [string, string | undefined][] = [];
      for (const [name, value] of Object.entries(env)) {
        if (value !== undefined && sent.get(name) !== value) {
          if (name === "" || name.includes("=")) continue;
          fields.push(`+${name}=${value}`);
          changes.push([name, value]);
        }
      }
      for (const name of sent.keys()) {
        if (env[name] === undefined) {
          fields.push(`-${name}`);
          changes.push([name, undefined]);
        }
      }
      if (fields.some((field) => field.includes("\0"))) {
        throw new Error("its command or environment contains a NUL byte");
      }
      for (const [name, value] of changes) {
        if (value === undefined) sent.delete(name);
        else sent.set(name, value);
      }
      const payload = Buffer.from(fields.join("\0"));
      const id = nextId;
      nextId += 1;
      let resolveStarted!: () => void;
      let resolveExit!: (exit: StepExit) => void;
      const started = new Promise<void>((resolve) => {
        resolveStarted = resolve;
      });
      const exit = new Promise<StepExit>((resolve) => {
        resolveExit = resolve;
      });
      const entry: InFlight = {
        pid: undefined,
        pendingKill: undefined,
        started: resolveStarted,
        exited: resolveExit,
      };
      inFlight.set(id, entry);
      // One write, one system call: a pipe write that wakes the spawner is not cheap.
      spawner.stdin?.write(Buffer.concat([Buffer.from(`S ${id} ${payload.length}\n`), payload]));
      let stopping: Promise<void> | undefined;
      return {
        exit,
        started,
        get pid() {
          return entry.pid;
        },
        get pgid() {
          return entry.pid;
        },
        kill(signal) {
          if (entry.pid !== undefined) signalSession(entry.pid, signal);
          else entry.pendingKill = signal;
        },
        stop(graceMs) {
          stopping ??= started.then(() =>
            entry.pid === undefined ? undefined : stopSession(entry.pid, graceMs),
          );
          return stopping;
        },
      };
    },
    warm() {
      ensureSpawner();
    },
    close() {
      closed = true;
      const current = child;
      if (current === undefined) return;
      current.stdin?.end("Q 0 0\n");
      current.unref();
    },
  };
}

/**
 * The backend for local steps: the spawner when Perl is here (and RUNYARD_SPAWNER is not
 * "node"), the Node-forking backend otherwise.
 */
export function createStepBackend(
  options: LocalBackendOptions & { onProblem?: (message: string) => void } = {},
): Backend {
  const perl = process.env.RUNYARD_SPAWNER === "node" ? undefined : findPerl();
  if (perl === undefined) return createLocalBackend(options);
  return createSpawnerBackend({
    perl,
    ...(options.shell === undefined ? {} : { shell: options.shell }),
    ...(options.onProblem === undefined ? {} : { onProblem: options.onProblem }),
  });
}
