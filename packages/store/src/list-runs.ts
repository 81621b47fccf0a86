// Lists the runs under a runs root, newest first. Entries whose name is not a run id are not
// runs and are skipped; run directories that cannot be read are returned in `broken` with the
// reason, so a GUI can offer to clean them instead of hiding them.
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isRunId, RunyardError } from "@runyard/schema";
import type { ClassifyOptions } from "./classify.js";
import { describeSystemError, RunFileError } from "./errors.js";
import { type RunView, readRun } from "./read-run.js";

export interface BrokenRun {
  runId: string;
  directory: string;
  error: RunyardError;
}

export interface RunList {
  /** Newest first (run ids are UUIDv7, which sort by creation time). */
  runs: RunView[];
  broken: BrokenRun[];
}

export async function listRuns(runsRoot: string, options: ClassifyOptions = {}): Promise<RunList> {
  const root = resolve(runsRoot);
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { runs: [], broken: [] };
    throw new RunFileError(root, `cannot list runs: ${describeSystemError(error)}`, {
      cause: error,
    });
  }
  const ids = entries
    .filter((entry) => entry.isDirectory() && isRunId(entry.name))
    .map((entry) => entry.name)
    .sort()
    .reverse();
  const results = await Promise.all(
    ids.map(async (runId) => {
      const directory = join(root, runId);
      try {
        return { ok: true as const, view: await readRun(directory, options) };
      } catch (error) {
        const wrapped =
          error instanceof RunyardError
            ? error
            : new RunFileError(directory, describeSystemError(error), { cause: error });
        return { ok: false as const, broken: { runId, directory, error: wrapped } };
      }
    }),
  );
  const list: RunList = { runs: [], broken: [] };
  for (const result of results) {
    if (result.ok) list.runs.push(result.view);
    else list.broken.push(result.broken);
  }
  return list;
}
