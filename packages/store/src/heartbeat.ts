// The heartbeat file: wall-clock epoch milliseconds, rewritten about every 10 s while the
// executor lives. Best effort: a failed write is reported once, then retried quietly at each
// beat, because liveness must never stop a run.
import { readInputFile } from "@runyard/schema";
import { writeFileAtomic } from "./atomic-write.js";

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

/** Epoch ms of the last beat, or null when there is no (readable, numeric) heartbeat. */
export async function readHeartbeat(path: string): Promise<number | null> {
  // A regular file only, not through a link, opened without blocking (see readJsonFile).
  const read = await readInputFile(path, 4096, { followSymlinks: false });
  if (!read.ok) {
    if (read.code === "ENOENT") return null;
    throw read.cause ?? new Error(read.reason);
  }
  const text = new TextDecoder().decode(read.bytes);
  const value = Number(text.trim());
  return Number.isFinite(value) && value > 0 ? value : null;
}
