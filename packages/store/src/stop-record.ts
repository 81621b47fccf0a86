// How an executor that stopped a run for want of space says so where a reader can find it
// even when nothing else could be written: one executor.log line, written first (in the room
// the disk reserve made), `<time> error run stopped: disk full (E_DISK_FULL): <what failed>`.
// A reader that finds no run-end and a dead executor looks for it before calling the run
// crashed: the run failed, and the user should free space, not hunt for a crash.
import { setImmediate as nextTurn } from "node:timers/promises";
import { readFileTailSync } from "./summary-tail.js";

/** What the line says after its time and level. */
export const STOP_MARKER = "run stopped:";

/**
 * What a resumed executor's first line says after its time and level: a stop line before it
 * was an earlier executor's, and says nothing of how the resumed run stands.
 */
export const RESUME_MARKER = "run resumed:";

/** How much of the end of executor.log is searched: the stop comes near its end. */
const TAIL_BYTES = 64 * 1024;

const RESUME_LINE = new RegExp(`^\\S+ info ${RESUME_MARKER}`);
const STOP_LINE = /^(\S+) error run stopped: (.+?) \((E_[A-Z0-9_]+)\): ([^\n]*)$/;

/** A run stop executor.log records. */
export interface StopRecord {
  /** When the executor wrote it (ISO-8601). */
  ts: string;
  /** "disk full", "disk quota exceeded", "disk input/output error". */
  reason: string;
  /** E_DISK_FULL, E_DISK_IO. */
  code: string;
  /** What failed, as the executor said it. */
  detail: string;
}

/**
 * The last stop line of an executor.log, or null when there is none (or no log). Reads at
 * most its last 64 KiB, without blocking and not through a link, like the summary's tail.
 */
export function readStopRecordSync(path: string): StopRecord | null {
  const read = readFileTailSync(path, TAIL_BYTES);
  if (read === null) return null;
  const text = read.tail.toString("utf8");
  const lines = text.split("\n");
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    if (RESUME_LINE.test(lines[index] ?? "")) return null;
    const match = STOP_LINE.exec(lines[index] ?? "");
    if (match && !Number.isNaN(Date.parse(match[1] ?? ""))) {
      return {
        ts: match[1] ?? "",
        reason: match[2] ?? "",
        code: match[3] ?? "",
        detail: match[4] ?? "",
      };
    }
  }
  return null;
}

/** readStopRecordSync after a turn of the event loop. */
export async function readStopRecord(path: string): Promise<StopRecord | null> {
  await nextTurn();
  return readStopRecordSync(path);
}
