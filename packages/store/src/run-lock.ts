// run.lock: held by an executor that takes a run over (runyard resume), so that two resumes of
// one run cannot both take it. Created with O_EXCL (atomic on local file systems and on NFSv3+),
// holding the holder's pid, host and start time; removed when the holder ends. A lock whose
// holder is provably gone (a dead pid, a recycled one, a reboot) is stale and is broken: renamed
// aside first — only one of two breakers can rename it — and checked to be the same lock that
// was judged stale, so a lock taken meanwhile by a live holder is put back, never broken.
import {
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { FILE_MODE, RunyardError } from "@runyard/schema";
import { runPaths } from "./paths.js";
import {
  probeProcess,
  readBootId,
  readProcessStartTicks,
  shortHostname,
} from "./process-identity.js";

/** What run.lock holds. */
export interface RunLockHolder {
  pid: number;
  host: string;
  processStartTicks: string | null;
  bootId: string | null;
  /** When it was taken (ISO-8601). */
  since: string;
  /** What holds it, in words: "runyard resume". */
  purpose: string;
}

/** The run is locked by a holder that is alive, or cannot be judged from here. */
export class RunLockedError extends RunyardError {
  readonly holder: RunLockHolder | undefined;

  constructor(message: string, holder: RunLockHolder | undefined, hint?: string) {
    super("E_RUN_LOCKED", message, hint === undefined ? undefined : { hint });
    this.holder = holder;
  }
}

export interface RunLock {
  readonly path: string;
  /** Removes the lock if it is still this holder's. Never throws. */
  release(): void;
}

/** A lock file that cannot be read as a holder is taken for one being written this long. */
const UNREADABLE_GRACE_MS = 10_000;

function readHolder(path: string): RunLockHolder | "absent" | "unreadable" {
  let text: string;
  try {
    // Not through a link: the lock is a plain file the locker wrote.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      text = readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "absent" : "unreadable";
  }
  try {
    const value = JSON.parse(text) as Partial<RunLockHolder>;
    if (typeof value.pid === "number" && typeof value.host === "string") {
      return {
        pid: value.pid,
        host: value.host,
        processStartTicks:
          typeof value.processStartTicks === "string" ? value.processStartTicks : null,
        bootId: typeof value.bootId === "string" ? value.bootId : null,
        since: typeof value.since === "string" ? value.since : "",
        purpose: typeof value.purpose === "string" ? value.purpose : "",
      };
    }
  } catch {
    // falls through: a torn or foreign file
  }
  return "unreadable";
}

/** Why the holder is gone, or undefined when it is alive or cannot be judged from here. */
function holderGone(holder: RunLockHolder, host: string): string | undefined {
  if (holder.host !== host) return undefined;
  const bootId = readBootId();
  if (holder.bootId && bootId && holder.bootId !== bootId) return `${host} has rebooted`;
  if (probeProcess(holder.pid) === "dead") return `pid ${holder.pid} is not running`;
  const ticks = readProcessStartTicks(holder.pid);
  if (holder.processStartTicks && ticks && ticks !== holder.processStartTicks)
    return `pid ${holder.pid} now belongs to another process`;
  return undefined;
}

function describeHolder(holder: RunLockHolder): string {
  const what = holder.purpose === "" ? "" : ` (${holder.purpose})`;
  const since = holder.since === "" ? "" : ` since ${holder.since}`;
  return `pid ${holder.pid} on ${holder.host}${what}${since}`;
}

function create(path: string, holder: RunLockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      FILE_MODE,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } catch (error) {
    // A lock that does not say whose it is must not stay (a full disk).
    try {
      unlinkSync(path);
    } catch {
      // gone already
    }
    throw error;
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Takes the run lock of the run in `directory` for this process, breaking a stale one; throws
 * RunLockedError while another live process holds it (or one on another host, which cannot be
 * judged from here).
 */
export function acquireRunLock(directory: string, purpose: string): RunLock {
  const path = runPaths(directory).lock;
  const host = shortHostname();
  const holder: RunLockHolder = {
    pid: process.pid,
    host,
    processStartTicks: readProcessStartTicks(process.pid),
    bootId: readBootId(),
    since: new Date().toISOString(),
    purpose,
  };
  for (let tries = 0; tries < 3; tries += 1) {
    if (create(path, holder)) return ownLock(path, holder);
    const found = readHolder(path);
    if (found === "absent") continue; // released meanwhile: try again
    if (found === "unreadable") {
      let age = 0;
      try {
        // The lock itself, not what a link in its place points at (it may point nowhere).
        age = Date.now() - lstatSync(path).mtimeMs;
      } catch {
        continue;
      }
      if (age < UNREADABLE_GRACE_MS) {
        throw new RunLockedError(
          `${path} is being written by another process; try again in a few seconds`,
          undefined,
        );
      }
      breakStale(path, undefined);
      continue;
    }
    const gone = holderGone(found, host);
    if (gone === undefined) {
      const elsewhere = found.host !== host;
      throw new RunLockedError(
        `the run is locked by ${describeHolder(found)}`,
        found,
        elsewhere
          ? `it was taken on ${found.host}, where it can be judged; if that process is gone for sure, remove ${path}`
          : "wait for it to end, or see what it is doing with runyard attach",
      );
    }
    breakStale(path, found);
  }
  throw new RunLockedError(`${path}: could not take the lock (others kept taking it)`, undefined);
}

/** Renames a stale lock aside and removes it; puts back a lock that changed meanwhile. */
function breakStale(path: string, judged: RunLockHolder | undefined): void {
  const aside = `${path}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // another breaker won
    throw error;
  }
  const moved = readHolder(aside);
  const same =
    judged === undefined
      ? moved === "unreadable"
      : typeof moved === "object" &&
        moved.pid === judged.pid &&
        moved.host === judged.host &&
        moved.since === judged.since;
  if (!same) {
    // Another process broke the stale lock and took its own in between: give it back.
    try {
      linkSync(aside, path);
    } catch {
      // Taken again by yet another: that one holds it now.
    }
  }
  // Whatever was there: a file, or a directory or link something else made.
  rmSync(aside, { recursive: true, force: true });
}

function ownLock(path: string, holder: RunLockHolder): RunLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      const found = readHolder(path);
      if (typeof found !== "object" || found.pid !== holder.pid || found.since !== holder.since)
        return;
      try {
        unlinkSync(path);
      } catch {
        // Removed by hand: nothing to release.
      }
    },
  };
}

/**
 * Who holds the run lock of the run in `directory` and may still (a live process here, or one
 * on another host, which cannot be judged from here); undefined when nobody does.
 */
export function liveLockHolder(directory: string): RunLockHolder | undefined {
  const found = readHolder(runPaths(directory).lock);
  if (typeof found !== "object") return undefined;
  return holderGone(found, shortHostname()) === undefined ? found : undefined;
}
