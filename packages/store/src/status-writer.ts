// Snapshots the executor's in-memory RunStatus to status.json. The status lives in memory (one
// source of truth); this writer only decides when to copy it to disk.
//
// Coalescing: a change schedules a write no sooner than `intervalMs` (default 250 ms) after the
// previous one, so a burst of step changes costs one or two atomic replaces (each with fsync)
// instead of one per change. The first change after a quiet period is written at once. At the
// end the executor calls flush(), which writes the final state before it returns.
import { check, type RunStatus, RunStatusSchema, ValidationError } from "@runyard/schema";
import { writeJsonAtomic } from "./atomic-write.js";

export interface StatusWriterOptions {
  /** Least time between two writes, in ms (default 250). */
  intervalMs?: number;
  /** Called when a background write fails; flush() throws instead. */
  onError?: (error: unknown) => void;
}

export class StatusWriter {
  readonly path: string;
  readonly #snapshot: () => RunStatus;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  #writes = 0;
  #closed = false;

  /** `snapshot` returns the current status; it is called at write time, never copied earlier. */
  constructor(path: string, snapshot: () => RunStatus, options: StatusWriterOptions = {}) {
    this.path = path;
    this.#snapshot = snapshot;
    this.#intervalMs = options.intervalMs ?? 250;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Number of times status.json has been written. */
  get writes(): number {
    return this.#writes;
  }

  /** The status changed: schedule a coalesced write. */
  changed(): void {
    this.#dirty = true;
    if (this.#closed || this.#timer !== undefined || this.#writing !== undefined) return;
    const wait = Math.max(0, this.#lastWriteAt + this.#intervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#writeNow().catch(this.#onError);
    }, wait);
    // The executor flushes at the end; a pending write must not keep a dying process alive.
    this.#timer.unref();
  }

  #writeNow(): Promise<void> {
    this.#dirty = false;
    const status = this.#snapshot();
    const writing = (async () => {
      const result = check(RunStatusSchema, status);
      if (!result.ok) throw new ValidationError(this.path, result.problems, "E_STATUS_INVALID");
      await writeJsonAtomic(this.path, result.value);
      this.#writes += 1;
    })().finally(() => {
      this.#writing = undefined;
      this.#lastWriteAt = Date.now();
      if (this.#dirty) this.changed();
    });
    this.#writing = writing;
    return writing;
  }

  /** Writes the current status now (whether or not it changed) and waits for it to land. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // A background write may be in flight: let it finish, then write the latest state.
    if (this.#writing) await this.#writing.catch(() => undefined);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writeNow();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Final flush; later changes are not written. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }
}
