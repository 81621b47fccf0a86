// Removes a directory tree of any depth. A step can leave a chain of directories far deeper than
// PATH_MAX (20,000 levels is one `mkdir` loop), where fs.rm fails with ENAMETOOLONG or recurses
// until the stack gives out. Here the walk is a loop, not recursion, with a bounded stack of
// open directories, and no path it uses grows long:
// - Each directory is held open (O_NOFOLLOW) and everything in it is reached through its
//   descriptor, as /proc/self/fd/<fd>/<name> (where there is no /proc, by its path): a link is
//   removed as the link, and a directory swapped for a link meanwhile is never entered, so
//   nothing outside the tree is read, changed or removed.
// - When the open directories reach MAX_OPEN, or a path MAX_PATH_LENGTH, the next subtree is
//   renamed up into the tree's top directory as `.deep-N` and removed from there afterwards.
// The calls are synchronous (a thread-pool round trip per entry would double the time), with a
// turn of the event loop every DIRECTORIES_PER_TURN directories so a server keeps answering.
import {
  chmodSync,
  closeSync,
  constants,
  type Dirent,
  existsSync,
  fchmodSync,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  unlinkSync,
} from "node:fs";
import { join } from "node:path";
import { setImmediate } from "node:timers/promises";
import { describeSystemError, RunFileError } from "./errors.js";

/** Directories held open at once (each a descriptor); deeper subtrees are moved up. */
const MAX_OPEN = 64;
/** Past this a path (without /proc) is too long to go on with; its subtree is moved up. */
const MAX_PATH_LENGTH = 2048;
const PROC_FD = "/proc/self/fd";
const DIRECTORY_FLAGS =
  constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/**
 * The longest the synchronous calls hold the event loop before letting it turn, so that a
 * process removing a run (the GUI's server, a listing beside it) keeps answering.
 */
const TURN_MS = 5;
/** Entries removed between two looks at the clock. */
const ENTRIES_PER_LOOK = 32;
/** How much of each end of a long path an error message keeps. */
const PATH_END_CHARACTERS = 60;

/** A path short enough for a message: its first and last 60 characters around `…`. */
export function shortenPath(path: string): string {
  if (path.length <= 2 * PATH_END_CHARACTERS + 1) return path;
  return `${path.slice(0, PATH_END_CHARACTERS)}…${path.slice(-PATH_END_CHARACTERS)}`;
}

interface Frame {
  fd: number;
  /** Where it is, for messages and where there is no /proc. */
  path: string;
  /** Its name in the directory above. */
  name: string;
  /** Subdirectories still to remove. */
  pending: string[];
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

function failure(path: string, what: string, error: unknown): RunFileError {
  return new RunFileError(shortenPath(path), `cannot ${what}: ${describeSystemError(error)}`, {
    cause: error,
  });
}

/** Closes a descriptor whose directory is done with; a failure here loses nothing. */
function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // EBADF/EIO on close of a directory opened read-only: nothing was written through it.
  }
}

class TreeRemover {
  readonly #viaProc = existsSync(PROC_FD);
  readonly #top: Frame;
  /** Names of subtrees moved up into the top directory, still to remove. */
  readonly #deep: string[] = [];
  #moved = 0;
  #sinceLook = 0;
  #turnedAt = performance.now();

  constructor(top: Frame) {
    this.#top = top;
  }

