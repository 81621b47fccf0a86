// The run directory's layout: where the runs root is, what each file is called, and the
// environment a step sees. Every package builds paths through these functions.
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { RunyardError } from "./errors.js";

/** Names of the files and directories inside `runs/<runId>/`. */
export const RUN_FILES = {
  meta: "meta.json",
  status: "status.json",
  workflow: "workflow.yaml",
  socket: "ipc.sock",
  heartbeat: "heartbeat",
  summary: "run_summary.jsonl",
  artifacts: "artifacts",
  inbox: "inbox",
  returnValue: "return_value.txt",
  executorLog: "executor.log",
  /** One line per hook that ran (or was dropped); only in runs that have hooks. */
  hooksLog: "hooks.log",
  launch: "launch.json",
  /**
   * Held by an executor that resumes the run (O_EXCL; its pid, host and start time inside),
   * so two resumes cannot take the run at once; removed when it ends.
   */
  lock: "run.lock",
  /** Space kept for the end of the run on a full disk; removed by the executor at its end. */
  reserve: ".disk-reserve",
} as const;

/** Permissions of everything Runyard creates: only the owning user may read. */
export const DIRECTORY_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Names a step cannot set for others: Runyard's own variables. */
export const RESERVED_ENV_PREFIX = "RUNYARD_";

/** Environment variables Runyard sets for every step (and reads, for the runs root). */
export const ENV = {
  runsDir: "RUNYARD_RUNS_DIR",
  home: "RUNYARD_HOME",
  config: "RUNYARD_CONFIG",
  runId: "RUNYARD_RUN_ID",
  runDir: "RUNYARD_RUN_DIR",
  artifactsDir: "RUNYARD_ARTIFACTS_DIR",
  summaryFile: "RUNYARD_RUN_SUMMARY_FILE",
  inboxDir: "RUNYARD_INBOX_DIR",
  returnValueFile: "RUNYARD_RETURN_VALUE_FILE",
  workflowId: "RUNYARD_WORKFLOW_ID",
  stepId: "RUNYARD_STEP_ID",
  stepSeq: "RUNYARD_STEP_SEQ",
  attempt: "RUNYARD_STEP_ATTEMPT",
  /**
   * Where the step runs: `local` or `slurm`. A crash watchdog leaves the processes of a Slurm
   * step alone (the job goes on; a resume adopts it).
   */
  backend: "RUNYARD_BACKEND",
  /** The file a step writes its outputs to, `KEY=value` lines (see step-outputs.ts). */
  output: "RUNYARD_OUTPUT",
  item: "RUNYARD_ITEM",
  itemIndex: "RUNYARD_ITEM_INDEX",
  itemCount: "RUNYARD_ITEM_COUNT",
  /** The run's ipc.sock, for the commands a step runs (`runyard log`, `send`, `artifact save`). */
  socket: "RUNYARD_SOCKET",
  /** In a hook: its name, and which of its events it runs for (`step-failed`). */
  hookName: "RUNYARD_HOOK_NAME",
  hookEvent: "RUNYARD_HOOK_EVENT",
} as const;

/** A step id without anchors, for patterns that embed one (capture file names). */
const STEP_ID = "[A-Za-z0-9][A-Za-z0-9_.-]*";

/** Step ids become file names, so they are restricted to a portable, traversal-free set. */
export const STEP_ID_PATTERN = new RegExp(`^${STEP_ID}$`);
export const STEP_ID_MAX_LENGTH = 100;

/** An item of a `foreach` as it may stand in an instance id: `coarse`, `1`, `v2.1`. */
export const ITEM_LABEL = "[A-Za-z0-9_.+-]{1,64}";

/** A step id and an item label in brackets, capturing both. */
export const INSTANCE_ID_PATTERN = new RegExp(`^(${STEP_ID})\\[(${ITEM_LABEL})\\]$`);

