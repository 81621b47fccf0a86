// Appends durable events to run_summary.jsonl: one JSON line per event, through one O_APPEND
// file descriptor, written synchronously so an event is in the file before anyone hears of it.
//
// fsync policy. A write() puts the line in the kernel's page cache, which already survives
// the executor crashing or being killed; fsync only guards against the machine going down.
// Runs roots often sit on NFS home directories where fsync is slow, so the writer syncs:
// - at once after `run-start` (the run provably began) and `run-end` (the timeline is complete);
// - otherwise in the background, at most once per `syncIntervalMs` (default 1 s) while lines
//   are unsynced, so a machine crash loses at most about a second of the timeline, and the run
//   is then classified crashed anyway.
//
// All or nothing. A write() can land part of a line and then fail (a full disk: ENOSPC). A
// fragment left there would have the next line glued onto it, one bad line in the middle of
// the timeline for ever. So the writer knows the length of the file up to its last whole line,
// and a failed append cuts the file back to it; if even that fails, the file ends in a
// fragment that no later line may extend, and the writer refuses every append after it.
import { closeSync, fdatasync, fdatasyncSync, fstatSync, ftruncateSync, writeSync } from "node:fs";
import { encodeLine, isDurableEvent, type RunEvent, RunEventSchema } from "@runyard/protocol";
import { check, RunyardError } from "@runyard/schema";
import { openForAppend } from "./append-file.js";
import { describeSystemError, SummaryOrderError } from "./errors.js";

/** An append to run_summary.jsonl failed; the message says whether the file was left whole. */
export class SummaryWriteError extends RunyardError {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("E_SUMMARY_WRITE", `${path}: ${message}`, options);
    this.path = path;
  }
}

/** `ENOSPC: no space left on device`, without the syscall Node appends (", write"). */
function describeFailure(error: unknown): string {
  return describeSystemError(error).replace(/, \w+$/, "");
}

export interface SummaryWriterOptions {
  /** Seq of the last line already in the file (0 for a new run). */
  lastSeq?: number;
  /** Longest time an appended line stays unsynced, in ms (default 1000). */
  syncIntervalMs?: number;
  /** Called when a background fsync fails (the next append or close retries). */
  onSyncError?: (error: unknown) => void;
}

const IMMEDIATE_SYNC: ReadonlySet<string> = new Set(["run-start", "run-end"]);

export class SummaryWriter {
  readonly path: string;
  #fd: number | undefined;
  #lastSeq: number;
  /** Bytes in the file up to the end of its last whole line. */
  #committed: number;
  /** Why appends are refused: a failed append left a fragment that could not be removed. */
  #broken: string | undefined;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;
  readonly #syncIntervalMs: number;
  readonly #onSyncError: (error: unknown) => void;

  private constructor(path: string, fd: number, options: SummaryWriterOptions) {
    this.path = path;
    this.#fd = fd;
    this.#committed = fstatSync(fd).size;
    this.#lastSeq = options.lastSeq ?? 0;
    this.#syncIntervalMs = options.syncIntervalMs ?? 1000;
    this.#onSyncError = options.onSyncError ?? (() => undefined);
  }

  /** Opens (creating if needed, 0600) the summary for appending. */
  static open(path: string, options: SummaryWriterOptions = {}): SummaryWriter {
    const fd = openForAppend(path, "a");
    try {
      return new SummaryWriter(path, fd, options);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * Bytes of the file that are this writer's own whole lines (and what was there when it was
   * opened): its size, as long as nothing else wrote to it. Undefined once an append failed and
   * left a fragment that could not be removed.
   */
  get committedBytes(): number | undefined {
    return this.#broken === undefined ? this.#committed : undefined;
  }

  /**
   * Appends one durable event; its seq must be the next one. Throws SummaryWriteError if the
   * write fails, having cut the file back to its last whole line (so the same event can be
   * appended again), or, if the cut failed too, refusing every later append.
   */
  append(event: RunEvent): void {
    const fd = this.#fd;
    if (fd === undefined) throw new SummaryOrderError(`${this.path}: append after close`);
    if (this.#broken !== undefined) {
      throw new SummaryWriteError(
        this.path,
        `refusing to append seq ${event.seq}: ${this.#broken}`,
      );
    }
    if (!isDurableEvent(event)) {
      throw new SummaryOrderError(`${this.path}: ${event.type} events are live only`);
    }
    if (event.seq !== this.#lastSeq + 1) {
      throw new SummaryOrderError(
        `${this.path}: event seq ${event.seq} would follow seq ${this.#lastSeq}; seq must be gapless`,
      );
    }
    const checked = check(RunEventSchema, event);
    if (!checked.ok) {
      const first = checked.problems[0];
      throw new SummaryOrderError(
        `${this.path}: refusing an invalid ${event.type} event: ${first?.path}: ${first?.message}`,
      );
    }
    const bytes = Buffer.from(encodeLine(event));
    let written = 0;
    try {
      while (written < bytes.length) {
        written += writeSync(fd, bytes, written, bytes.length - written);
      }
    } catch (error) {
      this.#rollBack(fd, event.seq, written, error);
    }
    this.#committed += bytes.length;
    this.#lastSeq = event.seq;
    this.#dirty = true;
    if (IMMEDIATE_SYNC.has(event.type)) {
      fdatasyncSync(fd);
      this.#dirty = false;
    } else this.#scheduleSync();
  }

  /**
   * Cuts off what a failed write left of a line (`written` bytes of it): the file ends where
   * the line began again. That is its size now less those bytes, not this writer's count of
   * its own: should anything else have appended to the file (a step, by mistake), cutting at
   * the count would cut a whole line of the writer's in two.
   */
  #rollBack(fd: number, seq: number, written: number, error: unknown): never {
    const reason = describeFailure(error);
    try {
      ftruncateSync(fd, fstatSync(fd).size - written);
    } catch (truncateError) {
      this.#broken = `appending seq ${seq} failed (${reason}) and the partial line it left could not be removed (${describeFailure(truncateError)})`;
      throw new SummaryWriteError(
        this.path,
        `cannot append seq ${seq}: ${reason}; the partial line could not be removed (${describeFailure(truncateError)}), so no more lines will be appended`,
        { cause: error },
      );
    }
    throw new SummaryWriteError(
      this.path,
      `cannot append seq ${seq}: ${reason}; nothing of the line was kept`,
      { cause: error },
    );
  }

  #scheduleSync(): void {
    if (this.#timer !== undefined || this.#syncing !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.sync().catch(this.#onSyncError);
    }, this.#syncIntervalMs);
    this.#timer.unref();
  }

  /** fsyncs now if lines are unsynced. */
  async sync(): Promise<void> {
    if (this.#syncing) await this.#syncing;
    const fd = this.#fd;
    if (!this.#dirty || fd === undefined) return;
    this.#dirty = false;
    this.#syncing = new Promise<void>((resolve, reject) => {
      fdatasync(fd, (error) => {
        if (error) {
          this.#dirty = true;
          reject(error);
        } else resolve();
      });
    }).finally(() => {
      this.#syncing = undefined;
      if (this.#dirty && this.#fd !== undefined) this.#scheduleSync();
    });
    await this.#syncing;
  }

  /** Syncs what is unsynced and closes the file descriptor. */
  async close(): Promise<void> {
    if (this.#fd === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      await this.sync();
    } finally {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      const fd = this.#fd;
      this.#fd = undefined;
      if (fd !== undefined) closeSync(fd);
    }
  }
}
