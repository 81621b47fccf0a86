// Lists the runs under a runs root, newest first. Entries whose name is not a run id, or that
// are not real directories, are not runs and are skipped; run directories that cannot be read
// are returned in `broken` with the reason, so a GUI can offer to clean them instead of hiding
// them. A run removed while it is listed (`runyard rm` renames it aside first) is left out, not
// called broken. Runs are read one at a time, synchronously (readRunSync): a few small files
// each, where a trip through the thread pool per system call cost more than the calls (a
// listing of 10,000 runs took 5.5 s that way). The event loop gets a turn every
// YIELD_EVERY runs, so a server listing a big root still answers meanwhile.
import { lstatSync } from "node:fs";
import { join, resolve } from "node:path";
import { setImmediate } from "node:timers/promises";
import { RunyardError } from "@runyard/schema";
import { describeSystemError, RunFileError } from "./errors.js";
import { type ReadRunOptions, type RunView, readRunSync } from "./read-run.js";
import { scanRunsRoot } from "./run-ids.js";
import type { RunViewCache } from "./run-view-cache.js";

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

/** Runs read between two turns of the event loop. */
const YIELD_EVERY = 256;

export interface ListRunsOptions extends ReadRunOptions {
  /**
   * Read only the newest `limit` run directories (with `filter`: read until `limit` runs
   * pass it); absent or 0 reads them all.
   */
  limit?: number;
  /**
   * List only the runs it accepts (a state, a workflow); runs that cannot be read are then
   * left out, as they match nothing. Run directories are read newest first until `limit`
   * runs are accepted.
   */
  filter?: (view: RunView) => boolean;
  /**
   * Views of ended runs kept from an earlier listing of this root, reused while their files
   * are unchanged (a reader that polls); updated by the listing. One cache serves one runs
   * root read with the same options.
   */
  cache?: RunViewCache;
}

type ReadResult =
  | { ok: true; view: RunView }
  | { ok: false; broken: BrokenRun }
  /** Removed (or moved aside) while it was listed. */
  | { ok: "gone" };

function readOne(
  root: string,
  runId: string,
  options: ReadRunOptions,
  cache: RunViewCache | undefined,
): ReadResult {
  const directory = join(root, runId);
  try {
    const stamp = cache?.stamp(directory);
    const known = stamp === undefined ? undefined : cache?.recall(stamp);
    if (known !== undefined) return { ok: true, view: known };
    const view = readRunSync(directory, options);
    // A run removed while it was read (renamed away, then deleted) shows problems that are
    // only the removal's doing: it is gone, not damaged.
    if (view.problems.length > 0 && isGone(directory)) return { ok: "gone" };
    if (stamp !== undefined) cache?.remember(stamp, view);
    return { ok: true, view };
  } catch (error) {
    if (isGone(directory)) return { ok: "gone" };
    const wrapped =
      error instanceof RunyardError
        ? error
        : new RunFileError(directory, describeSystemError(error), { cause: error });
    return { ok: false, broken: { runId, directory, error: wrapped } };
  }
}

export async function listRuns(runsRoot: string, options: ListRunsOptions = {}): Promise<RunList> {
  const { limit = 0, filter, cache, ...readOptions } = options;
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
  const root = resolve(runsRoot);
  const runIds = cache === undefined ? (await scanRunsRoot(root)).runIds : await cache.runIds(root);
  const list: RunList = {
    runs: [],
    broken: [],
    total: runIds.length,
    runIds,
    unread: runIds.length,
  };
  const wanted = limit === 0 ? Number.POSITIVE_INFINITY : limit;
  let next = 0;
  // Without a filter every run read counts towards `limit` (the newest `limit`); with one,
  // only the runs it accepts, and unreadable runs are left out.
  while (next < runIds.length && list.runs.length + list.broken.length < wanted) {
    if (next > 0 && next % YIELD_EVERY === 0) await setImmediate();
    const runId = runIds[next] as string;
    next += 1;
    const result = readOne(root, runId, readOptions, cache);
    if (result.ok === "gone") list.total -= 1;
    else if (!result.ok) {
      if (filter === undefined) list.broken.push(result.broken);
    } else if (filter === undefined || filter(result.view)) list.runs.push(result.view);
  }
  list.unread = runIds.length - next;
  cache?.retain(root, runIds);
  return list;
}

/** Whether a run directory that could not be read has been removed (or moved aside) since. */
function isGone(directory: string): boolean {
  try {
    lstatSync(directory);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}
