// The one way the store opens a file of a run directory to read it. A run directory is
// writable by its steps (and, in a shared runs root, by a group), so what sits there under
// meta.json's name need not be what the executor wrote: a named pipe would hang a reader for
// good, a link to /dev/zero or a sparse file of gigabytes would eat its memory, and a symbolic
// or hard link could make `runyard ps`, `logs` or the GUI show a file from outside the runs
// root. Every check is made on the open descriptor (fstat, /proc/self/fd), so a file swapped
// between a check and the open is caught; the lstat before the open only spares a device the
// open itself.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
  type Stats,
} from "node:fs";
import { type FileHandle, lstat, open } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { RunFileError } from "./errors.js";
import { explainSystemError } from "./system-errors.js";

/** Largest meta.json read: a real one is under 1 KiB plus its params. */
export const MAX_META_BYTES = 1024 * 1024;
/** Largest status.json read: some 200 bytes a step, room for well over 100 000 steps. */
export const MAX_STATUS_BYTES = 32 * 1024 * 1024;
/** Largest heartbeat read: one number. */
export const MAX_HEARTBEAT_BYTES = 4096;

const WHY = "a run directory holds only files the executor wrote";
const SYMBOLIC_LINK = `a symbolic link, which is not followed: ${WHY}, and a link may lead anywhere`;

/** The words "<path> is …" for a file that is not a regular file. */
function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return "a symbolic link";
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a named pipe";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "an unusual kind of file";
}

