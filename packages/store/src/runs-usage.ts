// Disk usage of every run under a runs root, with each run's state: what `runyard du` shows and
// what a retention plan starts from. Runs are read and measured a few at a time.
import { resolve } from "node:path";
import type { RunyardError } from "@runyard/schema";
import type { ClassifyOptions } from "./classify.js";
import { diskUsage } from "./disk-usage.js";
import { listRuns } from "./list-runs.js";
import { mapBounded } from "./map-bounded.js";
import type { RunView } from "./read-run.js";
import { listPendingRemovals, type PendingRemoval, type RemovalState } from "./remove-run.js";

/** Run directories measured at once. */
const MEASURE_CONCURRENCY = 8;

export interface MeasuredRun {
  runId: string;
  directory: string;
  state: RemovalState;
  /** The run as read; null when it is unreadable (see `error`). */
  view: RunView | null;
  /** Why the run could not be read, when it could not. */
  error: RunyardError | null;
  /** Disk space it takes (see diskUsage). */
  bytes: number;
  /** Paths under it that could not be measured. */
  problems: string[];
}

export interface MeasuredRemoval extends PendingRemoval {
  bytes: number;
}

export interface RunsUsage {
  runsRoot: string;
  /** Newest first. */
  runs: MeasuredRun[];
  /** Removals cut short (`.removing-…`) and abandoned launches (`.launch-…`), which gc finishes. */
  pendingRemovals: MeasuredRemoval[];
  /** Everything above together. */
  totalBytes: number;
}

/** Reads and measures every run under `runsRoot`. */
export async function measureRuns(
  runsRoot: string,
  options: ClassifyOptions = {},
): Promise<RunsUsage> {
  const list = await listRuns(runsRoot, options);
  const entries = [
    ...list.runs.map((view) => ({
      runId: view.runId,
      directory: view.directory,
      state: view.classification,
      view,
      error: null,
    })),
    ...list.broken.map((broken) => ({
      runId: broken.runId,
      directory: broken.directory,
      state: "unreadable" as const,
      view: null,
      error: broken.error,
    })),
  ].sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
  const runs = await mapBounded(entries, MEASURE_CONCURRENCY, async (entry) => {
    const usage = await diskUsage(entry.directory);
    return { ...entry, bytes: usage.bytes, problems: usage.problems };
  });
  const pendingRemovals = await mapBounded(
    await listPendingRemovals(runsRoot, options),
    MEASURE_CONCURRENCY,
    async (pending) => ({ ...pending, bytes: (await diskUsage(pending.directory)).bytes }),
  );
  const totalBytes =
    runs.reduce((sum, run) => sum + run.bytes, 0) +
    pendingRemovals.reduce((sum, pending) => sum + pending.bytes, 0);
  return { runsRoot: resolve(runsRoot), runs, pendingRemovals, totalBytes };
}