/**
 * The id of what a capture belongs to: a step id, or the id of one instance of a `foreach`
 * step, `mesh[coarse]` (the item, or its index, in brackets; see foreach.ts).
 */
const NODE_ID = `${STEP_ID}(?:\\[${ITEM_LABEL}\\])?`;

/** Step ids and instance ids: what capture file names and events may carry. */
export const NODE_ID_PATTERN = new RegExp(`^${NODE_ID}$`);

/** Channel names become inbox file names: same rule as step ids. */
export const CHANNEL_PATTERN = STEP_ID_PATTERN;

/**
 * `$RUNYARD_HOME`, else `~/.runyard`: where the user's Runyard files live (config.yaml,
 * trusted.json, and runs/ by default). Absolute.
 */
export function runyardHome(
  options: { env?: Readonly<Record<string, string | undefined>>; homeDirectory?: string } = {},
): string {
  const env = options.env ?? process.env;
  return resolve(env[ENV.home] || join(options.homeDirectory ?? homedir(), ".runyard"));
}

export type RunsRootSource = "env" | "config" | "home" | "default";

export interface RunsRootOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** `runsDir` from the user's config file, if any (relative paths resolve against `cwd`). */
  configRunsDir?: string | undefined;
  cwd?: string;
  homeDirectory?: string;
}

/**
 * Chooses the runs root: `$RUNYARD_RUNS_DIR`, then the config's `runsDir`, then
 * `$RUNYARD_HOME/runs`, then `~/.runyard/runs`. Returns an absolute path and where it came from.
 */
export function resolveRunsRoot(options: RunsRootOptions = {}): {
  path: string;
  source: RunsRootSource;
} {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const fromEnv = env[ENV.runsDir];
  if (fromEnv) return { path: resolve(cwd, fromEnv), source: "env" };
  if (options.configRunsDir) return { path: resolve(cwd, options.configRunsDir), source: "config" };
  const home = env[ENV.home];
  if (home) return { path: resolve(cwd, home, "runs"), source: "home" };
  return { path: join(options.homeDirectory ?? homedir(), ".runyard", "runs"), source: "default" };
}

const RUN_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** True for a canonical lowercase UUID: the only names a run directory may have. */
export function isRunId(value: string): boolean {
  return RUN_ID_PATTERN.test(value);
}

export class InvalidRunIdError extends RunyardError {
  constructor(value: string) {
    super(
      "E_INVALID_RUN_ID",
      `not a run id: ${JSON.stringify(value)} (expected a lowercase UUID such as 019a1b2c-3d4e-7f00-8a00-0123456789ab)`,
    );
  }
}

/** Parses a run id from untrusted input (CLI argument, URL, socket): no path can slip through. */
export function parseRunId(value: string): string {
  const trimmed = value.trim();
  if (!isRunId(trimmed)) throw new InvalidRunIdError(value);
  return trimmed;
}

/** `runs/<runId>`; the id is validated so the result always stays inside `runsRoot`. */
export function runDirectory(runsRoot: string, runId: string): string {
  if (!isAbsolute(runsRoot))
    throw new RunyardError("E_RUNS_ROOT", `runs root must be absolute: ${runsRoot}`);
  return join(runsRoot, parseRunId(runId));
}

/** `000001-build` (six digits at least) — the capture stem of a step's attempt; `.out`/`.err` are appended. */
export function captureStem(seq: number, stepId: string): string {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new RunyardError("E_CAPTURE_SEQ", `capture seq must be a positive integer: ${seq}`);
  }
  if (!NODE_ID_PATTERN.test(stepId))
    throw new RunyardError("E_STEP_ID", `invalid step id: ${JSON.stringify(stepId)}`);
  return `${String(seq).padStart(6, "0")}-${stepId}`;
}

/**
 * `000001-build.env`: the file an attempt writes its outputs to (RUNYARD_OUTPUT), beside its
 * captures. Runyard does not create it; a step that has outputs does.
 */
