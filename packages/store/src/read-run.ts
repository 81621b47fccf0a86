// The read side of one run directory: meta + status + heartbeat → a typed view with a
// classification. meta.json is required (without it there is no run to speak of); everything
// else may be missing or broken and is then reported in `problems`. When meta.json has no
// final status and the executor is gone, the end of run_summary.jsonl is read to see whether
// the run did end (see classify.ts); asked to (`readEnd`), it reads it for every run, to say
// why an ended run ended. The timeline's integrity is checked on the way (timeline-integrity.ts):
// a run-end found after damage, or one status.json does not confirm, is never taken for the
// executor's word.
import { lstatSync, type Stats } from "node:fs";
import { basename } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import {
  checkLenientRunMeta,
  checkLenientRunStatus,
  type RunMeta,
  type RunStatus,
  SCHEMA_VERSION,
} from "@runyard/schema";
import {
  type Classified,
  type ClassifyOptions,
  classifyRun,
  type RunClassification,
  type SummaryEnd,
  wantsSummaryEnd,
} from "./classify.js";
import { describeSystemError, RunFileError } from "./errors.js";
import { readHeartbeatSync } from "./heartbeat.js";
import { type RunPaths, runPaths } from "./paths.js";
import { readJsonFileSync } from "./read-json.js";
import { MAX_META_BYTES } from "./run-file.js";
import { readStopRecordSync } from "./stop-record.js";
import type { TimelineFacts, TimelineIntegrity, TimelineReport } from "./timeline-checker.js";
import { checkTimeline } from "./timeline-integrity.js";
import { checkTimelineTail } from "./timeline-tail.js";

export interface RunView {
  /**
   * The run's id: its directory's name, which is what finds it. meta.json's `runId` is in
   * `meta`; when the two differ, `problems` says so.
   */
  runId: string;
  directory: string;
  paths: RunPaths;
  meta: RunMeta;
  /** null while status.json does not exist yet, or when it is unreadable (see problems). */
  status: RunStatus | null;
  classification: RunClassification;
  /** Why the run is classified so, in words. */
  reason: string;
  /**
   * Epoch ms of the last heartbeat, or null: none, or not read because meta.json says the
   * run ended (the heartbeat says nothing about an ended run).
   */
  heartbeatAt: number | null;
  /**
   * The run-end event, when run_summary.jsonl was read (see {@link ReadRunOptions.readEnd})
   * and ends with one: how the run ended and, in its `reason`, why. For a run whose timeline
   * was checked by its size (`timeline.checked` "size"), the same words from status.json's
   * last snapshot (`recordedIn` "status.json").
   */
  summaryEnd: SummaryEnd | null;
  /**
   * When the last committed event of run_summary.jsonl was written, when the summary was
   * read (not for a run whose timeline was checked by its size): for a crashed run, with the
   * heartbeat, its last sign of life.
   */
  lastEventAt: string | null;
  /**
   * When the run ended: meta.json's endedAt, else (meta.json not finalised) the time of the
   * run-end event in run_summary.jsonl; null while it runs or when nothing says.
   */
  endedAt: string | null;
  /**
   * Whether run_summary.jsonl keeps its contract (see {@link ReadRunOptions.timeline}); null
   * when it was not checked, does not exist or cannot be read (then said in `problems`).
   */
  timeline: TimelineIntegrity | null;
  /** Non-fatal problems: each names the file and, where it applies, the field. */
  problems: string[];
}

export interface ReadRunOptions extends ClassifyOptions {
  /**
   * Read the end of run_summary.jsonl for every run, not only for one the executor left
   * without a final status: `summaryEnd` then says why an ended run ended. One more read
   * (of at most the summary's last 64 KiB) per run.
   */
  readEnd?: boolean;
  /**
   * How run_summary.jsonl's integrity is checked: "tail" (default; the read `readEnd` does,
   * plus a count of the lines of a summary up to 1 MiB), "full" (every line: for one run, not
   * a listing) or "none" (for readers that poll and show no verdict; the end is then read
   * only when the classification needs it).
   */
  timeline?: "tail" | "full" | "none";
}

/** The end executor.log records when not even run-end could be written (a full disk). */
function readStoppedEnd(path: string, problems: string[]): SummaryEnd | null {
  try {
    const stop = readStopRecordSync(path);
    if (stop === null) return null;
    return {
      finalStatus: "failed",
      ts: stop.ts,
      reason: `${stop.reason}: ${stop.detail}`,
      code: stop.code,
      recordedIn: "executor.log",
    };
  } catch (error) {
    problems.push(`${path}: ${describeSystemError(error)}`);
    return null;
  }
}

/**
 * Why status.json does not confirm the timeline's run-end, or null when it does. A step can
 * append a line to run_summary.jsonl but not replace status.json as the executor does (it
 * snapshots the status after the run-end, before meta.json): a run-end is the executor's only
 * when the snapshot reflects that very event and records the same outcome.
 */
