// Creates a run directory all-or-nothing: runs/<uuidv7>/ with the workflow copy, meta.json,
// an empty run_summary.jsonl, artifacts/ and the disk reserve. If any piece fails, the half-made directory is
// removed, so a reader never finds a run that never started. A detached run is made in two
// halves: the front end stages it under a dot-name (workflow copy and launch.json), the
// executor commits it (meta.json with its own pid, then one rename to the run id).
import { open, rename, rm } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  check,
  FILE_MODE,
  type LaunchRecord,
  LaunchRecordSchema,
  parseRunId,
  type RunMeta,
  RunMetaSchema,
  RunyardError,
  runDirectory,
  ValidationError,
} from "@runyard/schema";
import { writeFileAtomic, writeJsonAtomic } from "./atomic-write.js";
import { createDirectory, fsyncDirectory } from "./directories.js";
import { createDiskReserve } from "./disk-reserve.js";
import { describeSystemError, RunDirectoryError } from "./errors.js";
import { type RunPaths, runPaths } from "./paths.js";
import {
  createFreshDirectory,
  createStagingDirectory,
  ensureRunsRoot,
  newRunId,
  pathExists,
  type StagedRunDirectory,
} from "./staging.js";
import { statusJson } from "./status-json.js";
import { createInitialStatus, type StatusStep } from "./status-reducer.js";

export interface CreateRunDirectoryOptions {
  /** A run id chosen by the caller (a lowercase UUID); a new UUIDv7 when absent. */
  runId?: string;
  /** The exact bytes of the workflow file, copied to workflow.yaml. */
  workflowSource: Uint8Array;
  /** meta.json as it is at start; the store fills in `runId`. */
  meta: Omit<RunMeta, "runId">;
  /** Size of the disk reserve (.disk-reserve; see diskReserveBytes); 0 or absent: none. */
  reserveBytes?: number;
  /**
   * The run's steps: status.json is then written with every step pending before the directory
   * becomes a run, so a run never exists without its status (an executor killed a moment after
   * the commit leaves a whole record). Absent: no status.json until the executor writes one.
   */
  steps?: readonly StatusStep[];
}

/** What commitRunDirectory and createRunDirectory put in a run directory besides meta.json. */
type PopulateOptions = Pick<CreateRunDirectoryOptions, "reserveBytes" | "steps">;

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

/**
 * What makes a directory a run: meta.json, status.json with every step pending (when the steps
 * are given), an empty timeline, artifacts/, the disk reserve if one is asked for; then fsynced. A disk too full for the reserve refuses the run here, rather
 * than let it start without room to record its end.
 */
async function populateRunDirectory(
  directory: string,
  meta: RunMeta,
  options: PopulateOptions,
): Promise<void> {
  const paths = runPaths(directory);
  const reserveBytes = options.reserveBytes ?? 0;
  await writeMeta(directory, meta);
  if (options.steps !== undefined) {
    const status = createInitialStatus({
      runId: meta.runId,
      workflowId: meta.workflowId,
      updatedAt: meta.startedAt,
      steps: options.steps,
    });
    await writeFileAtomic(paths.status, statusJson(status));
  }
  await createEmptyFile(paths.summary);
  await createDirectory(paths.artifacts);
  if (reserveBytes > 0) await createDiskReserve(paths.reserve, reserveBytes);
  await fsyncDirectory(directory);
}

/** Runs `fill` in `directory`, which this call just made; removes it whole if `fill` fails. */
async function fillOrRemove(directory: string, fill: () => Promise<void>): Promise<void> {
  try {
    await fill();
  } catch (error) {
    // All-or-nothing: the directory was created a moment ago for this run and holds nothing
    // but what was written for it, so removing it cannot lose anyone's data.
    await rm(directory, { recursive: true, force: true });
    throw new RunDirectoryError(directory, `cannot populate: ${describeSystemError(error)}`, {
      cause: error,
    });
  }
}

function checkedMeta(meta: RunMeta): RunMeta {
  const checked = check(RunMetaSchema, meta);
  if (!checked.ok) throw new ValidationError("meta.json", checked.problems, "E_META_INVALID");
  return checked.value;
}

