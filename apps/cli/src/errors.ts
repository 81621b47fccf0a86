// Maps errors to exit status and a one-line message plus a hint; stacks only with --debug.
// Node's system errors (a `code` such as EACCES and maybe a `path`) are said in words with the
// file they concern ("cannot read /tmp: it is a directory"), never as "a bug in runyard".
// The subpaths, not the packages' indexes: every command loads this file, `--help` included,
// and neither may cost it zod or yaml.
import { RunyardError } from "@runyard/schema/errors";
import { findSystemError, type SystemErrorFacts } from "@runyard/store/system-errors";
import { type Output, paint } from "./output.js";
import { safeText } from "./safe-text.js";

/**
 * Exit statuses, in the manner of git and gh: 1 a run failed, 2 usage, 3 bad input, 4 not
 * found; from sysexits.h, 74 an I/O error (disk full, too many open files), 77 permission
 * denied, 70 an internal error (a bug).
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  invalid: 3,
  notFound: 4,
  internal: 70,
  io: 74,
  permission: 77,
  cancelled: 130,
} as const;

export class UsageError extends RunyardError {
  constructor(message: string, hint?: string) {
    super("E_USAGE", message, hint === undefined ? undefined : { hint });
  }
}

/** Refuses arguments past those a command takes, naming the first one and the usage. */
export function refuseExtraArguments(extra: readonly string[], usage: string): void {
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}"`, `usage: ${usage}`);
  }
}

const EXIT_BY_CODE: Record<string, number> = {
  E_USAGE: EXIT.usage,
  E_PARAMS: EXIT.usage,
  E_PORT_IN_USE: EXIT.usage,
  E_RUNS_ROOT_EMPTY: EXIT.usage,
  E_WORKFLOW_READ: EXIT.notFound,
  E_WORKFLOW_NOT_FILE: EXIT.invalid,
  E_WORKFLOW_INVALID: EXIT.invalid,
  E_INVALID_FILE: EXIT.invalid,
  E_CONFIG_INVALID: EXIT.invalid,
  E_TRUST_INVALID: EXIT.invalid,
  E_PROJECT_CONFIG_NOT_FOUND: EXIT.notFound,
  E_INVALID_RUN_ID: EXIT.usage,
  E_RUN_REFERENCE_INVALID: EXIT.usage,
  E_RUN_REFERENCE_AMBIGUOUS: EXIT.usage,
  E_WORKFLOW_NOT_FOUND: EXIT.notFound,
  E_RUN_NOT_FOUND: EXIT.notFound,
  E_NO_TESTS: EXIT.notFound,
  E_RERUN_NO_COPY: EXIT.notFound,
  E_RERUN_DIRECTORY_GONE: EXIT.notFound,
  E_RERUN_DIRECTORY: EXIT.usage,
  E_STEP_NOT_FOUND: EXIT.notFound,
  E_BACKEND_UNAVAILABLE: EXIT.invalid,
  E_SLURM_UNAVAILABLE: EXIT.invalid,
  E_EXPORT_SLURM: EXIT.invalid,
  E_EXPORT_VALUE: EXIT.invalid,
  E_RUN_OPTIONS: EXIT.usage,
  E_ABORTED: EXIT.cancelled,
  E_SUMMARY_WRITE: EXIT.io,
  E_DISK_FULL: EXIT.io,
  E_DISK_IO: EXIT.io,
  E_TOO_MANY_FILES: EXIT.io,
  E_RUN_ELSEWHERE: EXIT.failed,
  E_RUN_ENDED: EXIT.failed,
  E_CANCEL_REFUSED: EXIT.failed,
  E_RESUME: EXIT.failed,
  E_RUN_RUNNING: EXIT.failed,
  E_RUN_JOBS_LIVE: EXIT.failed,
  E_RUN_LOCKED: EXIT.failed,
  // The commands a step runs (runyard log, send, receive, artifact save).
  E_NOT_IN_STEP: EXIT.usage,
  E_EXECUTOR_UNREACHABLE: EXIT.failed,
  E_MESSAGE_TOO_LARGE: EXIT.invalid,
};

