// Tells how a run stands from its meta.json and heartbeat: ended (as meta says), running,
// crashed (the executor is provably gone) or unknown (no way to tell from here). When meta.json
// was never finalised (the disk filled up, the executor was killed between the two writes) but
// run_summary.jsonl recorded the run's end, the summary's word is taken; when even run-end
// could not be written but executor.log records an orderly stop (a full disk), the run failed.
import type { FinalStatus, RunMeta } from "@runyard/schema";
import {
  probeProcess,
  readBootId,
  readProcessStartTicks,
  shortHostname,
} from "./process-identity.js";

/** Every state a reader can find a run in: the final statuses, running, crashed, unknown. */
export const RUN_CLASSIFICATIONS = [
  "running",
  "success",
  "failed",
  "cancelled",
  "crashed",
  "unknown",
] as const;
export type RunClassification = (typeof RUN_CLASSIFICATIONS)[number];

/** A heartbeat older than this says the executor is gone (it beats every 10 s). */
export const HEARTBEAT_STALE_AFTER_MS = 60_000;

export interface ClassifyOptions {
  /** Short host name of the reader; defaults to this host's. */
  host?: string;
  /** Boot id of the reader's machine; defaults to this machine's. */
  bootId?: string | null;
  /** Reader's clock in epoch ms; defaults to Date.now(). */
  now?: number;
  staleAfterMs?: number;
}

export interface Classified {
  classification: RunClassification;
  /** Why, in words a user can check. */
  reason: string;
}

/** The run-end event of run_summary.jsonl, when that is its last committed line. */
export interface SummaryEnd {
  finalStatus: FinalStatus;
  /** When the run-end event was written (ISO-8601). */
  ts: string;
  /** The event's words on why the run ended so ("failed: build", "interrupted"), if any. */
  reason?: string;
  /** The run's duration as the executor measured it. */
  durationMs?: number;
  /** The code of the error that stopped the run (E_DISK_FULL), when one did. */
  code?: string;
  /**
   * Where the end was read: the run-end event (the default), or, when even that could not be
   * written, the executor's stop line in executor.log (see stop-record.ts); or, for a run whose
   * timeline was checked by its size, the outcome of status.json's last snapshot, which
   * records what the run-end says.
   */
  recordedIn?: "run_summary.jsonl" | "executor.log" | "status.json";
}

/**
 * Whether the summary's last event could change the verdict: meta.json has no final status
 * and the executor is gone or cannot be judged from here. Tells readers when to read it.
 */
export function wantsSummaryEnd(meta: RunMeta, classified: Classified): boolean {
  return (
    meta.finalStatus === null &&
    (classified.classification === "crashed" || classified.classification === "unknown")
  );
}

export function classifyRun(
  meta: RunMeta,
  heartbeatAt: number | null,
  options: ClassifyOptions = {},
  summaryEnd: SummaryEnd | null = null,
): Classified {
  if (meta.finalStatus !== null) {
    return {
      classification: meta.finalStatus,
      reason: `ended ${meta.endedAt ?? "(time unknown)"}`,
    };
  }
  const live = classifyLive(meta, heartbeatAt, options);
  if (summaryEnd !== null && wantsSummaryEnd(meta, live)) {
    if (summaryEnd.recordedIn === "executor.log") {
      return {
        classification: summaryEnd.finalStatus,
        reason: `run_summary.jsonl has no run-end; executor.log says the run stopped: ${summaryEnd.reason ?? summaryEnd.finalStatus}`,
      };
    }
    return {
      classification: summaryEnd.finalStatus,
      reason: `meta.json was not finalised; run_summary.jsonl says ${summaryEnd.finalStatus}`,
    };
  }
  return live;
}

function classifyLive(
  meta: RunMeta,
  heartbeatAt: number | null,
  options: ClassifyOptions,
): Classified {
  const now = options.now ?? Date.now();
  const staleAfterMs = options.staleAfterMs ?? HEARTBEAT_STALE_AFTER_MS;
  const heartbeatAge = heartbeatAt === null ? null : Math.max(0, now - heartbeatAt);
  const stale = heartbeatAge !== null && heartbeatAge > staleAfterMs;
  const staleReason = `no heartbeat for ${Math.round((heartbeatAge ?? 0) / 1000)} s`;

  const host = options.host ?? shortHostname();
  if (meta.startedOn !== host) {
    if (heartbeatAge === null) {
      return {
        classification: "unknown",
        reason: `started on ${meta.startedOn}; no heartbeat to judge it by from ${host}`,
      };
    }
    if (stale) return { classification: "crashed", reason: staleReason };
    return { classification: "running", reason: `running on ${meta.startedOn}` };
  }

  const executor = meta.executor;
  const bootId = options.bootId === undefined ? readBootId() : options.bootId;
  if (executor?.bootId && bootId && executor.bootId !== bootId) {
    return { classification: "crashed", reason: `${host} has rebooted since the run started` };
  }
  const pid = executor?.pid ?? meta.pid;
  if (probeProcess(pid) === "dead") {
    return { classification: "crashed", reason: `executor pid ${pid} is not running` };
  }
  const ticks = readProcessStartTicks(pid);
  if (executor?.processStartTicks && ticks) {
    if (ticks !== executor.processStartTicks) {
      return {
        classification: "crashed",
        reason: `pid ${pid} now belongs to another process (start time differs)`,
      };
    }
    return { classification: "running", reason: `executor pid ${pid} is running` };
  }
  // The pid is alive but we cannot prove it is the executor: let the heartbeat decide, as on
  // another host. Without one, a live pid proves nothing (pids are reused): unknown.
  if (heartbeatAge === null) {
    return {
      classification: "unknown",
      reason: `pid ${pid} is alive, but meta.json has no executor identity to check it by and there is no heartbeat`,
    };
  }
  if (stale) return { classification: "crashed", reason: staleReason };
  return {
    classification: "running",
    reason: `pid ${pid} is alive and the heartbeat is recent (identity not verifiable)`,
  };
}