function unconfirmedEnd(
  end: { seq: number; finalStatus: string },
  status: RunStatus | null,
): string | null {
  if (status === null) return "it is missing or unreadable";
  if (status.seq !== end.seq) {
    return `it reflects ${status.seq === undefined ? "no seq" : `seq ${status.seq}`}, the run-end is seq ${end.seq}`;
  }
  if (status.outcome?.finalStatus !== end.finalStatus) {
    return `its outcome is ${status.outcome?.finalStatus ?? "not recorded"}`;
  }
  return null;
}

/** A RunFileError names its file already; a bare system error gets it. */
function problemOf(path: string, error: unknown): string {
  return error instanceof RunFileError ? error.message : `${path}: ${describeSystemError(error)}`;
}

/** What a run directory says before its timeline is looked at. */
interface RunFiles {
  runId: string;
  directory: string;
  paths: RunPaths;
  meta: RunMeta;
  status: RunStatus | null;
  heartbeatAt: number | null;
  classified: Classified;
  /** Whether the timeline is read: for the end, or for its integrity. */
  readsTimeline: boolean;
  /** Said in the reason when meta.json is from a newer Runyard. */
  newerProblem: string | null;
  problems: string[];
}

/** meta.json, status.json and the heartbeat, and the verdict they give. Synchronous. */
function readRunFiles(directory: string, options: ReadRunOptions): RunFiles {
  const { readEnd = false, timeline: depth = "tail", ...classifyOptions } = options;
  const paths = runPaths(directory);
  const problems: string[] = [];
  const meta = readJsonFileSync(paths.meta, checkLenientRunMeta, MAX_META_BYTES);
  if (!meta.ok) throw meta.error;
  // The directory's name is the run's id: it is what `logs`, `show` and `rm` find it by. A
  // meta.json naming another run (copied, or forged) is said, not believed.
  const runId = basename(directory);
  if (meta.value.runId !== runId) {
    problems.push(
      `${paths.meta}: runId: names run ${meta.value.runId}, not ${runId} as its directory does; the run is listed under its directory's id`,
    );
  }
  const newerProblem =
    meta.value.schemaVersion > SCHEMA_VERSION
      ? `written by a newer Runyard (schema version ${meta.value.schemaVersion}); upgrade runyard`
      : null;
  if (newerProblem !== null) problems.push(`${paths.meta}: ${newerProblem}`);

  const statusRead = readJsonFileSync(paths.status, checkLenientRunStatus);
  let status: RunStatus | null = null;
  if (statusRead.ok) status = statusRead.value;
  else if (!statusRead.missing) problems.push(statusRead.error.message);

  // A run meta.json says ended is classified by meta.json alone: its heartbeat is not read.
  let heartbeatAt: number | null = null;
  if (meta.value.finalStatus === null) {
    try {
      heartbeatAt = readHeartbeatSync(paths.heartbeat);
    } catch (error) {
      problems.push(problemOf(paths.heartbeat, error));
    }
  }
  const classified = classifyRun(meta.value, heartbeatAt, classifyOptions);
  return {
    runId,
    directory,
    paths,
    meta: meta.value,
    status,
    heartbeatAt,
    classified,
    readsTimeline: readEnd || depth !== "none" || wantsSummaryEnd(meta.value, classified),
    newerProblem,
    problems,
  };
}

/** What the timeline check is told about the rest of the run directory. */
function timelineFacts(files: RunFiles): TimelineFacts {
  return {
    runId: files.runId,
    finalStatus: files.meta.finalStatus,
    statusSeq: files.status?.seq ?? null,
    // A failure the workflow's failure path handled does not fail the run.
    statusFailed:
      files.status?.steps.some((step) => step.status === "failed" && !step.handledBy?.length) ??
      false,
  };
}

/**
 * The view of a run that ended in order, when its timeline need not be read: meta.json says
 * how big the executor left run_summary.jsonl (`timelineBytes`, never 0: a run that ended has
 * a run-start and a run-end), the file is that size, so nothing else wrote to it, and
 * status.json's last snapshot records the same end and no failed step beside a success. Its
 * end is then status.json's outcome. Null when any of it does not hold: the caller reads the
 * timeline as usual (and finds what is wrong with it). status.json's seq is not compared with
 * the timeline's end, which is not read: a status.json rewritten to claim later events is
 * named by `show`.
 */
function provenEnd(files: RunFiles, readEnd: boolean): RunView | null {
  const { meta, status, paths } = files;
  const outcome = status?.outcome;
  if (meta.finalStatus === null || !meta.timelineBytes || meta.endedAt === null) return null;
  if (outcome === undefined || outcome.finalStatus !== meta.finalStatus) return null;
  // What the tail check would hold against the files already read: a success beside a failed
  // step in status.json that no failure path handled (end-contradicts).
  if (outcome.finalStatus === "success" && timelineFacts(files).statusFailed) return null;
  let stats: Stats;
  try {
    stats = lstatSync(paths.summary);
  } catch {
    return null;
  }
  if (!stats.isFile() || stats.nlink !== 1 || stats.size !== meta.timelineBytes) return null;
  const summaryEnd: SummaryEnd = {
    finalStatus: outcome.finalStatus,
    ts: meta.endedAt,
    ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    ...(outcome.code === undefined ? {} : { code: outcome.code }),
    recordedIn: "status.json",
  };
  return viewOf(files, files.classified, "", {
    summaryEnd: readEnd ? summaryEnd : null,
    lastEventAt: null,
    endedAt: meta.endedAt,
    timeline: { state: "intact", checked: "size", damage: null },
  });
}

