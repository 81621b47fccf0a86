// Lists the runs under a runs root, newest first. Entries whose name is not a run id, or that
// are not real directories, are not runs and are skipped; run directories that cannot be read
// are returned in `broken` with the reason, so a GUI can offer to clean them instead of hiding
// them. A run removed while it is listed (`runyard rm` renames it aside first) is left out, not
// called broken. Runs are read a few at a time: a root of thousands must not exhaust file
// descriptors.
import { lstat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { RunyardError } from "@runyard/schema";
import type { ClassifyOptions } from "./classify.js";
import { describeSystemError, RunFileError } from "./errors.js";
import { mapBounded } from "./map-bounded.js";
import { type RunView, readRun } from "./read-run.js";
import { scanRunsRoot } from "./run-ids.js";

export interface BrokenRun {
  runId: string;
  directory: string;
  error: RunyardError;
}

export interface RunList {
  /** Newest first (run ids are UUIDv7, which sort by creation time). */
  runs: RunView[];
  broken: BrokenRun[];
  /** How many run directories the runs root holds, read or not (see `limit`). */
  total: number;
}

/** Run directories read at once by default. */
export const LIST_RUNS_CONCURRENCY = 32;

export interface ListRunsOptions extends ClassifyOptions {
  /** Read only the newest `limit` run directories; absent or 0 reads them all. */
  limit?: number;
  /** How many run directories are read at once (default LIST_RUNS_CONCURRENCY). */
  concurrency?: number;
}

export async function listRuns(runsRoot: string, options: ListRunsOptions = {}): Promise<RunList> {
  const { limit = 0, concurrency = LIST_RUNS_CONCURRENCY, ...classifyOptions } = options;
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a whole number >= 1, got ${concurrency}`);
  const root = resolve(runsRoot);
  const { runIds } = await scanRunsRoot(root);
  const chosen = limit === 0 ? runIds : runIds.slice(0, limit);
  const results = await mapBounded(chosen, concurrency, async (runId) => {
    const directory = join(root, runId);
    try {
      return { ok: true as const, view: await readRun(directory, classifyOptions) };
    } catch (error) {
      if (await isGone(directory)) return { ok: "gone" as const };
      const wrapped =
        error instanceof RunyardError
          ? error
          : new RunFileError(directory, describeSystemError(error), { cause: error });
      return { ok: false as const, broken: { runId, directory, error: wrapped } };
    }
  });
  const list: RunList = { runs: [], broken: [], total: runIds.length };
  for (const result of results) {
    if (result.ok === "gone") list.total -= 1;
    else if (result.ok) list.runs.push(result.view);
    else list.broken.push(result.broken);
  }
  return list;
}

/** Whether a run directory that could not be read has been removed (or moved aside) since. */
async function isGone(directory: string): Promise<boolean> {
  try {
    await lstat(directory);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}
