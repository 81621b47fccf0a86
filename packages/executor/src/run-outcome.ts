// How a run ended, decided from how its steps did, and the small facts that decision needs.
import { lstatSync } from "node:fs";
import { type FinalStatus, type ResolvedStep, RunyardError } from "@runyard/schema";
import { capturePaths, STOP_MARKER, type StorageFailure, storageFailure } from "@runyard/store";
import { describeStartFailure } from "./start-failure.js";

export { STOP_MARKER };

export const describe = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * A write to one of the run's files failed, named: "cannot write status.json: no space left on
 * device (ENOSPC)". On a full disk it becomes the run's reason, "disk full: cannot write …",
 * which tells the user which write found no room.
 */
export class RunFileWriteError extends Error {
  constructor(name: string, cause: unknown) {
    super(`cannot write ${name}: ${describeStartFailure(cause)}`, { cause });
  }
}

/** Whether anything exists under a capture name (a file, or whatever was in the way). */
export function captureExists(directory: string, seq: number, stepId: string): boolean {
  const paths = capturePaths(directory, seq, stepId);
  return [paths.out, paths.err].some((path) => {
    try {
      lstatSync(path);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The run's error for a write that failed for want of space (E_DISK_FULL) or on a failing
 * disk (E_DISK_IO): "disk full: <what failed>", the system error as its cause.
 */
export function storageError(storage: StorageFailure, error: unknown): RunyardError {
  if (error instanceof RunyardError && error.code === storage.code) return error;
  return new RunyardError(storage.code, `${storage.reason}: ${describe(error)}`, {
    cause: error,
    hint:
      storage.code === "E_DISK_FULL"
        ? "free some space on that file system (runyard gc, runyard du), then run it again"
        : "the file system reported an I/O error; check the disk before running it again",
  });
}

/**
 * The failed steps, by whether the workflow's own failure path took care of them: `handled`
 * maps each failed step that a step with `if: failure` needing it completed (the "red path"
 * of a decision) to those steps; `failed` is the rest, which fail the run.
 */
export function failures(
  steps: readonly ResolvedStep[],
  states: ReadonlyMap<string, string>,
): { failed: string[]; handled: Map<string, string[]> } {
  const failed: string[] = [];
  const handled = new Map<string, string[]>();
  for (const { id } of steps) {
    if (states.get(id) !== "failed") continue;
    const by = steps
      .filter(
        (step) =>
          step.condition === "failure" &&
          step.needs.includes(id) &&
          states.get(step.id) === "completed",
      )
      .map((step) => step.id);
    if (by.length > 0) handled.set(id, by);
    else failed.push(id);
  }
  return { failed, handled };
}

/** How a run ended, from how its steps did: a failure wins over a cancel. */
export function outcome(
  fatal: unknown,
  failed: readonly string[],
  cancelled: boolean,
  cancelReason: string | undefined,
  handled: ReadonlyMap<string, readonly string[]> = new Map(),
): { finalStatus: FinalStatus; reason?: string } {
  // An orderly stop for want of space says so: "disk full: cannot write 000003-big.out: …".
  if (fatal !== undefined && storageFailure(fatal))
    return { finalStatus: "failed", reason: describe(fatal) };
  if (fatal !== undefined)
    return { finalStatus: "failed", reason: `internal error: ${describe(fatal)}` };
  if (failed.length > 0) return { finalStatus: "failed", reason: `failed: ${failed.join(", ")}` };
  if (cancelled) return { finalStatus: "cancelled", reason: cancelReason ?? "cancelled" };
  if (handled.size > 0) {
    const words = [...handled].map(([id, by]) => `${id} failed, handled by ${by.join(", ")}`);
    return { finalStatus: "success", reason: words.join("; ") };
  }
  return { finalStatus: "success" };
}
