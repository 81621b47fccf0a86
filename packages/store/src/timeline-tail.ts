// The timeline check of a listing ("tail"): synchronous, as a listing reads every run's few
// small files (see timeline-integrity.ts for what it checks and the "full" check).
import { createSummaryDecoder } from "@runyard/protocol";
import { readRangeSync, withRunFileSync } from "./run-file.js";
import { SUMMARY_TAIL_BYTES } from "./summary-tail.js";
import {
  checkLine,
  countNewlines,
  NEWLINE,
  SUMMARY_COUNT_BYTES,
  TimelineChecker,
  type TimelineFacts,
  type TimelineReport,
} from "./timeline-checker.js";

/**
 * Where the line holding the byte at `position` starts: just after the last newline before
 * it. Read backwards a window at a time, never below `floor`; null when the line starts
 * before `floor` (a line too long to be the executor's).
 */
function lineStart(fd: number, position: number, floor: number): number | null {
  let end = position;
  while (end > floor) {
    const from = Math.max(floor, end - SUMMARY_TAIL_BYTES);
    const newline = readRangeSync(fd, from, end - from).lastIndexOf(NEWLINE);
    if (newline !== -1) return from + newline + 1;
    end = from;
  }
  return floor === 0 ? 0 : null;
}

/**
 * A summary too big to be read whole: its last SUMMARY_TAIL_BYTES, from the start of the line
 * that straddles the window's start (read up to SUMMARY_COUNT_BYTES back), so that a forged or
 * torn line just before the window is decoded too. Lines are checked by their seqs alone
 * (their numbers are not known).
 */
function checkEnd(fd: number, size: number, checker: TimelineChecker, path: string): void {
  const windowStart = size - SUMMARY_TAIL_BYTES;
  const floor = Math.max(0, windowStart - SUMMARY_COUNT_BYTES);
  const window = readRangeSync(fd, windowStart, SUMMARY_TAIL_BYTES);
  // No newline in the window: its bytes are one line still being written, and the line to
  // start from is the last committed one, before the window.
  let position: number | null = windowStart;
  if (window.indexOf(NEWLINE) === -1) {
    const after = lineStart(fd, windowStart, floor);
    position = after === null ? null : Math.max(0, after - 1);
  }
  const start = position === null ? null : lineStart(fd, position, floor);
  const buffer =
    start === null || start === windowStart ? window : readRangeSync(fd, start, size - start);
  const decoder = createSummaryDecoder({ source: path });
  let from = 0;
  if (start === null) {
    checker.invalid(null, `a line longer than ${SUMMARY_COUNT_BYTES / 1024 / 1024} MiB`);
    from = buffer.indexOf(NEWLINE) + 1;
    if (from === 0) from = buffer.length;
  }
  const committed = buffer.lastIndexOf(NEWLINE) + 1;
  while (from < committed) {
    const bytes = buffer.subarray(from, buffer.indexOf(NEWLINE, from) + 1);
    checkLine(checker, decoder, null, bytes);
    from += bytes.length;
  }
  checker.finish(null);
}

function checkWhole(fd: number, size: number, checker: TimelineChecker, path: string): void {
  const buffer = readRangeSync(fd, 0, size);
  // Bytes after the last newline are a line still being written: not looked at.
  const committed = buffer.lastIndexOf(NEWLINE) + 1;
  const decoder = createSummaryDecoder({ source: path });
  const lineAt = (from: number) => buffer.subarray(from, buffer.indexOf(NEWLINE, from) + 1);
  // Read whole: line numbers are known. Decode the first line and the last lines, from the
  // start of the line the window's start falls in; count all.
  let from = Math.max(0, committed - SUMMARY_TAIL_BYTES);
  if (from > 0) from = buffer.lastIndexOf(NEWLINE, from - 1) + 1;
  let line = countNewlines(buffer, 0, from) + 1;
  if (from > 0 && committed > 0) {
    checkLine(checker, decoder, 1, lineAt(0));
    // A line added or lost before the window shows in the count, not as a wrong seq here.
    checker.seqByLine = false;
    checker.skip();
  }
  while (from < committed) {
    const bytes = lineAt(from);
    checkLine(checker, decoder, line, bytes);
    from += bytes.length;
    line += 1;
  }
  checker.finish(line - 1);
}

/**
 * The "tail" check of a run's run_summary.jsonl (see checkTimeline), synchronously. Null when
 * the file does not exist; throws when it cannot be read.
 */
export function checkTimelineTail(path: string, facts: TimelineFacts): TimelineReport | null {
  return withRunFileSync(path, (fd, { size }) => {
    const checker = new TimelineChecker(facts);
    if (size > SUMMARY_COUNT_BYTES) checkEnd(fd, size, checker, path);
    else checkWhole(fd, size, checker, path);
    return checker.report("tail");
  });
}