/** For codes whose status depends on the system error behind them, when there is none. */
const EXIT_BY_CODE_WITHOUT_CAUSE: Record<string, number> = {
  E_CONFIG_READ: EXIT.invalid,
  E_TRUST_READ: EXIT.invalid,
  E_PARAMS_FILE_READ: EXIT.invalid,
};

const EXIT_BY_ERRNO: Record<string, number> = {
  EACCES: EXIT.permission,
  EPERM: EXIT.permission,
  EROFS: EXIT.permission,
  ENOENT: EXIT.notFound,
  EISDIR: EXIT.invalid,
  ENOTDIR: EXIT.invalid,
  ELOOP: EXIT.invalid,
  ENAMETOOLONG: EXIT.invalid,
  EADDRINUSE: EXIT.usage,
};

function exitForSystemError(facts: SystemErrorFacts): number {
  return EXIT_BY_ERRNO[facts.code] ?? EXIT.io;
}

const VERB_BY_SYSCALL: Record<string, string> = {
  open: "open",
  read: "read",
  write: "write",
  mkdir: "create",
  mkdtemp: "create",
  rmdir: "remove",
  unlink: "remove",
  rm: "remove",
  rename: "replace",
  scandir: "list",
  opendir: "list",
  copyfile: "copy",
  chmod: "change the mode of",
  fsync: "write",
  listen: "listen on",
  bind: "listen on",
  connect: "connect to",
  spawn: "run",
};

const HINT_BY_ERRNO: Record<string, string> = {
  EACCES: "check its permissions (ls -ld), or choose a path you may use",
  EPERM: "check its permissions (ls -ld), or choose a path you may use",
  EROFS: "that file system is mounted read-only; choose a path on another one",
  ENOSPC: "free some space on that file system, or choose another path",
  EDQUOT: "you are over your disk quota there; free some space",
  EMFILE: "raise the open-files limit (ulimit -n) and try again",
  ENFILE: "the system has too many files open; try again when it has fewer",
};

/** A system error as a RunyardError: "cannot <verb> <path>: <reason>" and a hint. */
export function fromSystemError(facts: SystemErrorFacts, cause?: unknown): RunyardError {
  const verb = (facts.syscall && VERB_BY_SYSCALL[facts.syscall]) ?? "use";
  const message =
    facts.path !== undefined
      ? `cannot ${verb} ${facts.path}: ${facts.reason}`
      : facts.syscall !== undefined
        ? `cannot ${verb}: ${facts.reason}`
        : facts.reason;
  const hint = HINT_BY_ERRNO[facts.code];
  return new RunyardError(`E_SYSTEM_${facts.code}`, message, {
    cause,
    ...(hint === undefined ? {} : { hint }),
  });
}

/** The exit status for an error, by its code, else by the system error behind it. */
export function exitStatusFor(error: unknown): number {
  if (error instanceof RunyardError) {
    const direct = EXIT_BY_CODE[error.code];
    if (direct !== undefined) return direct;
  }
  const facts = findSystemError(error);
  if (facts) return exitForSystemError(facts);
  if (error instanceof RunyardError) return EXIT_BY_CODE_WITHOUT_CAUSE[error.code] ?? EXIT.failed;
  return EXIT.internal;
}

export function reportError(error: unknown, output: Output, debug: boolean): number {
  const facts = error instanceof RunyardError ? undefined : findSystemError(error);
  const shown = facts ? fromSystemError(facts, error) : error;
  const status = exitStatusFor(error);
  if (shown instanceof RunyardError) {
    output.err(`${paint(output, "red", "error:")} ${safeText(shown.message, { lines: true })}\n`);
    if (shown.hint)
      output.err(`${paint(output, "dim", "hint:")} ${safeText(shown.hint, { lines: true })}\n`);
    if (debug && error instanceof Error && error.stack) output.err(`${error.stack}\n`);
    return status;
  }
  const message = error instanceof Error ? error.message : String(error);
  output.err(`${paint(output, "red", "error:")} ${safeText(message, { lines: true })}\n`);
  if (debug && error instanceof Error && error.stack) output.err(`${error.stack}\n`);
  else
    output.err(
      `${paint(output, "dim", "hint:")} this looks like a bug in runyard; rerun with --debug for the stack\n`,
    );
  return status;
}
