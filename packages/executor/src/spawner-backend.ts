// The local backend with a spawner: the steps run here as `bash -c <run>`, each in a session of
// its own (like local-backend.ts), but they are started by a small process of the run's, not
// by the executor. A fork copies the parent's page tables, so forking the executor (100-200 MB
// of Node heap) cost 2-3 ms per step on the event loop, about half the executor's CPU on a
// fan-out of `true` steps. The spawner is the system's Python (spawner/runyard-spawner.py),
// which starts each step with posix_spawn and copies nothing, or where there is no Python 3.8
// Perl (spawner/runyard-spawner.pl), which forks a process of a few MB. Each step's stdout and
// stderr are opened straight on its capture files: output never passes through the executor,
// which follows the files for live viewers (output "file").
//
// One spawner per run, started at the first step, over two pipes: requests in, reports out
// (started with a pid, could not start, exited). It is ended with the run (close), and it
// stops every step it started, should the executor die (end of file on its stdin). Where there
// is neither, createStepBackend falls back to the Node-forking backend.
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import { constants as osConstants } from "node:os";
import { delimiter, join } from "node:path";
import type { ResolvedStep } from "@runyard/schema";
import type { Backend, CaptureTarget, StepExit, StepHandle } from "./backend.js";
import { createLocalBackend, type LocalBackendOptions } from "./local-backend.js";
import { packageFile } from "./package-file.js";
import { signalSession } from "./step-session.js";
import { stopSession } from "./stop-session.js";

/** The Perl spawner's program (from src/, dist/, and a bundle that took this module in). */
export const SPAWNER_SCRIPT = packageFile("spawner/runyard-spawner.pl");
/** The Python spawner's program. */
export const PYTHON_SPAWNER_SCRIPT = packageFile("spawner/runyard-spawner.py");

/**
 * Where the system's Python is looked for. Not PATH: a `python3` found there is often a shim
 * (pyenv's is a bash script that took 0.3 s to start here) or an environment module's, which
 * may go away under a running executor; the spawner needs nothing but the standard library.
 */
export const SYSTEM_PYTHONS = ["/usr/bin/python3", "/bin/python3", "/usr/local/bin/python3"];

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

/** A signal's name; a real-time one's as Linux's tools say it (40: SIGRTMIN+6). */
function signalName(number: number): NodeJS.Signals {
  const name = SIGNAL_NAMES.get(number);
  if (name !== undefined) return name;
  const realTime = number >= 34 && number <= 64 ? `SIGRTMIN+${number - 34}` : `SIG${number}`;
  return realTime as NodeJS.Signals;
}

const executable = (candidate: string) => {
  try {
    accessSync(candidate, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The first executable `perl` on PATH (then /usr/bin), or undefined. */
export function findPerl(path = process.env.PATH ?? ""): string | undefined {
  for (const directory of [...path.split(delimiter), "/usr/bin"]) {
    if (directory === "") continue;
    const candidate = join(directory, "perl");
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/** The system's `python3` (SYSTEM_PYTHONS), or undefined. */
export function findSystemPython(candidates = SYSTEM_PYTHONS): string | undefined {
  return candidates.find(executable);
}

/** How a spawner is started: its interpreter and arguments. */
export interface SpawnerProgram {
  kind: "python" | "perl";
  command: string;
  args: string[];
}

/** The Perl spawner, run by `perl`. */
export function perlSpawner(perl: string): SpawnerProgram {
  return { kind: "perl", command: perl, args: [SPAWNER_SCRIPT] };
}

/**
 * The Python spawner, run by `python` (isolated: no site, no PYTHON* variables); an older
 * Python than 3.8 hands over to the Perl spawner run by `perl`, when given.
 */
export function pythonSpawner(python: string, perl?: string): SpawnerProgram {
  return {
    kind: "python",
    command: python,
    args: ["-I", "-S", PYTHON_SPAWNER_SCRIPT, ...(perl === undefined ? [] : [perl])],
  };
}

/**
 * The spawner for this machine, as RUNYARD_SPAWNER asks: "python" or "perl" that one only,
 * "node" none (the executor forks the steps itself); unset, the system's Python, then Perl.
 */
export function findSpawner(choice = process.env.RUNYARD_SPAWNER): SpawnerProgram | undefined {
  if (choice === "node") return undefined;
  const python = choice === "perl" ? undefined : findSystemPython();
  const perl = choice === "python" ? undefined : findPerl();
  if (python !== undefined) return pythonSpawner(python, perl);
  return perl === undefined ? undefined : perlSpawner(perl);
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
  /** How to start the spawner (findSpawner, perlSpawner, pythonSpawner). */
  spawner: SpawnerProgram;
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
          : { exitCode: null, signal: signalName(signal) },
      );
    }
  };

  const ensureSpawner = (): ChildProcess => {
    if (child !== undefined) return child;
    const started = spawn(options.spawner.command, options.spawner.args, {
      // A session of its own: a signal meant for the executor's process group does not reach it.
      detached: true,
      stdio: ["pipe", "pipe", "inherit"],
      // The spawner needs nothing from the user's environment (PERL5OPT would preload code in
      // Perl; Python is started isolated from PYTHON* variables anyway).
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

/** What to say in executor.log of a RUNYARD_SPAWNER that could not be followed, if anything. */
export function spawnerChoiceProblem(
  choice: string | undefined,
  found: SpawnerProgram | undefined,
): string | undefined {
  if (choice === undefined || choice === "" || choice === "node") return undefined;
  if (choice !== "python" && choice !== "perl") {
    return `RUNYARD_SPAWNER=${choice} is not one of python, perl, node: chosen as if it were unset`;
  }
  if (found !== undefined) return undefined;
  const where =
    choice === "python"
      ? `no Python in ${SYSTEM_PYTHONS.join(", ")}`
      : "no perl on PATH or in /usr/bin";
  return `RUNYARD_SPAWNER=${choice}, but ${where}: the executor starts the steps itself`;
}

/**
 * The backend for local steps: a spawner (findSpawner: the system's Python, then Perl, as
 * RUNYARD_SPAWNER allows), the Node-forking backend where there is none or with
 * RUNYARD_SPAWNER=node.
 */
export function createStepBackend(
  options: LocalBackendOptions & { onProblem?: (message: string) => void } = {},
): Backend {
  const choice = process.env.RUNYARD_SPAWNER;
  const spawner = findSpawner(choice);
  const said = spawnerChoiceProblem(choice, spawner);
  if (said !== undefined) options.onProblem?.(said);
  if (spawner === undefined) return createLocalBackend(options);
  return createSpawnerBackend({
    spawner,
    ...(options.shell === undefined ? {} : { shell: options.shell }),
    ...(options.onProblem === undefined ? {} : { onProblem: options.onProblem }),
  });
}
