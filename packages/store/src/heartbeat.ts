// The heartbeat file: wall-clock epoch milliseconds, rewritten about every 10 s while the
// executor lives. Best effort: a failed write is reported once, then retried quietly at each
// beat, because liveness must never stop a run.
import { setImmediate as nextTurn } from "node:timers/promises";
import { writeFileAtomic } from "./atomic-write.js";
import type { RunFileError } from "./errors.js";
import { MAX_HEARTBEAT_BYTES, readRunFileSync } from "./run-file.js";

/** The latest time a Date can hold, in epoch ms (ECMA-262: 8.64e15). */
const LATEST_TIME_MS = 8.64e15;

/** One decoder for every read (decode() without `stream` keeps no state); it drops a BOM. */
const UTF8 = new TextDecoder();

export const HEARTBEAT_INTERVAL_MS = 10_000;

export interface HeartbeatOptions {
  intervalMs?: number;
  /** Called once for the first failure (and again only after a success). */
  onError?: (error: unknown) => void;
  /** Clock, for tests. */
  now?: () => number;
}

export interface Heartbeat {
  /** Resolves once the first beat was attempted. */
  readonly started: Promise<void>;
  stop(): Promise<void>;
}

export function startHeartbeat(path: string, options: HeartbeatOptions = {}): Heartbeat {
  const intervalMs = options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
  const clock = options.now ?? Date.now;
  const onError = options.onError ?? (() => undefined);
  let failing = false;
  let stopped = false;
  let current: Promise<void> = Promise.resolve();

  const beat = (): Promise<void> => {
    current = current.then(async () => {
      if (stopped) return;
      try {
        // No fsync: the value only matters while the machine is up.
        await writeFileAtomic(path, `${clock()}\n`, { fsync: false });
        failing = false;
      } catch (error) {
        if (!failing) onError(error);
        failing = true;
      }
    });
    return current;
  };

  const started = beat();
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  return {
    started,
    async stop() {
      clearInterval(timer);
      stopped = true;
      await current;
    },
  };
}

/**
 * Epoch ms of the last beat, or null when there is no heartbeat or it holds no number. Throws
 * RunFileError for a heartbeat that cannot be read or is refused (see openRunFile).
 */
export function readHeartbeatSync(path: string): number | null {
  let bytes: Uint8Array;
  try {
    bytes = readRunFileSync(path, MAX_HEARTBEAT_BYTES);
  } catch (error) {
    if ((error as RunFileError).code === "E_RUN_FILE_MISSING") return null;
    throw error;
  }
  const text = UTF8.decode(bytes);
  const value = Number(text.trim());
  // A time a Date can hold (a step can write anything here: 1e300 must not reach toISOString).
  return Number.isFinite(value) && value > 0 && value <= LATEST_TIME_MS ? value : null;
}

/** readHeartbeatSync after a turn of the event loop. */
export async function readHeartbeat(path: string): Promise<number | null> {
  await nextTurn();
  return readHeartbeatSync(path);
}
