// The one place that reads a runs root's names: an entry is a run when its name is a run id
// and it is a real directory. A symlink is never a run, wherever it points (the entry's own
// type is read, as lstat does), so nothing outside the runs root is ever read as a run.
import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { resolve } from "node:path";
import { isRunId } from "@runyard/schema";
import { RunFileError } from "./errors.js";
import { explainSystemError } from "./system-errors.js";

/** An entry with a run id's name that is not a run: a file, a symlink, a socket. */
export interface RefusedRunEntry {
  name: string;
  kind: "file" | "symbolic link" | "other";
}

export interface RunsRootScan {
  /** Newest first (run ids are UUIDv7, which sort by creation time). */
  runIds: string[];
  refused: RefusedRunEntry[];
}

function kindOf(entry: Dirent): RefusedRunEntry["kind"] {
  if (entry.isSymbolicLink()) return "symbolic link";
  return entry.isFile() ? "file" : "other";
}

/** Reads the runs root once; a root that does not exist holds no runs. */
export async function scanRunsRoot(runsRoot: string): Promise<RunsRootScan> {
  const root = resolve(runsRoot);
  let entries: Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { runIds: [], refused: [] };
    const reason = explainSystemError(error)?.reason ?? String(error);
    throw new RunFileError(root, `cannot list runs: ${reason}`, { cause: error });
  }
  const runIds: string[] = [];
  const refused: RefusedRunEntry[] = [];
  for (const entry of entries) {
    if (!isRunId(entry.name)) continue;
    if (entry.isDirectory()) runIds.push(entry.name);
    else refused.push({ name: entry.name, kind: kindOf(entry) });
  }
  runIds.sort().reverse();
  return { runIds, refused };
}

/**
 * The ids of the runs under a runs root, newest first, without reading any run. Entries that
 * are not real directories with a run id's name are left out.
 */
export async function listRunIds(runsRoot: string): Promise<string[]> {
  return (await scanRunsRoot(runsRoot)).runIds;
}
