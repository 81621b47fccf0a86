// Retention: which runs a policy removes (a plan, which a dry run prints and a GUI shows), and
// the removal itself. Only ended runs are ever planned for removal: success, failed, cancelled
// and crashed, as classifyRun judges them; running, unknown and unreadable runs are kept, and
// removeRun checks each again when the plan is applied, so a stale plan cannot remove a run
// that came to life meanwhile (or never ended).
import {
  DEFAULT_RETENTION_POLICY,
  RETENTION_OUTCOMES,
  type RetentionOutcome,
  type RetentionPolicy,
  RunyardError,
} from "@runyard/schema";
import type { ClassifyOptions } from "./classify.js";
import { deleteRemoval, type RemovalState, type RemovedRun, removeRun } from "./remove-run.js";
import { RunReferenceError } from "./resolve-run-reference.js";
import { type MeasuredRemoval, type MeasuredRun, measureRuns } from "./runs-usage.js";
import { explainSystemError } from "./system-errors.js";

export interface RetentionDecision {
  runId: string;
  directory: string;
  state: RemovalState;
  /** null when the run is unreadable. */
  workflowName: string | null;
  startedAt: string | null;
  /**
   * When the run ended; for a crashed run its last sign of life (heartbeat, else start);
   * null when nothing says (an unreadable run, a running one).
   */
  endedAt: string | null;
  bytes: number;
  /**
   * Why the run goes or stays: the setting that decides ("retention.success: delete"), with
   * the run's age for a duration ("ended 9d ago, past retention.success: 7d").
   */
  reason: string;
}

export interface RetentionPlan {
  runsRoot: string;
  policy: RetentionPolicy;
  /** The clock the plan was made by, epoch ms. */
  now: number;
  /** Runs to remove, oldest first. */
  remove: RetentionDecision[];
  /** Runs kept, newest first. */
  keep: RetentionDecision[];
  /** Removals cut short earlier (`.removing-…`), finished when the plan is applied. */
  pendingRemovals: MeasuredRemoval[];
  totals: {
    /** Disk space under the runs root now: every run and every pending removal. */
    bytes: number;
    /** What applying the plan frees: the runs removed and the pending removals. */
    freedBytes: number;
    keptRuns: number;
    keptBytes: number;
    /** maxTotalSize is set and the kept runs exceed it even so (none of them may go). */
    overCap: boolean;
  };
}

export interface PlanRetentionOptions extends ClassifyOptions {}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** 45s, 12m, 5h, 9d: the units a retention duration is written in. */
function formatAge(milliseconds: number): string {
  if (milliseconds >= DAY) return `${Math.floor(milliseconds / DAY)}d`;
  if (milliseconds >= HOUR) return `${Math.floor(milliseconds / HOUR)}h`;
  if (milliseconds >= 60_000) return `${Math.floor(milliseconds / 60_000)}m`;
  return `${Math.max(0, Math.floor(milliseconds / 1000))}s`;
}

function isOutcome(state: RemovalState): state is RetentionOutcome {
  return (RETENTION_OUTCOMES as readonly string[]).includes(state);
}

/** When the run ended, or stopped showing signs of life; null when nothing says. */
function lastSignOfLife(run: MeasuredRun): string | null {
  const view = run.view;
  if (view === null || !isOutcome(run.state)) return null;
  if (view.endedAt !== null) return view.endedAt;
  if (view.heartbeatAt !== null) return new Date(view.heartbeatAt).toISOString();
  return view.meta.startedAt;
}

function decide(
  run: MeasuredRun,
  policy: RetentionPolicy,
  now: number,
): { remove: boolean; decision: RetentionDecision } {
  const endedAt = lastSignOfLife(run);
  const decision: RetentionDecision = {
    runId: run.runId,
    directory: run.directory,
    state: run.state,
    workflowName: run.view?.meta.workflowName ?? null,
    startedAt: run.view?.meta.startedAt ?? null,
    endedAt,
    bytes: run.bytes,
    reason: "",
  };
  const { state } = run;
  if (!isOutcome(state) || endedAt === null) {
    decision.reason =
      state === "unreadable"
        ? `unreadable (${run.error?.message ?? "no meta.json"}); never removed by gc`
        : state === "running"
          ? "running; never removed"
          : `state unknown (${run.view?.reason ?? "not known"}); never removed`;
    return { remove: false, decision };
  }
  const rule = policy[state];
  const setting = `retention.${state}: ${rule.setting}`;
  if (rule.action === "keep") {
    decision.reason = setting;
    return { remove: false, decision };
  }
  if (rule.afterMs === 0) {
    decision.reason = setting;
    return { remove: true, decision };
  }
  const age = Math.max(0, now - Date.parse(endedAt));
  const remove = age >= rule.afterMs;
  decision.reason = `ended ${formatAge(age)} ago, ${remove ? "past" : "within"} ${setting}`;
  return { remove, decision };
}

