// `runyard logs -f`: prints a run's captures as they grow, as `tail -f` does with several files
// (a `==> name <==` header whenever the output switches file), until the step or the run has
// ended. It polls: the capture sizes (a directory listing; new attempts and new steps' captures
// show up there) and meta.json/status.json, every FOLLOW_INTERVAL_MS. Polling works where
// inotify does not: on NFS, and for a run that lives on another login node.
import { setTimeout as sleep } from "node:timers/promises";
import { RunyardError, StepTerminalStatuses } from "@runyard/schema";
import { type CaptureFileStream, readRun, scanCaptures } from "@runyard/store";
import { copyCapture } from "./capture-copy.js";
import type { CommandContext } from "./command.js";
import { runReason, stepEnding } from "./describe-run.js";
import { EXIT } from "./errors.js";
import { paint } from "./output.js";
import { safeText } from "./safe-text.js";

/** How often the files are looked at: quick enough to read as live, cheap enough to idle. */
export const FOLLOW_INTERVAL_MS = 200;

export interface FollowTarget {
  directory: string;
  runId: string;
  host: string;
  streams: readonly CaptureFileStream[];
  /** Follow only this step, and stop when it has ended. */
  stepId?: string;
}

/**
 * Whether what is followed has ended, and in words how; undefined while it goes on. A step
 * that status.json does not list is an error (once status.json exists).
 */
async function endOf(target: FollowTarget): Promise<string | undefined> {
  const view = await readRun(target.directory, { host: target.host });
  if (target.stepId !== undefined && view.status !== null) {
    const step = view.status.steps.find((candidate) => candidate.nodeId === target.stepId);
    if (step === undefined) {
      throw new RunyardError(
        "E_STEP_NOT_FOUND",
        `run ${target.runId} has no step "${target.stepId}"`,
        { hint: `its steps: ${view.status.steps.map((candidate) => candidate.nodeId).join(", ")}` },
      );
    }
    if (StepTerminalStatuses.has(step.status)) {
      const ending = stepEnding(step);
      return `step ${step.nodeId} ${step.status}${ending === undefined ? "" : ` (${ending})`}`;
    }
  }
  if (view.classification === "running") return undefined;
  const ended = await readRun(target.directory, { host: target.host, readEnd: true });
  return `run ${ended.classification}: ${runReason(ended)}`;
}

/** Follows until the end; resolves to the exit status (130 when stopped by Ctrl-C). */
export async function followCaptures(
  target: FollowTarget,
  context: Pick<CommandContext, "output" | "signal">,
): Promise<number> {
  const { output, signal } = context;
  const printed = new Map<string, number>();
  /** Entries refused so far, each said once. */
  const refusedSaid = new Set<string>();
  let current: string | undefined;
  let atLineStart = true;
  try {
    for (;;) {
      // Looked at before the captures: once it says ended, what the captures hold is final.
      const end = await endOf(target);
      const { captures, refused } = await scanCaptures(target.directory, {
        streams: target.streams,
        ...(target.stepId === undefined ? {} : { stepId: target.stepId }),
      });
      for (const entry of refused) {
        if (refusedSaid.has(entry.name)) continue;
        refusedSaid.add(entry.name);
        output.err(`${paint(output, "yellow", "warning:")} ${entry.error.message}\n`);
      }
      for (const capture of captures) {
        const start = printed.get(capture.name) ?? 0;
        if (capture.size <= start) continue;
        if (current !== capture.name) {
          const separator = current === undefined ? "" : atLineStart ? "\n" : "\n\n";
          output.out(`${separator}${paint(output, "bold", `==> ${safeText(capture.name)} <==`)}\n`);
          current = capture.name;
          atLineStart = true;
        }
        atLineStart = await copyCapture(capture.path, output, signal, {
          start,
          end: capture.size,
        });
        printed.set(capture.name, capture.size);
      }
      if (end !== undefined) {
        if (!atLineStart) output.out("\n");
        output.err(paint(output, "dim", `${safeText(end)}\n`));
        return EXIT.ok;
      }
      await sleep(FOLLOW_INTERVAL_MS, undefined, { signal });
    }
  } catch (error) {
    // Ctrl-C (or a reader that went away) stops following; anything else is a real failure.
    if (signal.aborted) return EXIT.cancelled;
    throw error;
  }
}
