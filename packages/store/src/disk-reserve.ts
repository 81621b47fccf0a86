// The disk reserve: `.disk-reserve`, a file of the run directory (0600) that holds a little
// space for the end of the run. When a write fails because the disk (or the quota) is full,
// the executor removes it, and what tells how the run ended — a line in executor.log, the
// last events and run-end, the final status.json and meta.json — fits in the blocks it
// freed, instead of the run looking crashed. The executor removes it at the end of every run;
// a run whose executor was killed keeps it until the run is removed.
//
// Best effort: another process writing to the same file system can take the freed space
// first. The file holds random bytes, not zeros, so a file system that compresses or
// deduplicates still allocates its blocks.
import { randomBytes } from "node:crypto";
import { unlinkSync } from "node:fs";
import { open } from "node:fs/promises";
import { FILE_MODE } from "@runyard/schema";
import { findSystemError, type SystemErrorFacts } from "./system-errors.js";

/** The fixed part of the reserve: executor.log lines, meta.json, a status.json of few steps. */
const BASE_BYTES = 64 * 1024;
/** Per step: its step-end line (a cancel) and its entry in status.json's temporary copy. */
const PER_STEP_BYTES = 1024;
const MAX_BYTES = 8 * 1024 * 1024;

/** The reserve a run of `steps` steps gets: 64 KiB + 1 KiB a step, at most 8 MiB. */
export function diskReserveBytes(steps: number): number {
  return Math.min(MAX_BYTES, BASE_BYTES + PER_STEP_BYTES * Math.max(0, steps));
}

/** Creates the reserve (0600, `bytes` long); fails if the space is not there. */
export async function createDiskReserve(path: string, bytes: number): Promise<void> {
  const handle = await open(path, "wx", FILE_MODE);
  try {
    await handle.chmod(FILE_MODE);
    await handle.writeFile(randomBytes(bytes));
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/**
 * Removes the reserve; true when it was there, i.e. its blocks were just freed. Synchronous:
 * called from a failed write, before the writes that say how the run ended.
 */
export function releaseDiskReserve(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** A write failure that stops a run in order: the disk is full, or fails. */
export interface StorageFailure {
  /** The run's error code: E_DISK_FULL (ENOSPC, EDQUOT) or E_DISK_IO (EIO). */
  code: "E_DISK_FULL" | "E_DISK_IO";
  /** In words, as a step's and the run's reason begin: "disk full". */
  reason: string;
  system: SystemErrorFacts;
}

const STORAGE_FAILURES: Readonly<Record<string, Omit<StorageFailure, "system">>> = {
  ENOSPC: { code: "E_DISK_FULL", reason: "disk full" },
  EDQUOT: { code: "E_DISK_FULL", reason: "disk quota exceeded" },
  EIO: { code: "E_DISK_IO", reason: "disk input/output error" },
};

/** The storage failure behind `error` (in its cause chain), or undefined for anything else. */
export function storageFailure(error: unknown): StorageFailure | undefined {
  const system = findSystemError(error);
  const failure = system && STORAGE_FAILURES[system.code];
  return failure && system ? { ...failure, system } : undefined;
}
