// The read side of one run directory: meta + status + heartbeat → a typed view with a
// classification. meta.json is required (without it there is no run to speak of); everything
// else may be missing or broken and is then reported in `problems`. When meta.json has no
// final status and the executor is gone, the end of run_summary.jsonl is read to see whether
// the run did end (see classify.ts); asked to (`readEnd`), it reads it for every run, to say
// why an ended run ended.
import { basename } from "node:path";
import {
  check,
  LenientRunMetaSchema,
  LenientRunStatusSchema,
  type RunMeta,
  type RunStatus,
  SCHEMA_VERSION,
} from "@runyard/schema";
import {
  type ClassifyOptions,
  classifyRun,
  type RunClassification,
  type SummaryEnd,
  wantsSummaryEnd,
} from "./classify.js";
import { describeSystemError, RunFileError } from "./errors.js";
import { readHeartbeat } from "./heartbeat.js";
import { type RunPaths, runPaths } from "./paths.js";
import { readJsonFile } from "./read-json.js";
import { MAX_META_BYTES } from "./run-file.js";
import { readLastSummaryEvent } from "./summary-tail.js";

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
  /** Epoch ms of the last heartbeat, or null. */
  heartbeatAt: number | null;
  /**
   * The run-end event, when run_summary.jsonl was read (see {@link ReadRunOptions.readEnd})
   * and ends with one: how the run ended and, in its `reason`, why.
   */
  summaryEnd: SummaryEnd | null;
  /**
   * When the last committed event of run_summary.jsonl was written, when the summary was
   * read: for a crashed run, with the heartbeat, its last sign of life.
   */
  lastEventAt: string | null;
  /**
   * When the run ended: meta.json's endedAt, else (meta.json not finalised) the time of the
   * run-end event in run_summary.jsonl; null while it runs or when nothing says.
   */
  endedAt: string | null;
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
}

/** A RunFileError names its file already; a bare system error gets it. */
function problemOf(path: string, error: unknown): string {
  return error instanceof RunFileError ? error.message : `${path}: ${describeSystemError(error)}`;
}

/** Reads one run directory. Throws (RunFileError or ValidationError) when meta.json is unusable. */
export async function readRun(directory: string, options: ReadRunOptions = {}): Promise<RunView> {
  const { readEnd = false, ...classifyOptions } = options;
  const paths = runPaths(directory);
  const problems: string[] = [];
  const meta = await readJsonFile(
    paths.meta,
    (input) => check(LenientRunMetaSchema, input),
    MAX_META_BYTES,
  );
  if (!meta.ok) throw meta.error;
  // The directory's name is the run's id: it is what `logs`, `show` and `rm` find it by. A
  // meta.json naming another run (copied, or forged) is said, not believed.
  const runId = basename(directory);
  if (meta.value.runId !== runId) {
    problems.push(
      `${paths.meta}: runId: names run ${meta.value.runId}, not ${runId} as its directory does; the run is listed under its directory's id`,
    );
  }
  const newer = meta.value.schemaVersion > SCHEMA_VERSION;
  const newerProblem = `written by a newer Runyard (schema version ${meta.value.schemaVersion}); upgrade runyard`;
  if (newer) problems.push(`${paths.meta}: ${newerProblem}`);

  const statusRead = await readJsonFile(paths.status, (input) =>
    check(LenientRunStatusSchema, input),
  );
  let status: RunStatus | null = null;
  if (statusRead.ok) status = statusRead.value;
  else if (!statusRead.missing) problems.push(statusRead.error.message);

  let heartbeatAt: number | null = null;
  try {
    heartbeatAt = await readHeartbeat(paths.heartbeat);
  } catch (error) {
    problems.push(problemOf(paths.heartbeat, error));
  }

  let classified = classifyRun(meta.value, heartbeatAt, classifyOptions);
  let summaryEnd: SummaryEnd | null = null;
  let lastEventAt: string | null = null;
  if (readEnd || wantsSummaryEnd(meta.value, classified)) {
    try {
      const last = await readLastSummaryEvent(paths.summary);
      // An event of a type this version does not know has whatever `ts` it was given.
      if (last !== null && !Number.isNaN(Date.parse(last.ts))) lastEventAt = last.ts;
      if (last?.type === "run-end") {
        summaryEnd = {
          finalStatus: last.finalStatus,
          ts: last.ts,
          durationMs: last.durationMs,
          ...(last.reason === undefined ? {} : { reason: last.reason }),
        };
        classified = classifyRun(meta.value, heartbeatAt, classifyOptions, summaryEnd);
      }
    } catch (error) {
      problems.push(problemOf(paths.summary, error));
    }
  }
  const { classification } = classified;
  const reason = newer ? `${classified.reason}; meta.json was ${newerProblem}` : classified.reason;
  return {
    runId,
    directory,
    paths,
    meta: meta.value,
    status,
    classification,
    reason,
    heartbeatAt,
    summaryEnd,
    lastEventAt,
    endedAt: meta.value.endedAt ?? summaryEnd?.ts ?? null,
    problems,
  };
}
