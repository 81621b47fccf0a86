// Files Runyard appends to (run_summary.jsonl, the captures) are 0600 whatever the umask:
// open's mode is filtered by the umask, so the descriptor is chmod'ed before anything is written.
import { closeSync, fchmodSync, openSync } from "node:fs";
import { FILE_MODE } from "@runyard/schema";

/**
 * Opens `path` for appending and returns its file descriptor, creating the file 0600 if
 * needed: `"a"` appends to an existing file, `"ax"` refuses one (never reuses someone's file),
 * `"ax+"` too, and the descriptor also reads.
 */
export function openForAppend(path: string, flags: "a" | "ax" | "ax+"): number {
  const fd = openSync(path, flags, FILE_MODE);
  try {
    fchmodSync(fd, FILE_MODE);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}
