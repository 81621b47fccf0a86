// Removes a run directory safely. The id is checked (parseRunId), the entry is lstat'ed and must
// be a real directory (a symlink named like a run is refused: whatever it points to is not the
// store's), a run that may still be going is refused unless forced, and the directory is first
// renamed aside to `.removing-<runId>-<random>` in the runs root, then deleted. The rename is
// atomic, and readers skip dot names, so a half-deleted run is never listed as a run; a removal
// cut short leaves only the dot name, which the next gc finishes. removeTree deletes a symlink
// inside the run as the link itself and never follows it, so nothing outside the runs root is
// touched, and it removes a directory chain of any depth (remove-tree.ts).

import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { lstat, readdir, rename } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isRunId, parseRunId, RunyardError } from "@runyard/schema";
import type { ClassifyOptions, RunClassification } from "./classify.js";
import { fsyncDirectory } from "./directories.js";
import { type DiskUsage, diskUsage } from "./disk-usage.js";
import { describeSystemError, RunFileError } from "./errors.js";
import { type RunView, readRun } from "./read-run.js";
import { removeTree } from "./remove-tree.js";
import { RunReferenceError } from "./resolve-run-reference.js";
import { liveLockHolder } from "./run-lock.js";

export type RemoveRunErrorCode = "E_RUN_RUNNING" | "E_RUN_STATE_UNKNOWN" | "E_RUN_NOT_REMOVABLE";

/** A run that removeRun will not remove: it may be going, or it is not a run directory. */
export class RemoveRunError extends RunyardError {
  readonly runId: string;
  readonly directory: string;

  constructor(
    code: RemoveRunErrorCode,
    runId: string,
    directory: string,
    message: string,
    hint: string,
  ) {
    super(code, message, { hint });
    this.runId = runId;
    this.directory = directory;
  }
}

/** How a run stood when it was read for removal; "unreadable" when meta.json could not be. */
export type RemovalState = RunClassification | "unreadable";

export interface RemoveRunOptions extends ClassifyOptions {
  /**
   * Remove a run even when it may still be going (running, unknown, unreadable). The caller
   * has made sure it is not (the CLI cancels it first), or accepts the consequences.
   */
  force?: boolean;
}

export interface RemovedRun {
  runId: string;
  /** Where the run directory was. */
  directory: string;
  state: RemovalState;
  /** null when meta.json could not be read. */
  workflowName: string | null;
  /** Disk space freed (see diskUsage). */
  bytes: number;
}

/** Leftovers of removals cut short: `.removing-<runId>-<8 hex digits>`. */
const REMOVING_PATTERN = /^\.removing-(.{36})-[0-9a-f]{8}$/;

/** Staged run directories (`.launch-<runId>`, see stageRunDirectory). */
const LAUNCH_PATTERN = /^\.launch-(.{36})$/;

/**
 * A staged run directory untouched this long was abandoned: its executor never committed it
 * (the launcher was killed while staging, the machine died). A launch takes seconds and its
 * launcher gives up after a minute, so an hour leaves a wide margin: a launch still on its way
 * is never removed.
 */
export const ABANDONED_LAUNCH_AFTER_MS = 3_600_000;

/** The dot name a run directory is renamed to before it is deleted. */
export function removingName(runId: string): string {
  return `.removing-${runId}-${randomBytes(4).toString("hex")}`;
}

/**
 * A directory in the runs root that is no run and only waits to be deleted: a run directory
 * renamed aside for removal (`removal`), or a staged run directory its executor never
 * committed (`launch`, abandoned for at least ABANDONED_LAUNCH_AFTER_MS).
 */
export interface PendingRemoval {
  /** The entry's name in the runs root. */
  name: string;
  runId: string;
  directory: string;
  kind: "removal" | "launch";
}

/** Epoch ms of the last change to `directory` or any entry in it (lstat: links not followed). */
async function lastChange(directory: string, stats: Stats): Promise<number> {
  let latest = stats.mtimeMs;
  const names = await readdir(directory).catch(() => [] as string[]);
  for (const name of names) {
    const entry = await lstat(join(directory, name)).catch(() => undefined);
    if (entry !== undefined) latest = Math.max(latest, entry.mtimeMs, entry.ctimeMs);
  }
  return Math.max(latest, stats.ctimeMs);
}

/**
 * The removals cut short under a runs root (real directories named `.removing-…`), and the
 * launches abandoned there (real directories named `.launch-<runId>` untouched for
 * ABANDONED_LAUNCH_AFTER_MS, as of `options.now`).
 */
export async function listPendingRemovals(
  runsRoot: string,
  options: { now?: number } = {},
): Promise<PendingRemoval[]> {
  const now = options.now ?? Date.now();
  const root = resolve(runsRoot);
  let names: string[];
  try {
    names = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new RunFileError(root, `cannot list runs: ${describeSystemError(error)}`, {
      cause: error,
    });
  }
  const pending: PendingRemoval[] = [];
  for (const name of names.sort()) {
    const removing = REMOVING_PATTERN.exec(name)?.[1];
    const launch = LAUNCH_PATTERN.exec(name)?.[1];
    const runId = removing ?? launch;
    if (runId === undefined || !isRunId(runId)) continue;
    const directory = join(root, name);
    const stats = await lstat(directory).catch(() => undefined);
    if (!stats?.isDirectory()) continue;
    if (removing !== undefined) {
      pending.push({ name, runId, directory, kind: "removal" });
    } else if (now - (await lastChange(directory, stats)) >= ABANDONED_LAUNCH_AFTER_MS) {
      pending.push({ name, runId, directory, kind: "launch" });
    }
  }
  return pending;
}

