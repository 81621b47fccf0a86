// How much disk a run directory takes, counted as `du` counts it: the blocks allocated to every
// file and directory under it, each inode once. Entries are read with lstat and a symbolic
// link is counted as the link itself, never followed, so a link to a large tree elsewhere adds
// nothing and nothing outside the directory is read. Files that vanish while they are counted
// (a live run replacing status.json) are skipped; what cannot be read is said, not guessed.
import type { Stats } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { explainSystemError } from "./system-errors.js";

export interface DiskUsage {
  /** Bytes allocated on disk (512-byte blocks, as `du` reports), of what could be read. */
  bytes: number;
  /** Paths that could not be read, with the reason; their contents are not counted. */
  problems: string[];
}

/** Entries of one directory measured at once. */
const BATCH = 64;
/** Directories read at once: each readdir holds a file descriptor while it runs. */
const READERS = 4;

function allocatedBytes(stats: Stats): number {
  // st_blocks is what the file really holds on disk (less for a sparse file, more for a tiny
  // one); a file system that does not report it gets the apparent size instead.
  return Number.isFinite(stats.blocks) ? stats.blocks * 512 : stats.size;
}

/** lstat, or undefined when the entry has vanished; other failures are noted in `usage`. */
async function lstatOrNote(path: string, usage: DiskUsage): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    note(usage, path, error);
    return undefined;
  }
}

function note(usage: DiskUsage, path: string, error: unknown): void {
  if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
  usage.problems.push(`${path}: ${explainSystemError(error)?.reason ?? String(error)}`);
}

/** The disk usage of `path` and everything under it; 0 when it does not exist. */
export async function diskUsage(path: string): Promise<DiskUsage> {
  const usage: DiskUsage = { bytes: 0, problems: [] };
  const seen = new Set<string>();
  const pending: string[] = [];

  const add = (entryPath: string, stats: Stats | undefined): void => {
    if (stats === undefined) return;
    // A file with several hard links takes its blocks once.
    if (stats.nlink > 1 && !stats.isDirectory()) {
      const inode = `${stats.dev}:${stats.ino}`;
      if (seen.has(inode)) return;
      seen.add(inode);
    }
    usage.bytes += allocatedBytes(stats);
    if (stats.isDirectory()) pending.push(entryPath);
  };

  const readOne = async (directory: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(directory);
    } catch (error) {
      note(usage, directory, error);
      return;
    }
    for (let start = 0; start < names.length; start += BATCH) {
      const batch = names.slice(start, start + BATCH).map((name) => join(directory, name));
      const stats = await Promise.all(batch.map((entryPath) => lstatOrNote(entryPath, usage)));
      batch.forEach((entryPath, index) => {
        add(entryPath, stats[index]);
      });
    }
  };

  add(path, await lstatOrNote(path, usage));
  // A few readers share the queue of directories found so far, whatever the tree's shape.
  let active = 0;
  await new Promise<void>((resolvePromise, reject) => {
    const pump = () => {
      while (active < READERS && pending.length > 0) {
        const directory = pending.pop() as string;
        active += 1;
        readOne(directory).then(() => {
          active -= 1;
          pump();
        }, reject);
      }
      if (active === 0 && pending.length === 0) resolvePromise();
    };
    pump();
  });
  return usage;
}
