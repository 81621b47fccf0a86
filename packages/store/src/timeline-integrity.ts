// Checks run_summary.jsonl against its contract (line n has seq n, run-start first, run-end
// last, every line an event of this run) and says where it first breaks. Runyard cannot stop a
// step, which runs as the same user and knows the file's path, from appending to the file; a
// reader must notice and say so, and must not take a run-end found after the damage for the
// executor's word. A torn last line (no newline yet) is a write in progress, never damage.
//
// Two depths (see docs/run-directory.md, "Timeline integrity"):
// - "tail", for listings: a summary of up to SUMMARY_COUNT_BYTES is read whole but only its
//   first line and last SUMMARY_TAIL_BYTES are decoded; its lines are counted, so a line added
//   or lost anywhere shows as a count that differs from the last seq. A bigger summary is read
//   only at its end, where the lines must follow each other seq by seq. Either way the line
//   the window's start falls in is decoded whole (read back up to SUMMARY_COUNT_BYTES): a
//   forged or torn line just before the window is not missed, and one longer than that is
//   damage (the executor never writes such a line).
// - "full", for one run (`runyard show`): every line is decoded and checked, streamed.
import type { FileHandle } from "node:fs/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import { DECODE_ERROR_CODES, decodeStream } from "@runyard/protocol";
import type { RunFileError } from "./errors.js";
import { openRunFile } from "./run-file.js";
import {
  countNewlines,
  describeError,
  SUMMARY_FULL_CHECK_BYTES,
  TimelineChecker,
  type TimelineFacts,
  type TimelineReport,
} from "./timeline-checker.js";
import { checkTimelineTail } from "./timeline-tail.js";

async function checkFull(handle: FileHandle, checker: TimelineChecker, path: string) {
  let newlines = 0;
  let previousLine = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of handle.createReadStream({ autoClose: false })) {
      const buffer = chunk as Buffer;
      newlines += countNewlines(buffer, 0, buffer.length);
      yield buffer;
    }
  }
  for await (const result of decodeStream(counted(), { content: "event", source: path })) {
    if (result.kind === "error" && result.error.code === DECODE_ERROR_CODES.tornLine) break;
    // The decoder gives nothing for an empty line: a line number skipped is one.
    if (result.line > previousLine + 1) checker.invalid(previousLine + 1, "an empty line");
    previousLine = result.line;
    if (result.kind === "message") checker.event(result.line, result.value);
    else if (result.kind === "error") checker.invalid(result.line, describeError(result));
  }
  if (newlines > previousLine) checker.invalid(previousLine + 1, "an empty line");
  checker.finish(newlines);
}

/**
 * Checks a run's run_summary.jsonl against the contract and the rest of the run directory.
 * Null when the file does not exist. Throws when it cannot be read (not a regular file, no
 * permission): a caller reports that as a problem of the file, not as damage.
 */
export async function checkTimeline(
  path: string,
  facts: TimelineFacts,
  depth: "tail" | "full" = "tail",
): Promise<TimelineReport | null> {
  if (depth === "tail") {
    await nextTurn();
    return checkTimelineTail(path, facts);
  }
  let opened: { handle: FileHandle; size: number };
  try {
    const { handle, stats } = await openRunFile(path);
    opened = { handle, size: stats.size };
  } catch (error) {
    if ((error as RunFileError).code === "E_RUN_FILE_MISSING") return null;
    throw error;
  }
  const { handle, size } = opened;
  // A summary too big to be decoded whole gets the tail check.
  if (size > SUMMARY_FULL_CHECK_BYTES) {
    await handle.close();
    return checkTimelineTail(path, facts);
  }
  const checker = new TimelineChecker(facts);
  try {
    await checkFull(handle, checker, path);
  } finally {
    await handle.close();
  }
  return checker.report("full");
}
