// What the export tests share: a workflow run twice — by `runyard run`, and by the bash script
// `runyard export --bash` made of it — each read back as the same shape (which steps and
// instances ended how, what each attempt printed on stdout, artifacts, inbox, return value,
// exit status), so that the two can be compared whole.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { exportCommand } from "../src/command-table/export.js";
import { bashScriptFor } from "../src/commands/export.js";
import { cli, REPO } from "./cli.js";

export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `bash script args`, with `env` over this process's environment. */
export function runScript(
  script: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    /** Called with its pid once it runs. */
    onStart?: (pid: number) => void;
    /** In a process group of its own (its pid), as a terminal runs a command. */
    group?: boolean;
  } = {},
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: options.group === true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("spawn", () => options.onStart?.(child.pid as number));
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * The script `runyard export --bash file args` writes, made here by the code the command runs
 * (commands/export.ts), without a process per workflow: the command itself has tests of its own.
 */
export async function exportScript(file: string, script: string, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: exportCommand.options, strict: true });
  writeFileSync(script, await bashScriptFor(file, values, { cwd: REPO, env: process.env }));
}

export interface NodeOutcome {
  status: string;
  /** What each attempt printed on stdout, in order. */
  stdout: string[];
}

export interface Outcome {
  code: number | null;
  /** stdout of the whole run: the return value. */
  stdout: string;
  nodes: Record<string, NodeOutcome>;
  artifacts: Record<string, string>;
  inbox: Record<string, string>;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** A run's own names (its id, its directory) said alike, so that two runs compare. */
function normalise(text: string, runDirectory: string): string {
  return text.replaceAll(runDirectory, "<run-dir>").replace(UUID, "<uuid>");
}

function files(directory: string, runDirectory: string): Record<string, string> {
  if (!existsSync(directory)) return {};
  return Object.fromEntries(
    readdirSync(directory)
      .filter((name) => !name.startsWith("."))
      .sort()
      .map((name) => [name, normalise(readFileSync(join(directory, name), "utf8"), runDirectory)]),
  );
}

/** Each attempt's stdout capture of `id`, in the order of their numbers. */
function captures(runDirectory: string, id: string, names: string[]): string[] {
  return names
    .filter((name) => /^\d{6}-/.test(name) && name.endsWith(".out") && name.slice(7, -4) === id)
    .sort()
    .map((name) => normalise(readFileSync(join(runDirectory, name), "utf8"), runDirectory));
}

function outcomeOf(
  runDirectory: string,
  code: number | null,
  stdout: string,
  statuses: [string, string][],
): Outcome {
  const names = readdirSync(runDirectory);
  return {
    code,
    stdout: normalise(stdout, runDirectory),
    nodes: Object.fromEntries(
      statuses.map(([id, status]) => [id, { status, stdout: captures(runDirectory, id, names) }]),
    ),
    artifacts: files(join(runDirectory, "artifacts"), runDirectory),
    inbox: files(join(runDirectory, "inbox"), runDirectory),
  };
}

/** `runyard run -q file args` in a runs root of its own under `root`. */
export async function runyardOutcome(file: string, args: string[], root: string): Promise<Outcome> {
  const runsDir = join(root, "runs");
  const result = await cli(["run", "-q", file, ...args], { runsDir });
  const [runId] = readdirSync(runsDir);
  if (runId === undefined) throw new Error(`runyard run made no run: ${result.stderr}`);
  const runDirectory = join(runsDir, runId);
  const status = JSON.parse(readFileSync(join(runDirectory, "status.json"), "utf8")) as {
    steps: { nodeId: string; status: string }[];
  };
  return outcomeOf(
    runDirectory,
    result.code,
    result.stdout,
    status.steps.map((step) => [step.nodeId, step.status]),
  );
}

/** The status.tsv an exported script leaves: id → [status, attempts, reason]. */
export function readStatusFile(runDirectory: string): Map<string, [string, string, string]> {
  const lines = readFileSync(join(runDirectory, "status.tsv"), "utf8").trimEnd().split("\n");
  return new Map(
    lines.slice(1).map((line) => {
      const [id, status, attempts, reason] = line.split("\t");
      return [id ?? "", [status ?? "", attempts ?? "", reason ?? ""]];
    }),
  );
}

/** The same run by the exported script, in `root`/script-run; `scriptArgs` go to the script. */
export async function scriptOutcome(
  file: string,
  args: string[],
  root: string,
  scriptArgs: string[] = [],
): Promise<Outcome & ScriptResult> {
  mkdirSync(root, { recursive: true });
  const script = join(root, "export.sh");
  await exportScript(file, script, args);
  const runDirectory = join(root, "script-run");
  const result = await runScript(script, ["-q", "--dir", runDirectory, ...scriptArgs]);
  if (!existsSync(join(runDirectory, "status.tsv"))) {
    throw new Error(`the script left no status.tsv: ${result.stderr}`);
  }
  const statuses = [...readStatusFile(runDirectory)].map(([id, [status]]): [string, string] => [
    id,
    status,
  ]);
  return { ...result, ...outcomeOf(runDirectory, result.code, result.stdout, statuses) };
}
