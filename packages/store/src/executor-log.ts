// executor.log: the executor's own diagnostics (a heartbeat that cannot be written, a client
// dropped for being slow, a background fsync that failed) — things about the executor, not
// about the run, which go to run_summary.jsonl. Created (0600) on the first line only, so a
// run without trouble has none. Plain text: `<ISO time> <level> <message>` per line.
//
// Bounded. Anything a client does can end up here (every bad line it sends is one message),
// so a misbehaving client must not be able to fill the disk through it:
// - of each kind of message, the first `repeatLimit` are written; later ones are counted, and
//   the count is written as one "suppressed" line at most once per `suppressedReportMs`
//   (and by flush());
// - the file stops at `maxBytes`, with a last line saying it was truncated.
import { chmodSync, closeSync, statSync, writeSync } from "node:fs";
import { FILE_MODE } from "@runyard/schema";
import { openRegularForAppend } from "./append-file.js";
import { describeSystemError } from "./errors.js";

export type ExecutorLogLevel = "info" | "warn" | "error";

export interface ExecutorLogOptions {
  /** Largest the file may grow, in bytes (default 1 MiB); its last line then says so. */
  maxBytes?: number;
  /** Messages of one kind written before later ones are only counted (default 10). */
  repeatLimit?: number;
  /** Least time between two "suppressed" lines for one kind, in ms (default 60 000). */
  suppressedReportMs?: number;
  /** The clock, epoch ms; for tests. */
  now?: () => number;
}

/** Longest message written, in characters; a longer one is cut and marked with "…". */
const MAX_MESSAGE_CHARACTERS = 4096;

interface KindState {
  readonly level: ExecutorLogLevel;
  readonly label: string;
  written: number;
  suppressed: number;
  /** When the current count of suppressed messages began, or the last report was written. */
  since: number;
}

/**
 * The kind of a message, for counting repeats: its level and first two `: `-separated parts
 * with numbers blanked, so "ipc: client error E_BAD_MESSAGE: line 3: …" and the same error on
 * line 4 are one kind, and a heartbeat failure is another.
 */
function kindOf(level: ExecutorLogLevel, message: string): { key: string; label: string } {
  const label = message.split(": ").slice(0, 2).join(": ").split("\n")[0]?.slice(0, 120) ?? "";
  return { key: `${level} ${label.replace(/\d+/g, "#")}`, label };
}

/** "1 MiB", or "1024-byte" for a limit that is not whole mebibytes (tests use small ones). */
function limitText(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return Number.isInteger(value) ? `${value} MiB` : `${bytes}-byte`;
}

/**
 * Appends to `path`, made 0600 if new, never through a link nor to a named pipe or a device:
 * a step knows the run directory and could have put one there.
 */
function appendSafely(path: string, text: string): void {
  const fd = openRegularForAppend(path);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

export class ExecutorLog {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #repeatLimit: number;
  readonly #suppressedReportMs: number;
  readonly #clock: () => number;
  readonly #kinds = new Map<string, KindState>();
  #size: number | undefined;
  #full = false;
  #created = false;
  #failed = false;

  constructor(path: string, options: ExecutorLogOptions = {}) {
    this.path = path;
    this.#maxBytes = options.maxBytes ?? 1024 * 1024;
    this.#repeatLimit = options.repeatLimit ?? 10;
    this.#suppressedReportMs = options.suppressedReportMs ?? 60_000;
    this.#clock = options.now ?? Date.now;
  }

  write(level: ExecutorLogLevel, message: string): void {
    if (this.#full) return;
    const at = this.#clock();
    this.#reportSuppressed(at, false);
    const { key, label } = kindOf(level, message);
    let kind = this.#kinds.get(key);
    if (kind === undefined) {
      kind = { level, label, written: 0, suppressed: 0, since: at };
      this.#kinds.set(key, kind);
    }
    if (kind.written >= this.#repeatLimit) {
      if (kind.suppressed === 0) kind.since = at;
      kind.suppressed += 1;
      return;
    }
    kind.written += 1;
    const text =
      message.length > MAX_MESSAGE_CHARACTERS
        ? `${message.slice(0, MAX_MESSAGE_CHARACTERS)}…`
        : message;
    this.#append(at, level, text);
  }

  /** Writes the count of every kind of message suppressed since its last report. */
  flush(): void {
    if (!this.#full) this.#reportSuppressed(this.#clock(), true);
  }

  #reportSuppressed(at: number, all: boolean): void {
    for (const kind of this.#kinds.values()) {
      if (kind.suppressed === 0) continue;
      if (!all && at - kind.since < this.#suppressedReportMs) continue;
      const count = kind.suppressed;
      kind.suppressed = 0;
      kind.since = at;
      const plural = count === 1 ? "message" : "messages";
      this.#append(at, kind.level, `suppressed ${count} more ${plural} like "${kind.label}"`);
    }
  }

  #append(at: number, level: ExecutorLogLevel, message: string): void {
    if (this.#full) return;
    const time = new Date(at).toISOString();
    let line = `${time} ${level} ${message.replace(/\n/g, "\n  ")}\n`;
    const last = `${time} warn log truncated: ${this.path} reached its ${limitText(this.#maxBytes)} limit; later messages are dropped\n`;
    const size = this.#currentSize();
    if (size + Buffer.byteLength(line) + Buffer.byteLength(last) > this.#maxBytes) {
      line = last;
      this.#full = true;
    }
    try {
      appendSafely(this.path, line);
      this.#size = size + Buffer.byteLength(line);
      if (!this.#created) {
        this.#created = true;
        chmodSync(this.path, FILE_MODE);
      }
    } catch (error) {
      // The log of last resort is stderr, once: the run goes on either way.
      if (this.#failed) return;
      this.#failed = true;
      try {
        process.stderr.write(
          `runyard: cannot write ${this.path} (${describeSystemError(error)}); dropped: ${line}`,
        );
      } catch {
        // A detached executor's stderr is executor.log itself, on the same full disk, and a
        // write to a file may throw. Nothing is left to tell; the run goes on.
      }
    }
  }

  /** Bytes in the file: looked up once (a resumed run appends to its log), then counted. */
  #currentSize(): number {
    if (this.#size === undefined) {
      try {
        this.#size = statSync(this.path).size;
      } catch {
        // No file yet (the usual case), or none we can see: it starts empty.
        this.#size = 0;
      }
    }
    return this.#size;
  }
}
