// Where a run is prepared before it exists: `<runs root>/.launch-<runId>/`. A front end makes
// it (createStagingDirectory), may start the executor in it at once, then fills it with the
// workflow copy and launch.json (fillStagingDirectory, in run-directory.ts); the executor
// commits it under the run id. This module loads no validator (nothing of zod): the CLI calls
// it before it has loaded them, so that the executor's start overlaps its own.
import { lstat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseRunId, runDirectory } from "@runyard/schema/layout";
import { v7 as uuidv7 } from "uuid";
import { createDirectory, ensureDirectory } from "./directories.js";
import { describeSystemError, RunDirectoryError } from "./errors.js";

/** Name prefix of a run directory being prepared; readers skip names starting with a dot. */
export const STAGING_PREFIX = ".launch-";

export interface StagedRunDirectory {
  runId: string;
  /** `<runs root>/.launch-<runId>`: where the executor is started. */
  staging: string;
  /** `<runs root>/<runId>`: the name it has once the executor commits it. */
  directory: string;
}

/** A new run id: a UUIDv7, so run directories sort by start time. */
export function newRunId(): string {
  return uuidv7();
}

/** Makes the runs root (as `mkdir -p` would), naming it in the error. */
export async function ensureRunsRoot(root: string): Promise<void> {
  try {
    await ensureDirectory(root);
  } catch (error) {
    throw new RunDirectoryError(
      root,
      `cannot create the runs root: ${describeSystemError(error)}`,
      {
        cause: error,
        hint: "set RUNYARD_RUNS_DIR to a directory you can write",
      },
    );
  }
}

/** Creates `directory` (0700), refusing one that exists. */
export async function createFreshDirectory(directory: string): Promise<void> {
  try {
    await createDirectory(directory);
  } catch (error) {
    const exists = (error as NodeJS.ErrnoException).code === "EEXIST";
    throw new RunDirectoryError(
      directory,
      exists ? "a run with this id already exists" : describeSystemError(error),
      { cause: error },
    );
  }
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/**
 * The first half of staging a run: the runs root (made if missing) and an empty
 * `<runs root>/.launch-<runId>/` (0700). Refuses a run id that already names a run or a
 * staging directory. The second half is fillStagingDirectory.
 */
export async function createStagingDirectory(
  runsRoot: string,
  runId: string,
): Promise<StagedRunDirectory> {
  const id = parseRunId(runId);
  const root = resolve(runsRoot);
  const directory = runDirectory(root, id);
  const staging = join(root, `${STAGING_PREFIX}${id}`);
  await ensureRunsRoot(root);
  if (await pathExists(directory)) {
    throw new RunDirectoryError(directory, "a run with this id already exists");
  }
  await createFreshDirectory(staging);
  return { runId: id, staging, directory };
}