function mebibytes(bytes: number): string {
  const value = bytes / (1024 * 1024);
  if (value < 1) return `${Math.ceil(bytes / 1024)} KiB`;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MiB`;
}

/** A file of a run directory that a reader will not read, and why (code E_RUN_FILE_REFUSED). */
export function refusedFile(path: string, reason: string): RunFileError {
  return new RunFileError(path, `${path} is ${reason}`, {
    code: "E_RUN_FILE_REFUSED",
    standalone: true,
  });
}

/** Why a file with these stats is not read ("<path> is …"), or undefined when it may be. */
export function refusalOf(stats: Stats, maxBytes: number): string | undefined {
  if (stats.isSymbolicLink()) return SYMBOLIC_LINK;
  if (!stats.isFile()) return `${kindOf(stats)}, not a regular file; ${WHY}`;
  if (stats.nlink > 1) {
    return `a file with ${stats.nlink} hard links: it has another name, maybe outside the runs root, so the executor did not make it; it is not read`;
  }
  if (stats.size > maxBytes) {
    return `${mebibytes(stats.size)}, more than the ${mebibytes(maxBytes)} such a file may hold; it is not read`;
  }
  return undefined;
}

/**
 * Where the open descriptor really leads, on Linux; undefined where /proc is not there. A
 * file opened through a symbolic link anywhere on its path shows its real place here.
 */
function descriptorPath(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** How long a runs root's real place is taken as known: a listing reads it once, not per file. */
const REALPATH_TTL_MS = 1000;
const realPlaces = new Map<string, { place: string; until: number }>();

/** realpath(`directory`), remembered for a moment (a listing opens several files a run). */
function realPlace(directory: string): string {
  const now = performance.now();
  const known = realPlaces.get(directory);
  if (known !== undefined && known.until > now) return known.place;
  // A failure throws and is not remembered: the next file asks again.
  const place = realpathSync(directory);
  if (realPlaces.size > 64) realPlaces.clear();
  realPlaces.set(directory, { place, until: now + REALPATH_TTL_MS });
  return place;
}

/**
 * Whether `path` (a file in a run directory), open on `fd`, was opened where it lies: its
 * directory is a real directory, not a link, in a real place under the runs root (the
 * directory above it, which may itself be reached through links the user chose). On Linux
 * the descriptor's own path says it all (a link anywhere below the runs root shows as another
 * place); elsewhere the directory is looked at.
 */
function openedInPlace(path: string, fd: number): boolean {
  const directory = dirname(path);
  const actual = descriptorPath(fd);
  if (actual === undefined) return lstatSync(directory).isDirectory();
  const expected = join(realPlace(dirname(directory)), basename(directory), basename(path));
  return samePlace(actual, expected);
}

/**
 * Whether a descriptor's path (`/proc/self/fd/N`) is `expected`. A file removed since it was
 * opened (an atomic replace, a clean-up) reads as its path then plus " (deleted)": where it
 * was opened must still be the expected place, or a run directory swapped for a link, the file
 * opened through it and removed, and the directory swapped back would pass.
 */
export function samePlace(actual: string, expected: string): boolean {
  return actual === expected || actual === `${expected}${DELETED}`;
}

const DELETED = " (deleted)";

/** Open flags of every read of a run file: no wait on a FIFO or a lease, no link followed. */
const READ_FLAGS =
  constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY;

/** The refusal of a file that is open but not where it should be (see openedInPlace). */
function notInPlace(path: string): RunFileError {
  // Moved away since it was opened (its run renamed for removal): missing, not a link.
  lstatSync(path);
  return refusedFile(
    path,
    `reached through a symbolic link on its path, which is not followed: ${WHY}`,
  );
}

export interface OpenedRunFile {
  handle: FileHandle;
  stats: Stats;
}

/**
 * Opens a file of a run directory for reading, if it is a regular file with one name, at most
 * `maxBytes` long, reached by no symbolic link: opened without blocking (a named pipe never
 * waits) and without following a link. Throws RunFileError: E_RUN_FILE_MISSING when there is
 * no such file, E_RUN_FILE_REFUSED with the reason for a file that is not read, E_RUN_FILE for
 * any other failure. The caller closes the handle.
 */
export async function openRunFile(
  path: string,
  maxBytes: number = Number.POSITIVE_INFINITY,
): Promise<OpenedRunFile> {
  const absolute = resolve(path);
  let handle: FileHandle;
  try {
    const before = refusalOf(await lstat(absolute), Number.POSITIVE_INFINITY);
    if (before !== undefined) throw refusedFile(absolute, before);
    handle = await open(absolute, READ_FLAGS);
  } catch (error) {
    throw failure(absolute, error);
  }
  try {
    const stats = await handle.stat();
    const after = refusalOf(stats, maxBytes);
    if (after !== undefined) throw refusedFile(absolute, after);
    if (!openedInPlace(absolute, handle.fd)) throw notInPlace(absolute);
    return { handle, stats };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw failure(absolute, error);
  }
}

function failure(path: string, error: unknown): RunFileError {
  if (error instanceof RunFileError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT")
    return new RunFileError(path, "missing", { cause: error, code: "E_RUN_FILE_MISSING" });
  // O_NOFOLLOW met a link swapped in after the lstat.
  if (code === "ELOOP") return refusedFile(path, SYMBOLIC_LINK);
  // O_NONBLOCK met a lease another process holds: never waited for.
  if (code === "EAGAIN" || code === "EWOULDBLOCK")
    return refusedFile(path, "held by another process (a lease); it is not waited for");
  const reason = explainSystemError(error)?.reason ?? String(error);
  return new RunFileError(path, reason, { cause: error });
}

/**
 * Opens a file of a run directory as {@link openRunFile} does, synchronously: for the few
 * small files a listing reads per run, where a trip through the thread pool per system call
 * costs more than the call. Returns the descriptor, which the caller closes.
 */
export function openRunFileSync(
  path: string,
  maxBytes: number = Number.POSITIVE_INFINITY,
): { fd: number; stats: Stats } {
  const absolute = resolve(path);
  let fd: number;
  try {
    const before = refusalOf(lstatSync(absolute), Number.POSITIVE_INFINITY);
    if (before !== undefined) throw refusedFile(absolute, before);
    fd = openSync(absolute, READ_FLAGS);
  } catch (error) {
    throw failure(absolute, error);
  }
  try {
    const stats = fstatSync(fd);
    const after = refusalOf(stats, maxBytes);
    if (after !== undefined) throw refusedFile(absolute, after);
    if (!openedInPlace(absolute, fd)) throw notInPlace(absolute);
    return { fd, stats };
  } catch (error) {
    closeSync(fd);
    throw failure(absolute, error);
  }
}

/**
 * `use(fd, stats)` on the file opened as openRunFileSync opens it, closed afterwards; null
 * when the file is missing (any other failure throws).
 */
export function withRunFileSync<T>(path: string, use: (fd: number, stats: Stats) => T): T | null {
  let opened: { fd: number; stats: Stats };
  try {
    opened = openRunFileSync(path);
  } catch (error) {
    if ((error as RunFileError).code === "E_RUN_FILE_MISSING") return null;
    throw error;
  }
  try {
    return use(opened.fd, opened.stats);
  } finally {
    closeSync(opened.fd);
  }
}

/** Up to `length` bytes from `position` (fewer at the end of the file). */
export function readRangeSync(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const bytesRead = readSync(fd, buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/**
 * The whole of a file of a run directory (see openRunFile for what is refused), as long as
 * it was when opened: never more than `maxBytes`. Synchronous: these are small files
 * (meta.json, status.json, heartbeat), read one at a time, so memory is one file's cap at
 * most. They are replaced atomically, never grown in place, so the size taken is the file.
 */
export function readRunFileSync(path: string, maxBytes: number): Uint8Array {
  const { fd, stats } = openRunFileSync(path, maxBytes);
  try {
    return readRangeSync(fd, 0, stats.size);
  } catch (error) {
    throw failure(resolve(path), error);
  } finally {
    closeSync(fd);
  }
}

/** readRunFileSync after a turn of the event loop: a loop of reads lets I/O and timers in. */
export async function readRunFile(path: string, maxBytes: number): Promise<Uint8Array> {
  await nextTurn();
  return readRunFileSync(path, maxBytes);
}
