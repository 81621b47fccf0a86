// Reading a file a user points Runyard at (a workflow, the config): whole, but only a regular
// file of bounded size. `runyard validate /dev/zero` would otherwise read until memory runs
// out, and opening a FIFO would wait forever for a writer.
import { constants, type Stats } from "node:fs";
import { type FileHandle, lstat, open, stat } from "node:fs/promises";

/** The largest workflow or config file Runyard reads: 10 MiB, far past any real one. */
export const MAX_INPUT_FILE_BYTES = 10 * 1024 * 1024;

export type InputFileResult =
  | { ok: true; bytes: Uint8Array }
  /** `reason` completes "cannot read <what> <path>: …". */
  | { ok: false; reason: string; code: string | undefined; cause?: unknown };

function mebibytes(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MiB`;
}

function notRegular(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return "it is a directory";
  if (stats.isSymbolicLink()) return "it is a symbolic link";
  const kind = stats.isCharacterDevice()
    ? "a character device"
    : stats.isBlockDevice()
      ? "a block device"
      : stats.isFIFO()
        ? "a named pipe"
        : stats.isSocket()
          ? "a socket"
          : "an unusual kind of file";
  return `not a regular file (${kind})`;
}

function tooLarge(maxBytes: number, size?: number): string {
  const limit = `the file is larger than the ${mebibytes(maxBytes)} limit`;
  if (size === undefined) return limit;
  // Just past the limit, "10.0 MiB" would look within it: give the bytes then.
  const shown = size < maxBytes + 0.05 * 1024 * 1024 ? `${size} bytes` : mebibytes(size);
  return `${limit} (${shown})`;
}

/** What went wrong, in words that finish "cannot read workflow <path>: …". */
function describeFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EISDIR":
      return "it is a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOTDIR":
      return "a component of the path is not a directory";
    case "ELOOP":
      return "too many levels of symbolic links";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

function failure(error: unknown): InputFileResult {
  return {
    ok: false,
    reason: describeFailure(error),
    code: (error as NodeJS.ErrnoException | undefined)?.code,
    cause: error,
  };
}

export interface InputFileOptions {
  /**
   * False refuses a symbolic link in the last component of the path ("it is a symbolic
   * link"), for files inside a run directory, which Runyard itself writes as regular files:
   * a link there was put by someone else and may point anywhere. Default true.
   */
  followSymlinks?: boolean;
}

/**
 * Reads an open file from where it stands to its end, or undefined once it holds more than
 * `maxBytes` (no more than `maxBytes + 1` are ever read). `capacity` is the first buffer's
 * size (the file's size + 1 reads it in one go); a file that grows, or that reports size 0 as
 * /proc files do, is still bounded.
 */
export async function readUpTo(
  handle: FileHandle,
  capacity: number,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  let buffer = new Uint8Array(Math.max(1, Math.min(capacity, maxBytes + 1)));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > maxBytes) return undefined;
      const grown = new Uint8Array(Math.min(buffer.length * 2, maxBytes + 1));
      grown.set(buffer);
      buffer = grown;
    }
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  if (length > maxBytes) return undefined;
  return buffer.slice(0, length);
}

/**
 * The bytes of `path`, if it is a regular file of at most `maxBytes`. The path is stat'ed
 * before it is opened (opening a device can have effects), opened without blocking (a FIFO
 * swapped in meanwhile is caught by the second stat), and read no further than the limit
 * (a file that grows, or that reports size 0 as /proc files do, is still bounded).
 */
export async function readInputFile(
  path: string,
  maxBytes: number = MAX_INPUT_FILE_BYTES,
  options: InputFileOptions = {},
): Promise<InputFileResult> {
  const follow = options.followSymlinks ?? true;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    const before = notRegular(await (follow ? stat(path) : lstat(path)));
    if (before !== undefined) return { ok: false, reason: before, code: undefined };
    // O_NOFOLLOW: a link swapped in after the lstat fails the open (ELOOP) instead.
    const noFollow = follow ? 0 : (constants.O_NOFOLLOW ?? 0);
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | noFollow);
  } catch (error) {
    return failure(error);
  }
  try {
    const stats = await handle.stat();
    const after = notRegular(stats);
    if (after !== undefined) return { ok: false, reason: after, code: undefined };
    if (stats.size > maxBytes)
      return { ok: false, reason: tooLarge(maxBytes, stats.size), code: undefined };
    const bytes = await readUpTo(handle, Math.max(stats.size + 1, 64 * 1024), maxBytes);
    if (bytes === undefined) return { ok: false, reason: tooLarge(maxBytes), code: undefined };
    return { ok: true, bytes };
  } catch (error) {
    return failure(error);
  } finally {
    // A read-only descriptor that fails to close has lost nothing; the read's outcome stands.
    await handle.close().catch(() => undefined);
  }
}
