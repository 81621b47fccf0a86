// What the crash reaper believes of a dead executor's run_summary.jsonl: which steps started
// (with their session) and which ended. The timeline is in the run directory, where the steps
// write too, so it is read as possibly hostile:
// - in bounded memory: 1 MiB chunks, at most 256 MiB of the file, and a line longer than 64 KiB
//   is never held whole (it is counted, not read: no step-start or step-end is that long);
// - only the unbroken run of the executor's own lines is believed: line n carries this run's
//   id and seq n. The first line that does not — a gap, another run's id, a line that does not
//   parse (a torn last line, a step's forgery) — ends what is believed, so a step cannot
//   append a step-end that saves its processes from the reaper, or a step-start that points it
//   at another session. What the executor wrote after a forgery is lost to the reaper as well;
//   the environment scan (crash-reaper.ts) still finds those steps' processes.
// Like the reaper, it imports nothing but node: modules (no zod, no protocol package), to be
// quick in a fresh process on a busy machine.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

export const TIMELINE_LIMITS = {
  /** How much is read at a time. */
  chunkBytes: 1024 * 1024,
  /** How much of the file is read at most; what lies past it is not believed. */
  maxBytes: 256 * 1024 * 1024,
  /** A line longer than this is skipped unread (it still takes its place in the seq count). */
  maxLineBytes: 64 * 1024,
};

export interface Timeline {
  /** Session id → step id, for steps that started with a session and did not end. */
  running: Map<number, string>;
  /** Step id by capture number, for every attempt that started. */
  started: Map<number, string>;
  /** Capture numbers of the attempts that ended. */
  ended: Set<number>;
}

interface TimelineLine {
  runId?: unknown;
  seq?: unknown;
  type?: unknown;
  stepId?: unknown;
  captureSeq?: unknown;
  pgid?: unknown;
  lost?: unknown;
}

const NEWLINE = 0x0a;

/** Opens `path` for reading without blocking on a FIFO and not through a link; -1 if not a file. */
function openRegularFile(path: string): number {
  let descriptor: number;
  try {
    descriptor = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return -1; // no timeline (yet), or a link: the environment still finds the steps
  }
  try {
    if (fstatSync(descriptor).isFile()) return descriptor;
  } catch {
    // fall through: not readable as a file
  }
  closeSync(descriptor);
  return -1;
}

/**
 * Calls `onLine` with each newline-ended line of the file at `path`, in order, read in chunks
 * (`undefined` for a line longer than `maxLineBytes`); stops when `onLine` returns false, at
 * the end of the file or after `maxBytes`. A last line without its newline is not passed.
 */
export function forEachLine(
  path: string,
  onLine: (line: Buffer | undefined) => boolean,
  limits: typeof TIMELINE_LIMITS = TIMELINE_LIMITS,
): void {
  const descriptor = openRegularFile(path);
  if (descriptor < 0) return;
  const chunk = Buffer.alloc(limits.chunkBytes);
  /** The start of the line in progress, from earlier chunks (never more than maxLineBytes). */
  let parts: Buffer[] = [];
  let partsLength = 0;
  /** The line in progress is too long: its bytes are dropped up to its newline. */
  let skipping = false;
  let total = 0;
  try {
    while (total < limits.maxBytes) {
      let length: number;
      try {
        length = readSync(
          descriptor,
          chunk,
          0,
          Math.min(chunk.length, limits.maxBytes - total),
          null,
        );
      } catch {
        return; // EAGAIN (a lease), EIO: what was read is all there is
      }
      if (length === 0) return;
      total += length;
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf(NEWLINE, start);
        const end = newline < 0 || newline >= length ? length : newline;
        if (!skipping) {
          if (partsLength + (end - start) > limits.maxLineBytes) {
            skipping = true;
            parts = [];
            partsLength = 0;
          } else if (end > start) {
            // Copied: the chunk buffer is reused by the next read.
            parts.push(Buffer.from(chunk.subarray(start, end)));
            partsLength += end - start;
          }
        }
        if (end === length) break; // the line goes on in the next chunk
        const line = skipping ? undefined : Buffer.concat(parts, partsLength);
        parts = [];
        partsLength = 0;
        skipping = false;
        if (!onLine(line)) return;
        start = end + 1;
      }
    }
  } finally {
    closeSync(descriptor);
  }
}

/** What the reaper may believe of the timeline at `path`, written by run `runId`. */
export function readTimeline(
  path: string,
  runId: string,
  limits: typeof TIMELINE_LIMITS = TIMELINE_LIMITS,
): Timeline {
  const timeline: Timeline = { running: new Map(), started: new Map(), ended: new Set() };
  const sessions = new Map<number, { stepId: string; session: number }>();
  let expectedSeq = 1;
  forEachLine(
    path,
    (bytes) => {
      const seq = expectedSeq;
      expectedSeq += 1;
      // Too long to be a step-start or a step-end, and not read: it keeps its place in the
      // count, so the lines after it are still the executor's only if their seq says so.
      if (bytes === undefined) return true;
      let event: TimelineLine;
      try {
        event = JSON.parse(bytes.toString("utf8")) as TimelineLine;
      } catch {
        return false;
      }
      if (event === null || typeof event !== "object") return false;
      if (event.runId !== runId || event.seq !== seq) return false;
      const { type, stepId, captureSeq, pgid } = event;
      if (type === "run-resume" && Array.isArray(event.lost)) {
        // Attempts an earlier executor lost: a resume stopped them, and they count as ended
        // (their session ids may be another's by now).
        for (const lost of event.lost as { captureSeq?: unknown }[]) {
          if (typeof lost?.captureSeq !== "number") continue;
          timeline.ended.add(lost.captureSeq);
          sessions.delete(lost.captureSeq);
        }
        return true;
      }
      if (typeof captureSeq !== "number" || typeof stepId !== "string") return true;
      if (type === "step-start") {
        timeline.started.set(captureSeq, stepId);
        if (typeof pgid === "number") sessions.set(captureSeq, { stepId, session: pgid });
      } else if (type === "step-end") {
        timeline.ended.add(captureSeq);
        sessions.delete(captureSeq);
      }
      return true;
    },
    limits,
  );
  for (const { stepId, session } of sessions.values()) timeline.running.set(session, stepId);
  return timeline;
}