  /** How an entry of an open directory is named: through its descriptor where /proc allows. */
  #entry(frame: Frame, name: string): string {
    return this.#viaProc ? `${PROC_FD}/${frame.fd}/${name}` : join(frame.path, name);
  }

  #self(frame: Frame): string {
    return this.#viaProc ? `${PROC_FD}/${frame.fd}` : frame.path;
  }

  /** Opens a subdirectory; null when it is not one (any more): it is then unlinked as a file. */
  #open(parent: Frame, name: string): Frame | null {
    const entry = this.#entry(parent, name);
    const path = join(parent.path, name);
    for (let attempt = 0; ; attempt += 1) {
      try {
        return { fd: openSync(entry, DIRECTORY_FLAGS), path, name, pending: [] };
      } catch (error) {
        const code = codeOf(error);
        if (code === "ENOENT") return null;
        if (code === "ELOOP" || code === "ENOTDIR") {
          this.#unlink(parent, name);
          return null;
        }
        // A directory a step made unreadable: opened up first (lstat: never through a link).
        if ((code === "EACCES" || code === "EPERM") && attempt === 0) {
          const stats = lstatOrUndefined(entry);
          if (stats?.isDirectory()) {
            try {
              chmodSync(entry, (stats.mode & 0o7777) | 0o700);
              continue;
            } catch {
              // Not ours to open up: said below.
            }
          }
        }
        throw failure(path, "open the directory", error);
      }
    }
  }

  #unlink(frame: Frame, name: string): void {
    try {
      unlinkSync(this.#entry(frame, name));
    } catch (error) {
      const code = codeOf(error);
      if (code === "ENOENT") return;
      // A file swapped for a directory meanwhile: removed as one.
      if (code === "EISDIR" || code === "EPERM") {
        if (lstatOrUndefined(this.#entry(frame, name))?.isDirectory()) {
          frame.pending.push(name);
          return;
        }
      }
      throw failure(join(frame.path, name), "remove", error);
    }
  }

  /** Opens the directory up (a Go module cache is read-only), unlinks its files, notes its subdirectories. */
  async #empty(frame: Frame): Promise<void> {
    let entries: Dirent[];
    try {
      const { mode } = fstatSync(frame.fd);
      if ((mode & 0o700) !== 0o700) fchmodSync(frame.fd, (mode & 0o7777) | 0o700);
      entries = readdirSync(this.#self(frame), { withFileTypes: true });
    } catch (error) {
      throw failure(frame.path, "list the directory", error);
    }
    for (const entry of entries) {
      if (entry.isDirectory()) frame.pending.push(entry.name);
      else {
        this.#unlink(frame, entry.name);
        await this.#pace();
      }
    }
  }

  #rmdir(parent: Frame, name: string): void {
    try {
      rmdirSync(this.#entry(parent, name));
    } catch (error) {
      if (codeOf(error) === "ENOENT") return;
      throw failure(join(parent.path, name), "remove the directory", error);
    }
  }

  /** Renames a subtree up into the top directory, to be removed from there. */
  #moveUp(parent: Frame, name: string): void {
    for (;;) {
      const deep = `.deep-${this.#moved++}`;
      try {
        renameSync(this.#entry(parent, name), this.#entry(this.#top, deep));
        this.#deep.push(deep);
        return;
      } catch (error) {
        const code = codeOf(error);
        // A `.deep-N` the step made itself: another name.
        if (code === "EEXIST" || code === "ENOTEMPTY" || code === "ENOTDIR" || code === "EISDIR")
          continue;
        if (code === "ENOENT") return;
        throw failure(join(parent.path, name), "move the directory up", error);
      }
    }
  }

  /** Lets the event loop turn every TURN_MS: a server removing a run keeps answering. */
  async #pace(): Promise<void> {
    this.#sinceLook += 1;
    if (this.#sinceLook < ENTRIES_PER_LOOK) return;
    this.#sinceLook = 0;
    if (performance.now() - this.#turnedAt < TURN_MS) return;
    await setImmediate();
    this.#turnedAt = performance.now();
  }

  /** Empties `start` (not removing it), depth first, with at most MAX_OPEN directories open. */
  async #removeContents(start: Frame): Promise<void> {
    const frames: Frame[] = [start];
    try {
      await this.#empty(start);
      for (;;) {
        const top = frames.at(-1) as Frame;
        const name = top.pending.pop();
        if (name === undefined) {
          if (frames.length === 1) return;
          frames.pop();
          closeQuietly(top.fd);
          this.#rmdir(frames.at(-1) as Frame, top.name);
          await this.#pace();
          continue;
        }
        const tooDeep =
          frames.length >= MAX_OPEN ||
          (!this.#viaProc && join(top.path, name).length > MAX_PATH_LENGTH);
        if (tooDeep && top !== this.#top) {
          this.#moveUp(top, name);
          continue;
        }
        const child = this.#open(top, name);
        if (child === null) continue;
        frames.push(child);
        await this.#empty(child);
      }
    } finally {
      for (const frame of frames.slice(1)) closeQuietly(frame.fd);
    }
  }

  async run(): Promise<void> {
    await this.#removeContents(this.#top);
    for (let name = this.#deep.pop(); name !== undefined; name = this.#deep.pop()) {
      const deep = this.#open(this.#top, name);
      if (deep === null) continue;
      try {
        await this.#removeContents(deep);
      } finally {
        closeQuietly(deep.fd);
      }
      this.#rmdir(this.#top, name);
    }
  }
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Removes `directory` and everything in it, however deep. A link is removed as the link, never
 * followed; `directory` itself being a link (or a file), only that entry is removed.
 */
export async function removeTree(directory: string): Promise<void> {
  let fd: number;
  try {
    fd = openSync(directory, DIRECTORY_FLAGS);
  } catch (error) {
    const code = codeOf(error);
    if (code === "ENOENT") return;
    if (code !== "ELOOP" && code !== "ENOTDIR")
      throw failure(directory, "open the directory", error);
    try {
      unlinkSync(directory);
    } catch (unlinkError) {
      if (codeOf(unlinkError) !== "ENOENT") throw failure(directory, "remove", unlinkError);
    }
    return;
  }
  try {
    await new TreeRemover({ fd, path: directory, name: "", pending: [] }).run();
  } finally {
    closeQuietly(fd);
  }
  try {
    rmdirSync(directory);
  } catch (error) {
    if (codeOf(error) !== "ENOENT") throw failure(directory, "remove the directory", error);
  }
}
