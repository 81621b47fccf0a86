// Lists the runs under a runs root, newest first. Entries whose name is not a run id, or that
// are not real directories, are not runs and are skipped; run directories that cannot be read
// are returned in `broken` with the reason, so a GUI can offer to clean them instead of hiding
// them. A run removed while it is listed (`runyard rm` renames it aside first) is left out, not
// called broken. Runs are read a few at a time: a root of thousands must not exhaust file
// descriptors. One run cannot stall the listing: a run not read within a deadline (a file on a
// hung network file system) is listed as broken with that reason, and the others go on.
import { lstat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { RunyardError } from "@runyard/schema";
import { withDeadline } from "./deadline.js";
import { describeSystemError, RunFileError } from "./errors.js";
import { mapBounded } from "./map-bounded.js";
import { type ReadRunOptions, type RunView, readRun } from "./read-run.js";
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
  /** Every run id under the runs root, read or not, newest first (for shortRunIds). */
  runIds: string[];
  /** How many of them were not read: the oldest, past `limit`. */
  unread: number;
}

/** Run directories read at once by default. */
export const LIST_RUNS_CONCURRENCY = 32;

/**
 * How long one run directory may take to read before the listing gives up on it: far past
 * what a healthy one takes (milliseconds, on NFS a few hundred), short enough that a run on a
 * hung file system does not hold up `runyard ps` or the GUI.
 */
export const RUN_READ_DEADLINE_MS = 5_000;

export interface ListRunsOptions extends ReadRunOptions {
  /**
   * Read only the newest `limit` run directories (with `filter`: read until `limit` runs
   * pass it); absent or 0 reads them all.
   */
  limit?: number;
  /**
   * List only the runs it accepts (a state, a workflow); runs that cannot be read are then
   * left out, as they match nothing. Run directories are read newest first, `concurrency` at
   * a time, until `limit` runs are accepted.
   */
  filter?: (view: RunView) => boolean;
  /** How many run directories are read at once (default LIST_RUNS_CONCURRENCY). */
  concurrency?: number;
  /** How long one run may take to read before it is listed as broken (RUN_READ_DEADLINE_MS). */
  deadlineMs?: number;
}

type ReadResult =
  | { ok: true; view: RunView }
  | { ok: false; broken: BrokenRun }
  /** Removed (or moved aside) while it was listed. */
  | { ok: "gone" };

/** The run read, or a RunFileError (E_RUN_READ_TIMEOUT) once `deadlineMs` have passed. */
function readWithin(directory: string, options: ReadRunOptions, deadlineMs: number) {
  return withDeadline(readRun(directory, options), deadlineMs, () => {
    const seconds = deadlineMs / 1000;
    return new RunFileError(
      directory,
      `not read within ${seconds} s (a file on a hung or slow file system?); skipped so the other runs are listed`,
      { code: "E_RUN_READ_TIMEOUT" },
    );
  });
}

async function readOne(
  root: string,
  runId: string,
  options: ReadRunOptions,
  deadlineMs: number,
): Promise<ReadResult> {
  const directory = join(root, runId);
  try {
    const view = await readWithin(directory, options, deadlineMs);
    // A run removed while it was read (renamed away, then deleted) shows problems that are
    // only the removal's doing: it is gone, not damaged.
    if (view.problems.length > 0 && (await isGone(directory))) return { ok: "gone" };
    return { ok: true, view };
  } catch (error) {
    if (await isGone(directory)) return { ok: "gone" };
    const wrapped =
      error instanceof RunyardError
        ? error
        : new RunFileError(directory, describeSystemError(error), { cause: error });
    return { ok: false, broken: { runId, directory, error: wrapped } };
  }
}

export async function listRuns(runsRoot: string, options: ListRunsOptions = {}): Promise<RunList> {
  const {
    limit = 0,
    concurrency = LIST_RUNS_CONCURRENCY,
    deadlineMs = RUN_READ_DEADLINE_MS,
    filter,
    ...readOptions
  } = options;
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be a whole number >= 1, got ${concurrency}`);
  const root = resolve(runsRoot);
  const { runIds } = await scanRunsRoot(root);
  const list: RunList = {
    runs: [],
    broken: [],
    total: runIds.length,
    runIds,
    unread: runIds.length,
  };
  const wanted = limit === 0 ? Number.POSITIVE_INFINITY : limit;
  let next = 0;
  while (next < runIds.length) {
    // Without a filter every run read counts towards `limit`: the newest `limit` in one go.
    // With one, a page at a time, never more than could still be listed.
    const room = wanted - list.runs.length - (filter === undefined ? list.broken.length : 0);
    if (room <= 0) break;
    const page = runIds.slice(
      next,
      next + (filter === undefined ? room : Math.min(room, concurrency)),
    );
    next += page.length;
    const results = await mapBounded(page, concurrency, (runId) =>
      readOne(root, runId, readOptions, deadlineMs),
    );
    for (const result of results) {
      if (result.ok === "gone") list.total -= 1;
      else if (!result.ok) {
        if (filter === undefined) list.broken.push(result.broken);
      } else if (filter === undefined || filter(result.view)) list.runs.push(result.view);
    }
  }
  list.unread = runIds.length - next;
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
