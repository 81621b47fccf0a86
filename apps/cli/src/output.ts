// Terminal output helpers: colour only on a TTY that wants it (NO_COLOR, FORCE_COLOR),
// durations a person reads at a glance, and a quiet end when the reader goes away
// (`runyard logs … | head`): the first failed write to stdout stops the command, no stack.
import type { Writable } from "node:stream";

/** Text written to a stream that its reader has not taken yet. */
export interface Backlog {
  /** Bytes written and still waiting for the reader. */
  readonly bytes: number;
  /**
   * Calls `listener` once, when the reader has taken everything written so far. Only a
   * stream that was told to wait says so; for one that was not (a backlog below its own
   * small buffer) it may never be called: look at `bytes` again instead.
   */
  onEmpty(listener: () => void): void;
}

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
  color: boolean;
  /**
   * stdout as a stream, for bytes that must come out unchanged (capture files) and with
   * backpressure. Absent when embedding: such bytes then go to `out`, decoded as UTF-8.
   */
  stdout?: NodeJS.WritableStream;
  /**
   * stdout is a terminal: step output copied to it is filtered (safe-text.ts) rather than
   * sent byte for byte, as it is to a pipe or a file.
   */
  terminal?: boolean;
  /**
   * Aborted when stdout cannot be written any more; the reason is the error (EPIPE when the
   * reader has gone away). Commands see it through their `signal`.
   */
  closed?: AbortSignal;
  /**
   * What `err` has written that stderr's reader has not taken yet. A slow reader (a pipe into
   * a paused pager, a terminal over a slow link) makes it grow; live views that may drop text
   * read it to stay bounded. Absent when `err` never holds text back.
   */
  errBacklog?: Backlog;
}

/** The backlog of a stream: what it holds for its reader, and when that runs out. */
export function streamBacklog(stream: Writable): Backlog {
  return {
    get bytes() {
      return stream.writableLength;
    },
    onEmpty(listener) {
      // 'drain' comes only after a write that was told to wait; otherwise the stream is not
      // behind at all (or just a little), and the caller's next look at `bytes` tells.
      if (stream.writableNeedDrain) stream.once("drain", listener);
      else if (stream.writableLength === 0) queueMicrotask(listener);
    },
  };
}

/** True for the error a write gets when the reading end of the pipe has been closed. */
export function isReaderGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
}

/** The state of the process's stdout and stderr, watched once however often main runs. */
let watched: { closed: AbortController; errBroken: boolean } | undefined;

function watchStandardStreams(): { closed: AbortController; errBroken: boolean } {
  if (watched) return watched;
  const state = { closed: new AbortController(), errBroken: false };
  // Without these listeners a write error is an uncaught exception with a stack trace.
  process.stdout.on("error", (error) => {
    if (!state.closed.signal.aborted) state.closed.abort(error);
  });
  process.stderr.on("error", () => {
    // Nowhere left to say anything; the command goes on (a run keeps its run directory).
    state.errBroken = true;
  });
  watched = state;
  return state;
}

export function terminalOutput(): Output {
  const forced = process.env.FORCE_COLOR;
  const color =
    forced !== undefined
      ? forced !== "0"
      : process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  const state = watchStandardStreams();
  return {
    out: (text) => {
      if (!state.closed.signal.aborted) process.stdout.write(text);
    },
    err: (text) => {
      if (!state.errBroken) process.stderr.write(text);
    },
    color,
    stdout: process.stdout,
    terminal: process.stdout.isTTY === true,
    closed: state.closed.signal,
    errBacklog: streamBacklog(process.stderr),
  };
}

const CODES = {
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  gray: 90,
  bold: 1,
  dim: 2,
} as const;
export type Style = keyof typeof CODES;

export function paint(output: Pick<Output, "color">, style: Style, text: string): string {
  return output.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}

/** 0.4s, 12.3s, 4m05s, 2h03m */
export function formatDuration(milliseconds: number): string {
  const seconds = milliseconds / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** 12s ago, 4m ago, 2h ago, 3d ago: how long since `iso`, at a glance. */
export function ago(iso: string, now: number): string {
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${Math.floor(seconds)}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

/** 512 B, 3.4 kB, 183.2 MB, 1.1 GB: decimal units, as `ls -h --si` and disk makers count. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"] as const;
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Replaces the home directory with ~ so paths stay short. */
export function tildify(path: string, home = process.env.HOME): string {
  return home && home !== "/" && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}
