// What `ps`, `show` and `logs -f` say about a run beyond its files: why it ended (or why it is
// in the state it is) and how long it ran — a crashed run's clock stops at its last sign of
// life, not at now.
import { type StepState, workSteps } from "@runyard/schema";
import type { RunView, TimelineDamage } from "@runyard/store";
import type { Style } from "./output.js";

export const STATE_STYLE: Record<string, Style> = {
  success: "green",
  failed: "red",
  crashed: "red",
  unreadable: "red",
  running: "blue",
  cancelled: "yellow",
};

/** How a step ended, in a few words: `exit 2`, `SIGKILL`, `timeout`, or its reason. */
export function stepEnding(step: StepState): string | undefined {
  // Stopped by its timeout: that says more than the signal that stopped it.
  if (step.reason?.startsWith("timeout: ")) return "timeout";
  if (step.signal) return step.signal;
  if (typeof step.exitCode === "number") return `exit ${step.exitCode}`;
  return step.reason;
}

/** `step a failed (exit 2)`; short: `a failed (exit 2)`. */
function stepFailed(step: StepState, short: boolean): string {
  const ending = stepEnding(step);
  return `${short ? "" : "step "}${step.nodeId} failed${ending === undefined ? "" : ` (${ending})`}`;
}

/** `step a failed (exit 2)`, `step a failed (exit 1); step b failed (SIGTERM)`; short: `a, b failed`. */
function failedWords(view: RunView, short: boolean): string | undefined {
  const failed = workSteps(view.status?.steps ?? []).filter((step) => step.status === "failed");
  const [only] = failed;
  if (only === undefined) return undefined;
  if (failed.length === 1) return stepFailed(only, short);
  if (short) return `${failed.map((step) => step.nodeId).join(", ")} failed`;
  return failed.map((step) => stepFailed(step, false)).join("; ");
}

/** `all 3 steps completed`, `2 completed, 1 skipped`; empty without status.json. */
function stepCounts(view: RunView): string {
  const steps = workSteps(view.status?.steps ?? []);
  const counts = new Map<string, number>();
  for (const step of steps) counts.set(step.status, (counts.get(step.status) ?? 0) + 1);
  if (steps.length > 0 && counts.get("completed") === steps.length)
    return steps.length === 1 ? "its step completed" : `all ${steps.length} steps completed`;
  return [...counts].map(([status, count]) => `${count} ${status}`).join(", ");
}

const NO_REASON = "no reason recorded";

/**
 * Why the executor stopped the run, when an error did (a full disk: "disk full: cannot write
 * 000003-big.out: …"): from status.json's outcome, else the run-end event or executor.log.
 */
function stoppedWords(view: RunView): string | undefined {
  const outcome = view.status?.outcome;
  if (outcome?.code !== undefined && outcome.reason !== undefined) return outcome.reason;
  const end = view.summaryEnd;
  if (end?.code !== undefined && end.reason !== undefined) return end.reason;
  return undefined;
}

/**
 * Why the run ended as it did: what stopped it, the failed steps, the run-end event's words,
 * the step counts.
 */
function endWords(view: RunView, short: boolean): string {
  const recorded = view.summaryEnd?.reason;
  switch (view.classification) {
    case "failed":
      return stoppedWords(view) ?? failedWords(view, short) ?? recorded ?? NO_REASON;
    case "cancelled":
      return recorded ?? NO_REASON;
    default:
      return recorded ?? (stepCounts(view) || NO_REASON);
  }
}

/** Marks a run whose timeline is damaged, after its state in `ps`. */
export const DAMAGED_MARK = "!";

/**
 * `at line 7: found seq 999, expected seq 7`; where a tail check could not tell the line,
 * `near its end: …`. Follows "run_summary.jsonl is damaged".
 */
export function damageWords(damage: TimelineDamage): string {
  const where = damage.line === null ? "near its end" : `at line ${damage.line}`;
  return `${where}: found ${damage.found}, expected ${damage.expected}`;
}

/** Why the run is in its state, in full: what `show` prints and `--json` gives as `reason`. */
export function runReason(view: RunView): string {
  // running, crashed, unknown: the classification's own words say why.
  if (!isEnded(view)) return view.reason;
  const why = endWords(view, false);
  // An end taken from run_summary.jsonl because meta.json never got it: say so.
  return view.meta.finalStatus === null ? `${why} (${view.reason})` : why;
}

const SHORT_REASON_LENGTH = 40;

/** Why a run ended, short, for a table cell: empty for runs still going or that succeeded. */
export function shortRunReason(view: RunView): string {
  if (view.classification === "running" || view.classification === "success") return "";
  const why = isEnded(view) ? endWords(view, true) : view.reason;
  return why.length > SHORT_REASON_LENGTH ? `${why.slice(0, SHORT_REASON_LENGTH - 1)}…` : why;
}

function isEnded(view: RunView): boolean {
  return ["success", "failed", "cancelled"].includes(view.classification);
}

/**
 * The run's last sign of life in epoch ms: the latest of its heartbeat, its last summary
 * event and its last status snapshot; null when it left none.
 */
export function lastSignOfLife(view: RunView): number | null {
  const times = [
    view.heartbeatAt,
    view.lastEventAt === null ? null : Date.parse(view.lastEventAt),
    view.status ? Date.parse(view.status.updatedAt) : null,
  ].filter((time): time is number => time !== null && Number.isFinite(time));
  return times.length === 0 ? null : Math.max(...times);
}

/**
 * When the run's clock stops, in epoch ms: when it ended; for a crashed run, its last sign of
 * life (a run that died does not run on); for a run still going (or that cannot be told), now.
 */
export function runClockEnd(view: RunView, now: number): number {
  if (view.endedAt !== null) return Date.parse(view.endedAt);
  if (view.classification === "crashed")
    return lastSignOfLife(view) ?? Date.parse(view.meta.startedAt);
  return now;
}

export function runDurationMs(view: RunView, now: number): number {
  return Math.max(0, runClockEnd(view, now) - Date.parse(view.meta.startedAt));
}

/** A step's duration: to its end, or, while it runs, to the run's clock; null if it never ran. */
export function stepDurationMs(step: StepState, clockEnd: number): number | null {
  if (step.startedAt === undefined) return null;
  const end = step.endedAt === undefined ? clockEnd : Date.parse(step.endedAt);
  return Math.max(0, end - Date.parse(step.startedAt));
}
