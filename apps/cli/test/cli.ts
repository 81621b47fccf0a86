// Runs the built `runyard` binary as a real process, in a scratch runs root.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";
import { beforeEach } from "vitest";

/** The `runyard` users run: the bundle (dist/bundle/runyard.js, made from tsc's dist/). */
export const BIN = fileURLToPath(new URL("../dist/bundle/runyard.js", import.meta.url));
/** tsc's build of the same program, one file per module: what start-up tests count. */
export const UNBUNDLED_BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
export const REPO = fileURLToPath(new URL("../../..", import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout as the bytes it was, for output that need not be UTF-8. */
  stdoutBytes: Buffer;
}

export interface CliOptions {
  runsDir: string;
  cwd?: string;
  env?: Record<string, string>;
  /** Runs under `sh -c 'umask U; exec node ...'`. */
  umask?: string;
  /** Shell commands run before `exec node ...` (e.g. `ulimit -n 128`). */
  shell?: string;
  /** Run as this user and group id (through setpriv; needs root). */
  user?: number;
  /** The program (default BIN). */
  bin?: string;
}

const NOBODY = 65534;

/** setpriv's arguments to run a command as `user` (and the group of the same id). */
function setprivAs(user: number): string[] {
  return ["--reuid", String(user), "--regid", String(user), "--clear-groups"];
}

/**
 * A uid the CLI can be run as so that file permissions apply to it: none needed when the tests
 * do not run as root; `nobody` through setpriv when they do; undefined when neither works.
 */
export function unprivilegedUser(): { user?: number } | undefined {
  if (process.getuid?.() !== 0) return {};
  const probe = spawnSync("setpriv", [...setprivAs(NOBODY), process.execPath, "-e", ""], {
    stdio: "ignore",
  });
  return probe.status === 0 ? { user: NOBODY } : undefined;
}

export function startCli(
  args: string[],
  options: CliOptions,
): { child: ChildProcess; done: Promise<CliResult> } {
  const env = {
    ...process.env,
    RUNYARD_RUNS_DIR: options.runsDir,
    // A Runyard home of the test's own: no user's config (its hooks) or trusted.json applies.
    RUNYARD_HOME: join(dirname(options.runsDir), "home"),
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    ...options.env,
  };
  const shell = [
    ...(options.umask === undefined ? [] : [`umask ${options.umask}`]),
    ...(options.shell === undefined ? [] : [options.shell]),
  ];
  let command = [process.execPath, options.bin ?? BIN, ...args];
  if (shell.length > 0) command = ["sh", "-c", `${shell.join("; ")}; exec "$0" "$@"`, ...command];
  if (options.user !== undefined) command = ["setpriv", ...setprivAs(options.user), ...command];
  const [file, ...rest] = command as [string, ...string[]];
  const child = spawn(file, rest, { cwd: options.cwd ?? REPO, env });
  const stdout: Buffer[] = [];
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout.push(chunk);
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const stdoutBytes = Buffer.concat(stdout);
      resolvePromise({ code, signal, stdout: stdoutBytes.toString("utf8"), stderr, stdoutBytes });
    });
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
