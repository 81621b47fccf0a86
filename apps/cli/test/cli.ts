// Runs the built `runyard` binary as a real process, in a scratch runs root.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";
import { beforeEach } from "vitest";

export const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
export const REPO = fileURLToPath(new URL("../../..", import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  runsDir: string;
  cwd?: string;
  env?: Record<string, string>;
  /** Runs under `sh -c 'umask U; exec node ...'`. */
  umask?: string;
}

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
  const child =
    options.umask === undefined
      ? spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO, env })
      : spawn(
          "sh",
          ["-c", `umask ${options.umask}; exec "$0" "$@"`, process.execPath, BIN, ...args],
          {
            cwd: options.cwd ?? REPO,
            env,
          },
        );
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
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
export function useScratch(): Scratch {
  const temporaryDirectory = useScratchDirectory("runyard-cli-");
  const scratch = { directory: "", runsDir: "" };
  beforeEach(() => {
    scratch.directory = temporaryDirectory();
    scratch.runsDir = join(scratch.directory, "runs");
  });
  return scratch;
}
