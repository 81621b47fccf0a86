// What a new run takes from an earlier one it repeats (`runyard rerun`): the exact workflow
// copy the earlier run kept — not the file it came from, which may have changed or gone since
// — the path of that file, whose directory relative `cwd`s resolve against as they did then,
// and the param values the earlier run was given. launchRun then starts the new run from
// these (its workflowSource and rerunOf options).
import { stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import {
  check,
  checkLenientRunMeta,
  LaunchRecordSchema,
  RUN_FILES,
  RunyardError,
  readInputFile,
} from "@runyard/schema";
import { MAX_META_BYTES, readJsonFile } from "@runyard/store";

export type RerunErrorCode = "E_RERUN_NO_COPY" | "E_RERUN_DIRECTORY_GONE" | "E_RERUN_DIRECTORY";

/** An earlier run that cannot be repeated as asked: no workflow copy, or nowhere to run it. */
export class RerunError extends RunyardError {
  constructor(code: RerunErrorCode, message: string, options: { hint: string; cause?: unknown }) {
    super(code, message, options);
  }
}

export interface RerunSourceOptions {
  /**
   * Run the copy as if its file were in this directory instead of the original's (which is
   * gone, or not the place wanted this time): relative `cwd`s resolve against it. Default: the
   * directory of the earlier run's workflow file, which must still exist.
   */
  workflowDirectory?: string;
}

export interface RerunSource {
  /** The earlier run's id: the new run's rerunOf. */
  rerunOf: string;
  /** The earlier run's workflow copy (workflow.yaml), byte for byte. */
  workflowSource: Uint8Array;
  /**
   * Absolute path the new run's workflow is taken to be at: the earlier run's workflow file,
   * or a file of that name in `workflowDirectory`. Nothing is read from it.
   */
  workflowFile: string;
  /**
   * The param values the earlier run was given, as [NAME, value] pairs (launch.json's); from
   * meta.json's — every value, defaults included — for a run that has no launch.json.
   */
  params: [string, string][];
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

/**
 * Reads what repeating the run in `directory` takes. Throws the store's errors for a run whose
 * meta.json cannot be read, and RerunError: E_RERUN_NO_COPY (workflow.yaml missing or
 * unreadable), E_RERUN_DIRECTORY_GONE (the workflow's directory no longer exists) or
 * E_RERUN_DIRECTORY (`workflowDirectory` is not a directory).
 */
export async function readRerunSource(
  directory: string,
  options: RerunSourceOptions = {},
): Promise<RerunSource> {
  const meta = await readJsonFile(
    join(directory, RUN_FILES.meta),
    checkLenientRunMeta,
    MAX_META_BYTES,
  );
  if (!meta.ok) throw meta.error;
  const runId = meta.value.runId;
  const copyPath = join(directory, RUN_FILES.workflow);
  // As the executor reads a staged copy: a regular file of bounded size, never through a link.
  const copy = await readInputFile(copyPath, undefined, { followSymlinks: false });
  if (!copy.ok) {
    throw new RerunError(
      "E_RERUN_NO_COPY",
      `run ${runId} has no workflow copy to run again: ${copyPath}: ${copy.reason}`,
      {
        hint: `run the workflow file itself: runyard run ${meta.value.workflowFile}`,
        cause: copy.cause,
      },
    );
  }
  // launch.json says what the run was given; a run started without one (runWorkflow) has
  // only meta.json's values, defaults and all.
  const launch = await readJsonFile(join(directory, RUN_FILES.launch), (input) =>
    check(LaunchRecordSchema, input),
  );
  const original = launch.ok ? launch.value.workflowFile : meta.value.workflowFile;
  const params = launch.ok ? launch.value.params : Object.entries(meta.value.params ?? {});
  let workflowFile = original;
  if (options.workflowDirectory !== undefined) {
    const chosen = resolve(options.workflowDirectory);
    if (!(await isDirectory(chosen))) {
      throw new RerunError("E_RERUN_DIRECTORY", `not a directory: ${options.workflowDirectory}`, {
        hint: "give the directory the workflow's relative paths are to resolve against",
      });
    }
    workflowFile = join(chosen, basename(original));
  } else if (!(await isDirectory(dirname(original)))) {
    throw new RerunError(
      "E_RERUN_DIRECTORY_GONE",
      `the directory run ${runId} ran its workflow in is gone: ${dirname(original)}`,
      {
        hint: "give another with --workflow-dir DIR: the copy runs as if its file were there",
      },
    );
  }
  return { rerunOf: runId, workflowSource: copy.bytes, workflowFile, params };
}
