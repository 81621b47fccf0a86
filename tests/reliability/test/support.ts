// What every suite needs: the built CLI and executor as real processes, scratch runs roots,
// and the facts about processes (alive or not) that the suites assert.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";
import { beforeEach } from "vitest";

export const REPO = fileURLToPath(new URL("../../..", import.meta.url));
export const BIN = join(REPO, "apps/cli/dist/bundle/runyard.js");
export const EXECUTOR_BIN = join(REPO, "packages/executor/dist/executor.bundle.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, in milliseconds. */
  elapsedMs: number;
}

export interface CliOptions {
  runsDir: string;
  cwd?: string;
  env?: Record<string, string>;
  /** Shell commands run before `exec node ...` (e.g. `ulimit -n 128`). */
  shell?: string;
}

/** Starts the built `runyard` with `args`, pointed at `runsDir`. */
export function startCli(
  args: string[],
  options: CliOptions,
): { child: ChildProcess; done: Promise<CliResult> } {
  const env = {
    ...process.env,
    RUNYARD_RUNS_DIR: options.runsDir,
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    ...options.env,
  };
  let command = [process.execPath, BIN, ...args];
  if (options.shell !== undefined)
    command = ["sh", "-c", `${options.shell}; exec "$0" "$@"`, ...command];
  const [file, ...rest] = command as [string, ...string[]];
  const started = performance.now();
  const child = spawn(file, rest, { cwd: options.cwd ?? REPO, env });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({ code, signal, stdout, stderr, elapsedMs: performance.now() - started }),
    );
  });
  return { child, done };
}

export function cli(args: string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).done;
}

export interface Scratch {
  /** A fresh directory for the test's own files. */
  readonly directory: string;
  /** The runs root the CLI is pointed at: `runs` inside `directory`, not created. */
  readonly runsDir: string;
}

/** Per test: a scratch directory, removed after it, with the runs root inside. */
export function useScratch(prefix = "ry-rel-"): Scratch {
  const temporaryDirectory = useScratchDirectory(prefix);
  const scratch = { directory: "", runsDir: "" };
  beforeEach(() => {
    scratch.directory = temporaryDirectory();
    scratch.runsDir = join(scratch.directory, "runs");
  });
  return scratch;
}

/** Whether a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
