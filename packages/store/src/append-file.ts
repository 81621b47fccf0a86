// Files Runyard appends to (run_summary.jsonl, the captures) are 0600 whatever the umask:
// open's mode is filtered by the umask, so the descriptor is chmod'ed before anything is written.
import { closeSync, constants, fchmodSync, fstatSync, openSync } from "node:fs";
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

/** A file of a run directory is a link, a named pipe or a device: not written through. */
export class NotARegularFileError extends Error {
  readonly path: string;

  constructor(path: string, why: string) {
    super(`${path}: ${why}`);
    this.path = path;
  }
}

/**
 * Opens `path` to read, creating it (empty, 0600) if needed, never through a link and never blocking on a named pipe in its place; throws
 * NotARegularFileError for anything but a regular file.
 */
export function openRegularForReading(path: string): number {
  return openRegular(path, constants.O_RDONLY);
}

/**
 * Opens `path` for appending, creating it 0600 if needed, never through a link (a step knows
 * the run directory and could put one there) and never blocking on a named pipe in its place;
 * throws NotARegularFileError for anything but a regular file.
 */
export function openRegularForAppend(path: string): number {
  return openRegular(path, constants.O_WRONLY | constants.O_APPEND);
}

function openRegular(path: string, access: number): number {
  let fd: number;
  try {
    fd = openSync(
      path,
      access | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK,
      FILE_MODE,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP")
      throw new NotARegularFileError(path, "it is a symbolic link, which is not followed");
    throw error;
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new NotARegularFileError(path, "it is not a regular file");
  }
  return fd;
}