/** Oldest end first; runs that ended at the same moment, oldest start first. */
function byEnd(a: RetentionDecision, b: RetentionDecision): number {
  const difference = Date.parse(a.endedAt ?? "") - Date.parse(b.endedAt ?? "");
  if (difference !== 0 && !Number.isNaN(difference)) return difference;
  return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}

/**
 * Plans what `policy` (default: the seed's cleanup policy) removes under `runsRoot`: each run
 * by its outcome's rule, then, while the kept runs exceed `maxTotalSize`, the ended runs that
 * ended longest ago, whatever their rule. Reads and measures every run; removes nothing.
 */
export async function planRetention(
  runsRoot: string,
  policy: RetentionPolicy = DEFAULT_RETENTION_POLICY,
  options: PlanRetentionOptions = {},
): Promise<RetentionPlan> {
  const now = options.now ?? Date.now();
  const usage = await measureRuns(runsRoot, { ...options, now });
  const remove: RetentionDecision[] = [];
  let keep: RetentionDecision[] = [];
  for (const run of usage.runs) {
    const verdict = decide(run, policy, now);
    (verdict.remove ? remove : keep).push(verdict.decision);
  }
  const sum = (decisions: readonly RetentionDecision[]) =>
    decisions.reduce((total, decision) => total + decision.bytes, 0);
  let keptBytes = sum(keep);
  const cap = policy.maxTotalSize;
  if (cap !== undefined && keptBytes > cap.bytes) {
    const candidates = keep.filter((decision) => decision.endedAt !== null).sort(byEnd);
    const capped = new Set<RetentionDecision>();
    for (const decision of candidates) {
      if (keptBytes <= cap.bytes) break;
      decision.reason = `over retention.maxTotalSize: ${cap.setting}, oldest ended first`;
      capped.add(decision);
      keptBytes -= decision.bytes;
    }
    remove.push(...capped);
    keep = keep.filter((decision) => !capped.has(decision));
  }
  remove.sort(byEnd);
  const pendingBytes = usage.pendingRemovals.reduce((total, pending) => total + pending.bytes, 0);
  return {
    runsRoot: usage.runsRoot,
    policy,
    now,
    remove,
    keep,
    pendingRemovals: usage.pendingRemovals,
    totals: {
      bytes: usage.totalBytes,
      freedBytes: sum(remove) + pendingBytes,
      keptRuns: keep.length,
      keptBytes,
      overCap: cap !== undefined && keptBytes > cap.bytes,
    },
  };
}

export interface RetentionFailure {
  runId: string;
  directory: string;
  error: RunyardError;
}

export interface RetentionResult {
  /** Runs removed, in the plan's order (not those something else removed meanwhile). */
  removed: RemovedRun[];
  /** Pending removals finished. */
  finishedRemovals: MeasuredRemoval[];
  /** Runs (or pending removals) that could not be removed; the rest went on. */
  failed: RetentionFailure[];
  freedBytes: number;
}

function asRunyardError(error: unknown, directory: string): RunyardError {
  if (error instanceof RunyardError) return error;
  const facts = explainSystemError(error);
  const reason = facts?.reason ?? String(error);
  return new RunyardError("E_REMOVE", `cannot remove ${facts?.path ?? directory}: ${reason}`, {
    cause: error,
  });
}

/**
 * Applies a plan: finishes the pending removals, then removes each planned run with
 * removeRun, which checks it again (a run that cannot be removed is reported in `failed`,
 * and the others go on).
 */
export async function applyRetention(
  plan: RetentionPlan,
  options: ClassifyOptions = {},
): Promise<RetentionResult> {
  const result: RetentionResult = { removed: [], finishedRemovals: [], failed: [], freedBytes: 0 };
  for (const pending of plan.pendingRemovals) {
    try {
      const usage = await deleteRemoval(pending.directory);
      result.finishedRemovals.push({ ...pending, bytes: usage.bytes });
      result.freedBytes += usage.bytes;
    } catch (error) {
      const failure = asRunyardError(error, pending.directory);
      result.failed.push({ runId: pending.runId, directory: pending.directory, error: failure });
    }
  }
  for (const decision of plan.remove) {
    try {
      const removed = await removeRun(plan.runsRoot, decision.runId, options);
      result.removed.push(removed);
      result.freedBytes += removed.bytes;
    } catch (error) {
      // Removed meanwhile (another gc on another login node, an rm): what the plan wanted is
      // done, by someone else; it is neither this call's removal nor a failure.
      if (error instanceof RunReferenceError && error.code === "E_RUN_NOT_FOUND") continue;
      const failure = asRunyardError(error, decision.directory);
      result.failed.push({ runId: decision.runId, directory: decision.directory, error: failure });
    }
  }
  return result;
}
