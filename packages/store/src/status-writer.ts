// Snapshots the executor's in-memory RunStatus to status.json. The status lives in memory (one
// source of truth); this writer only decides when to copy it to disk.
//
// Coalescing: a change schedules a write no sooner than `intervalMs` (default 250 ms) after the
// previous one, so a burst of step changes costs one or two atomic replaces (each with fsync)
// instead of one per change. The first change after a quiet period is written at once. The
// interval stretches to ten times what the last write took, so a large status (3 MB at 10,000
// steps) costs the run at most a tenth of its time however often it changes. At the end the
// executor calls flush(), which writes the final state before it returns.
import type { RunStatus } from "@runyard/schema";
import { writeFileAtomic } from "./atomic-write.js";
import { statusJson } from "./status-json.js";

/** The interval is at least this many times the last write's duration. */
const INTERVAL_PER_WRITE_TIME = 10;

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
  #lastWriteMs = 0;
  #writes = 0;
  #closed = false;

  /**
   * `snapshot` returns the current status, which may be the live object: it is called at write
   * time and turned into text at once, never copied or kept.
   */
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
    const interval = Math.max(this.#intervalMs, INTERVAL_PER_WRITE_TIME * this.#lastWriteMs);
    const wait = Math.max(0, this.#lastWriteAt + interval - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#writeNow().catch(this.#onError);
    }, wait);
    // The executor flushes at the end; a pending write must not keep a dying process alive.
    this.#timer.unref();
  }

  #writeNow(): Promise<void> {
    this.#dirty = false;
    const startedAt = Date.now();
    const writing = (async () => {
      // Synchronous up to the first await: the text is the status of this moment.
      await writeFileAtomic(this.path, statusJson(this.#snapshot()));
      this.#writes += 1;
    })().finally(() => {
      this.#writing = undefined;
      this.#lastWriteAt = Date.now();
      this.#lastWriteMs = this.#lastWriteAt - startedAt;
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