/** The view from what was read: the files, the verdict, and what the timeline said. */
function viewOf(
  files: RunFiles,
  classified: Classified,
  distrusted: string,
  timeline: Pick<RunView, "summaryEnd" | "lastEventAt" | "endedAt" | "timeline">,
): RunView {
  const newer = files.newerProblem === null ? "" : `; meta.json was ${files.newerProblem}`;
  return {
    runId: files.runId,
    directory: files.directory,
    paths: files.paths,
    meta: files.meta,
    status: files.status,
    classification: classified.classification,
    reason: `${classified.reason}${distrusted}${newer}`,
    heartbeatAt: files.heartbeatAt,
    ...timeline,
    problems: files.problems,
  };
}

/** The view, from the files and the timeline's report (null: missing, unreadable or not read). */
function runView(files: RunFiles, report: TimelineReport | null, options: ReadRunOptions): RunView {
  const { readEnd = false, timeline: _depth, ...classifyOptions } = options;
  const { meta, status, heartbeatAt, paths, problems } = files;
  let classified = files.classified;
  let summaryEnd: SummaryEnd | null = null;
  let lastEventAt: string | null = null;
  let distrusted = "";
  const wantsEnd = readEnd || wantsSummaryEnd(meta, classified);
  const last = report?.last ?? null;
  // An event of a type this version does not know has whatever `ts` it was given.
  if (last !== null && !Number.isNaN(Date.parse(last.ts))) lastEventAt = last.ts;
  const end = report?.end ?? null;
  // An end that would decide the state is the executor's word only when status.json, which
  // no step writes, agrees with it.
  const unconfirmed =
    end !== null && wantsSummaryEnd(meta, classified) ? unconfirmedEnd(end, status) : null;
  if (end !== null && unconfirmed !== null) {
    distrusted = `; run_summary.jsonl has a run-end ${end.finalStatus}, not taken: the timeline's end is not confirmed by status.json (${unconfirmed})`;
  } else if (wantsEnd && end !== null) {
    summaryEnd = {
      finalStatus: end.finalStatus,
      ts: end.ts,
      durationMs: end.durationMs,
      ...(end.reason === undefined ? {} : { reason: end.reason }),
      ...(end.error?.code === undefined ? {} : { code: end.error.code }),
    };
    classified = classifyRun(meta, heartbeatAt, classifyOptions, summaryEnd);
  } else if (report?.endDistrusted && wantsSummaryEnd(meta, classified)) {
    distrusted = "; run_summary.jsonl has a run-end, not taken: the timeline is damaged";
  }
  if (summaryEnd === null && wantsSummaryEnd(meta, classified)) {
    summaryEnd = readStoppedEnd(paths.executorLog, problems);
    if (summaryEnd) classified = classifyRun(meta, heartbeatAt, classifyOptions, summaryEnd);
  }
  return viewOf(files, classified, distrusted, {
    summaryEnd,
    lastEventAt,
    endedAt: meta.endedAt ?? summaryEnd?.ts ?? null,
    timeline: report?.integrity ?? null,
  });
}

/**
 * Reads one run directory, synchronously (a timeline check "full" is read as "tail": use
 * readRun for it). Throws (RunFileError or ValidationError) when meta.json is unusable.
 * A listing reads every run this way: a few small files each, where a trip through the
 * thread pool per system call would cost more than the calls.
 */
export function readRunSync(directory: string, options: ReadRunOptions = {}): RunView {
  const files = readRunFiles(directory, options);
  const proven = files.readsTimeline ? provenEnd(files, options.readEnd ?? false) : null;
  if (proven !== null) return proven;
  let report: TimelineReport | null = null;
  if (files.readsTimeline) {
    try {
      report = checkTimelineTail(files.paths.summary, timelineFacts(files));
    } catch (error) {
      files.problems.push(problemOf(files.paths.summary, error));
    }
  }
  return runView(files, report, options);
}

/** Reads one run directory. Throws (RunFileError or ValidationError) when meta.json is unusable. */
export async function readRun(directory: string, options: ReadRunOptions = {}): Promise<RunView> {
  // A turn of the event loop first: a loop of reads (a viewer polling) lets I/O and timers in.
  await nextTurn();
  if (options.timeline !== "full") return readRunSync(directory, options);
  const files = readRunFiles(directory, options);
  let report: TimelineReport | null = null;
  try {
    report = await checkTimeline(files.paths.summary, timelineFacts(files), "full");
  } catch (error) {
    files.problems.push(problemOf(files.paths.summary, error));
  }
  return runView(files, report, options);
}