export async function createRunDirectory(
  runsRoot: string,
  options: CreateRunDirectoryOptions,
): Promise<CreatedRunDirectory> {
  const runId = options.runId === undefined ? newRunId() : parseRunId(options.runId);
  const root = resolve(runsRoot);
  const directory = runDirectory(root, runId);
  const meta = checkedMeta({ ...options.meta, runId });
  await ensureRunsRoot(root);
  await createFreshDirectory(directory);
  await fillOrRemove(directory, async () => {
    await writeFileAtomic(runPaths(directory).workflow, options.workflowSource);
    await populateRunDirectory(directory, meta, options);
  });
  return { runId, directory, paths: runPaths(directory), meta };
}

export interface StageRunDirectoryOptions {
  /** The exact bytes of the workflow file, copied to workflow.yaml (first, as HPCBox does). */
  workflowSource: Uint8Array;
  /** launch.json: what the executor needs; its runId names the run. */
  launch: LaunchRecord;
}

/**
 * The front end's half of starting a run: `<runs root>/.launch-<runId>/` with workflow.yaml and
 * launch.json, ready for the executor. Nothing lists it as a run until the executor commits it
 * (commitRunDirectory); if anything here fails, nothing is left behind.
 */
export async function stageRunDirectory(
  runsRoot: string,
  options: StageRunDirectoryOptions,
): Promise<StagedRunDirectory> {
  const launch = checkedLaunch(options.launch);
  const staged = await createStagingDirectory(runsRoot, launch.runId);
  await fillStagingDirectory(staged, options);
  return staged;
}

function checkedLaunch(launch: LaunchRecord): LaunchRecord {
  const checked = check(LaunchRecordSchema, launch);
  if (!checked.ok) throw new ValidationError("launch.json", checked.problems, "E_LAUNCH_INVALID");
  return checked.value;
}

/**
 * The second half of stageRunDirectory, for a staging directory made by createStagingDirectory
 * (whose executor may already be loading): workflow.yaml, then launch.json, which must name
 * its run. If a write fails, the directory is removed whole, whatever else is in it (the
 * executor's log): it was made for this run a moment ago.
 */
export async function fillStagingDirectory(
  staged: StagedRunDirectory,
  options: StageRunDirectoryOptions,
): Promise<void> {
  const launch = checkedLaunch(options.launch);
  if (launch.runId !== staged.runId) {
    throw new RunyardError(
      "E_LAUNCH_INVALID",
      `launch.json names run ${launch.runId}, but it is staged as ${staged.runId}`,
    );
  }
  await fillOrRemove(staged.staging, async () => {
    const paths = runPaths(staged.staging);
    await writeFileAtomic(paths.workflow, options.workflowSource);
    await writeJsonAtomic(paths.launch, launch);
  });
}

/**
 * The executor's half: writes meta.json, the empty timeline and artifacts/ into the staged
 * directory, then renames it to `<runs root>/<runId>` in one step, so a reader finds either no
 * run or a whole one. On failure the staged directory is left for the caller to remove.
 */
export async function commitRunDirectory(
  staged: StagedRunDirectory,
  meta: Omit<RunMeta, "runId">,
  options: PopulateOptions = {},
): Promise<CreatedRunDirectory> {
  const full = checkedMeta({ ...meta, runId: staged.runId });
  try {
    await populateRunDirectory(staged.staging, full, options);
    // rename(2) would quietly replace an empty directory of that name: refuse it instead.
    if (await pathExists(staged.directory)) throw new Error("a run with this id already exists");
    await rename(staged.staging, staged.directory);
    await fsyncDirectory(dirname(staged.directory));
  } catch (error) {
    throw new RunDirectoryError(staged.directory, `cannot create: ${describeSystemError(error)}`, {
      cause: error,
    });
  }
  return {
    runId: staged.runId,
    directory: staged.directory,
    paths: runPaths(staged.directory),
    meta: full,
  };
}