export function outputsFileName(seq: number, stepId: string): string {
  return `${captureStem(seq, stepId)}.env`;
}

export function captureFileNames(seq: number, stepId: string): { out: string; err: string } {
  const stem = captureStem(seq, stepId);
  return { out: `${stem}.out`, err: `${stem}.err` };
}

/** `inbox/NNN-<channel>.txt` — the n-th message a run received, on `channel`. */
export function inboxFileName(index: number, channel: string): string {
  if (!Number.isSafeInteger(index) || index < 1) {
    throw new RunyardError("E_INBOX_INDEX", `inbox index must be a positive integer: ${index}`);
  }
  if (!CHANNEL_PATTERN.test(channel))
    throw new RunyardError("E_CHANNEL", `invalid channel: ${JSON.stringify(channel)}`);
  return `${String(index).padStart(3, "0")}-${channel}.txt`;
}

const CAPTURE_PATTERN = new RegExp(`^(\\d{6,})-(${NODE_ID})\\.(out|err)$`);
const INBOX_PATTERN = new RegExp(`^(\\d{3,})-(${STEP_ID})\\.txt$`);

/** `NNN-<channel>.txt` back to its index and channel, or undefined for any other name. */
export function parseInboxFileName(name: string): { index: number; channel: string } | undefined {
  const match = INBOX_PATTERN.exec(name);
  if (!match?.[1] || !match[2]) return undefined;
  return { index: Number(match[1]), channel: match[2] };
}

/** Why `channel` cannot name a channel (the step id rule), or undefined when it can. */
export function channelProblem(channel: string): string | undefined {
  if (!CHANNEL_PATTERN.test(channel))
    return "a channel name has letters, digits, _ . - and starts with a letter or digit";
  if (channel.length > STEP_ID_MAX_LENGTH)
    return `a channel name is at most ${STEP_ID_MAX_LENGTH} characters`;
  return undefined;
}

/** The largest message `runyard send` takes: 1 MiB. */
export const MESSAGE_MAX_BYTES = 1024 * 1024;
/** The longest message `runyard log` takes, in UTF-8 bytes: 64 KiB. */
export const LOG_MESSAGE_MAX_BYTES = 64 * 1024;
/** The longest artifact name, in UTF-8 bytes (a file name on most file systems). */
export const ARTIFACT_NAME_MAX_BYTES = 255;

/**
 * Why `name` cannot name a file under artifacts/, or undefined when it can: one plain,
 * visible file name — no `/`, not `.` or `..`, no leading dot (names starting with a dot are
 * Runyard's temporary files, which readers skip), no NUL or other control character, at most
 * 255 bytes.
 */
export function artifactNameProblem(name: string): string | undefined {
  if (name === "") return "it is empty";
  if (name.includes("/")) return "it holds a /: an artifact name is a file name, not a path";
  if (name === "." || name === "..") return `"${name}" is not a file name`;
  if (name.startsWith(".")) return "it starts with a dot (hidden names are Runyard's own)";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses.
  if (/[\u0000-\u001f\u007f]/.test(name)) return "it holds a control character";
  if (Buffer.byteLength(name) > ARTIFACT_NAME_MAX_BYTES)
    return `it is longer than ${ARTIFACT_NAME_MAX_BYTES} bytes`;
  return undefined;
}

/**
 * A file a step's command wrote under inbox/ or artifacts/ for the executor to publish under
 * its real name (`.staged-<pid>-<random>.tmp`): hidden, so readers skip it, and never a path.
 */
export const STAGED_FILE_PATTERN = /^\.staged-\d+-[0-9a-f]{8,32}\.tmp$/;

/** Parses a capture file name back to its seq, step id and stream, or undefined. */
export function parseCaptureFileName(
  name: string,
): { seq: number; stepId: string; stream: "out" | "err" } | undefined {
  const match = CAPTURE_PATTERN.exec(name);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { seq: Number(match[1]), stepId: match[2], stream: match[3] as "out" | "err" };
}
