// Creates a run directory all-or-nothing: runs/<uuidv7>/ with the workflow copy, meta.json,
// an empty run_summary.jsonl and artifacts/. If any piece fails, the half-made directory is
// removed, so a reader never finds a run that never started.
import { open, rm } from "node:fs/promises";
import { resolve } from "node:path";
import {
  check,
  FILE_MODE,
  parseRunId,
  type RunMeta,
  RunMetaSchema,
  runDirectory,
  ValidationError,
} from "@runyard/schema";
import { v7 as uuidv7 } from "uuid";
import { writeFileAtomic, writeJsonAtomic } from "./atomic-write.js";
import { createDirectory, ensureDirectory, fsyncDirectory } from "./directories.js";
import { describeSystemError, RunDirectoryError } from "./errors.js";
import { type RunPaths, runPaths } from "./paths.js";

export interface CreateRunDirectoryOptions {
  /** A run id chosen by the caller (a lowercase UUID); a new UUIDv7 when absent. */
  runId?: string;
  /** The exact bytes of the workflow file, copied to workflow.yaml. */
  workflowSource: Uint8Array;
  /** meta.json as it is at start; the store fills in `runId`. */
  meta: Omit<RunMeta, "runId">;
}

export interface CreatedRunDirectory {
  runId: string;
  directory: string;
  paths: RunPaths;
  meta: RunMeta;
}

/** Validates and writes meta.json atomically (0600, fsynced). */
export async function writeMeta(directory: string, meta: RunMeta): Promise<void> {
  const path = runPaths(directory).meta;
  const result = check(RunMetaSchema, meta);
  if (!result.ok) throw new ValidationError(path, result.problems, "E_META_INVALID");
  await writeJsonAtomic(path, result.value);
}

async function createEmptyFile(path: string): Promise<void> {
  const handle = await open(path, "wx", FILE_MODE);
  try {
    await handle.chmod(FILE_MODE);
  } finally {
    await handle.close();
  }
}

export async function createRunDirectory(
  runsRoot: string,
  options: CreateRunDirectoryOptions,
): Promise<CreatedRunDirectory> {
  const runId = options.runId === undefined ? uuidv7() : parseRunId(options.runId);
  const root = resolve(runsRoot);
  const directory = runDirectory(root, runId);
  const meta: RunMeta = { ...options.meta, runId };
  const checked = check(RunMetaSchema, meta);
  if (!checked.ok) throw new ValidationError("meta.json", checked.problems, "E_META_INVALID");

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

  const paths = runPaths(directory);
  try {
    await writeFileAtomic(paths.workflow, options.workflowSource);
    await writeMeta(directory, checked.value);
    await createEmptyFile(paths.summary);
    await createDirectory(paths.artifacts);
    await fsyncDirectory(directory);
  } catch (error) {
    // All-or-nothing: the directory was created by this call a moment ago and holds nothing
    // but what this call wrote, so removing it cannot lose anyone's data.
    await rm(directory, { recursive: true, force: true });
    throw new RunDirectoryError(directory, `cannot populate: ${describeSystemError(error)}`, {
      cause: error,
    });
  }
  return { runId, directory, paths, meta: checked.value };
}
