// The last committed event of run_summary.jsonl, read from the end of the file: a reader that
// wants to know how a run ended must not read a summary of gigabytes from the start. Only the
// last `maxBytes` are read; a last line longer than that is not looked at.
import { setImmediate as nextTurn } from "node:timers/promises";
import { createSummaryDecoder, type DecodedEvent } from "@runyard/protocol";
import { readRangeSync, withRunFileSync } from "./run-file.js";

/** How much of the end of a summary is read by default. */
export const SUMMARY_TAIL_BYTES = 64 * 1024;

const NEWLINE = 0x0a;

/**
 * The event on the last complete (newline-ended) line of a summary file, or null when the file
 * is missing or empty, when that line is longer than `maxBytes`, or when it is not a valid
 * event. A last line still being written (no newline yet) is not committed and is skipped.
 */
export function readLastSummaryEventSync(
  path: string,
  maxBytes: number = SUMMARY_TAIL_BYTES,
): DecodedEvent | null {
  const read = readFileTailSync(path, maxBytes);
  if (read === null) return null;
  const { tail, start } = read;
  const end = tail.lastIndexOf(NEWLINE);
  if (end === -1) return null;
  const previous = end === 0 ? -1 : tail.lastIndexOf(NEWLINE, end - 1);
  // Without an earlier newline in the window, the line began before it (unless the window
  // is the whole file): too long to judge, and never a half line taken for a whole one.
  if (previous === -1 && start > 0) return null;
  const line = tail.subarray(previous + 1, end + 1);
  const decoder = createSummaryDecoder({ source: path, maxLineBytes: maxBytes });
  for (const result of decoder.push(line)) {
    if (result.kind === "message") return result.value;
  }
  return null;
}

/** readLastSummaryEventSync after a turn of the event loop. */
export async function readLastSummaryEvent(
  path: string,
  maxBytes: number = SUMMARY_TAIL_BYTES,
): Promise<DecodedEvent | null> {
  await nextTurn();
  return readLastSummaryEventSync(path, maxBytes);
}

/**
 * The last `maxBytes` of a run's file and where they start in it; null when it is missing.
 * Opened as every file of a run directory is (withRunFileSync): a regular file with one name,
 * reached by no link, without blocking — a named pipe in the file's place would otherwise hang
 * the reader (every `runyard ps`) for good.
 */
export function readFileTailSync(
  path: string,
  maxBytes: number,
): { tail: Buffer; start: number } | null {
  return withRunFileSync(path, (fd, { size }) => {
    const start = Math.max(0, size - maxBytes);
    return { tail: readRangeSync(fd, start, size - start), start };
  });
}
