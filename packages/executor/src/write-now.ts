// Writes for a process about to exit at once (see killAllNow): synchronous, yet atomic like
// the store's — a 0600 temp file in the same directory, renamed over the real name — so a
// reader never sees half a file. Not fsynced: the page cache outlives the process, and a
// process that exits at once has no time to wait for the disk.
import { randomBytes } from "node:crypto";
import { chmodSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  check,
  FILE_MODE,
  type RunMeta,
  RunMetaSchema,
  type RunStatus,
  ValidationError,
} from "@runyard/schema";
import { runPaths, statusJson } from "@runyard/store";

function writeTextNow(path: string, text: string): void {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  try {
    writeFileSync(temporary, text, {
      flag: "wx",
      mode: FILE_MODE,
    });
    chmodSync(temporary, FILE_MODE); // the umask filtered open's mode
    renameSync(temporary, path);
  } catch (error) {
    // The temp file is ours and was never visible under the real name.
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** meta.json, now; checked against its schema first, as the store's writeMeta does. */
export function writeMetaNow(directory: string, meta: RunMeta): void {
  const path = runPaths(directory).meta;
  const result = check(RunMetaSchema, meta);
  if (!result.ok) throw new ValidationError(path, result.problems, "E_META_INVALID");
  writeTextNow(path, `${JSON.stringify(result.value, null, 2)}\n`);
}

/** status.json, now, from the live status: the same text as the store's StatusWriter writes. */
export function writeStatusNow(directory: string, status: RunStatus): void {
  writeTextNow(runPaths(directory).status, statusJson(status));
}