/**
 * Deletes a directory renamed aside (by removeRun, or one it left when cut short) and
 * returns its disk usage. Directories a step made read-only (a Go module cache) are made
 * writable on the way, and a chain of any depth is removed (see removeTree).
 */
export async function deleteRemoval(directory: string): Promise<DiskUsage> {
  const usage = await diskUsage(directory);
  await removeTree(directory);
  return usage;
}

function notRemovable(runId: string, directory: string, stats: Stats): RemoveRunError {
  if (stats.isSymbolicLink()) {
    return new RemoveRunError(
      "E_RUN_NOT_REMOVABLE",
      runId,
      directory,
      `${directory} is a symbolic link, not a run directory; nothing was removed`,
      `a link is never a run; to drop the link alone (what it points to stays): rm ${directory}`,
    );
  }
  return new RemoveRunError(
    "E_RUN_NOT_REMOVABLE",
    runId,
    directory,
    `${directory} is not a directory, not a run; nothing was removed`,
    "look at it, and remove it by hand if it is not needed",
  );
}

/** Refuses a run that may still be going, unless forced. */
function refuseActive(
  runId: string,
  directory: string,
  read: { view: RunView } | { error: RunyardError },
): RemoveRunError | undefined {
  if ("error" in read) {
    return new RemoveRunError(
      "E_RUN_STATE_UNKNOWN",
      runId,
      directory,
      `cannot tell whether run ${runId} has ended: ${read.error.message}`,
      "look at the run directory; remove it anyway with --force",
    );
  }
  const { view } = read;
  // A resume has taken the run (run.lock) and not yet said so in meta.json.
  const holder = liveLockHolder(directory);
  if (holder !== undefined && view.classification !== "running") {
    return new RemoveRunError(
      "E_RUN_RUNNING",
      runId,
      directory,
      `run ${runId} is being resumed (run.lock: pid ${holder.pid} on ${holder.host})`,
      `wait for it to end, or cancel it and remove it at once with: runyard rm --force ${runId}`,
    );
  }
  if (view.classification === "running") {
    return new RemoveRunError(
      "E_RUN_RUNNING",
      runId,
      directory,
      `run ${runId} is running (${view.reason})`,
      `wait for it to end, or cancel it and remove it at once with: runyard rm --force ${runId}`,
    );
  }
  if (view.classification === "unknown") {
    return new RemoveRunError(
      "E_RUN_STATE_UNKNOWN",
      runId,
      directory,
      `cannot tell whether run ${runId} has ended: ${view.reason}`,
      `run the command on ${view.meta.startedOn}, where it started, or remove it anyway with --force`,
    );
  }
  return undefined;
}

async function readForRemoval(
  directory: string,
  options: ClassifyOptions,
): Promise<{ view: RunView } | { error: RunyardError }> {
  try {
    return { view: await readRun(directory, options) };
  } catch (error) {
    if (error instanceof RunyardError) return { error };
    return { error: new RunFileError(directory, describeSystemError(error), { cause: error }) };
  }
}

/**
 * Removes one run directory from `runsRoot`. Throws InvalidRunIdError for anything but a run
 * id, RunReferenceError (E_RUN_NOT_FOUND) when there is no such run, and RemoveRunError for a
 * symlink or a file in its place (E_RUN_NOT_REMOVABLE, never forced) or a run that may still
 * be going (E_RUN_RUNNING, E_RUN_STATE_UNKNOWN; `force` removes it all the same).
 */
export async function removeRun(
  runsRoot: string,
  runId: string,
  options: RemoveRunOptions = {},
): Promise<RemovedRun> {
  const { force = false, ...classifyOptions } = options;
  const id = parseRunId(runId);
  const root = resolve(runsRoot);
  const directory = join(root, id);
  let stats: Stats;
  try {
    stats = await lstat(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new RunReferenceError("E_RUN_NOT_FOUND", id, `no run ${id} in ${root}`, {
      hint: "list runs with: runyard ps",
    });
  }
  if (!stats.isDirectory()) throw notRemovable(id, directory, stats);

  const read = await readForRemoval(directory, classifyOptions);
  const refusal = refuseActive(id, directory, read);
  if (refusal && !force) throw refusal;

  // rename() moves the entry itself: had it been swapped for a symlink since the lstat, the
  // link would be moved and then deleted as a link, never what it points to.
  const aside = join(root, removingName(id));
  try {
    await rename(directory, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new RunReferenceError("E_RUN_NOT_FOUND", id, `run ${id} was removed meanwhile`, {
      hint: "list runs with: runyard ps",
    });
  }
  // The rename must be on disk before any deletion is: a crash in between must leave either
  // the whole run or a dot name, never a half-deleted run under its own name.
  await fsyncDirectory(root);
  const usage = await deleteRemoval(aside);
  return {
    runId: id,
    directory,
    state: "view" in read ? read.view.classification : "unreadable",
    workflowName: "view" in read ? read.view.meta.workflowName : null,
    bytes: usage.bytes,
  };
}
