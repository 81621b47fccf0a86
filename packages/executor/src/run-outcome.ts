// How a run ended, decided from how its steps did, and the small facts that decision needs.
import { lstatSync } from "node:fs";
import type { FinalStatus } from "@runyard/schema";
import { capturePaths } from "@runyard/store";

export const describe = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

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

/** How a run ended, from how its steps did: a failure wins over a cancel. */
export function outcome(
  fatal: unknown,
  failed: readonly string[],
  cancelled: boolean,
  cancelReason: string | undefined,
): { finalStatus: FinalStatus; reason?: string } {
  if (fatal !== undefined)
    return { finalStatus: "failed", reason: `internal error: ${describe(fatal)}` };
  if (failed.length > 0) return { finalStatus: "failed", reason: `failed: ${failed.join(", ")}` };
  if (cancelled) return { finalStatus: "cancelled", reason: cancelReason ?? "cancelled" };
  return { finalStatus: "success" };
}
