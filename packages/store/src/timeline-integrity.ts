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
import {
  createSummaryDecoder,
  DECODE_ERROR_CODES,
  type DecodedEvent,
  type DecodeResult,
  decodeStream,
  type LineDecoder,
} from "@runyard/protocol";
import type { FinalStatus } from "@runyard/schema";
import type { RunFileError } from "./errors.js";
import { openRunFile } from "./run-file.js";
import { SUMMARY_TAIL_BYTES } from "./summary-tail.js";

/** A summary up to this size is read whole by a tail check, to count its lines. */
export const SUMMARY_COUNT_BYTES = 1024 * 1024;
/** A full check of a summary bigger than this falls back to a tail check. */
export const SUMMARY_FULL_CHECK_BYTES = 256 * 1024 * 1024;

/** What can be wrong with a timeline; each breaks a rule of docs/run-directory.md. */
export const TIMELINE_DAMAGE_KINDS = [
  /** A line that is not an event: not JSON, not a valid event, empty, a step-output. */
  "invalid-line",
  /** A seq higher than the line's (lines lost, or a forged seq). */
  "seq-gap",
  /** A seq at or below the one before (a line repeated, or out of order). */
  "seq-repeat",
  /** The first line is not the run-start. */
  "no-start",
  /** A run-start after the first line. */
  "second-start",
  /** Anything after the run-end, which is the executor's last line. */
  "after-end",
  /** An event of another run. */
  "other-run",
  /** A run-end whose final status contradicts meta.json's or status.json's. */
  "end-contradicts",
  /** More or fewer lines than the last seq says (where, only a full check can say). */
  "line-count",
  /** status.json reflects events the timeline does not have. */
  "behind-status",
] as const;
export type TimelineDamageKind = (typeof TIMELINE_DAMAGE_KINDS)[number];

/** The first place a timeline breaks its contract. */
export interface TimelineDamage {
  kind: TimelineDamageKind;
  /** 1-based line of run_summary.jsonl; null when a tail check could not tell which. */
  line: number | null;
  /** What is there, e.g. `seq 999`, `a line that is not JSON ({"ty…)`. */
  found: string;
  /** What the contract wants there, e.g. `seq 42`. */
  expected: string;
}

export interface TimelineIntegrity {
  state: "intact" | "damaged";
  /** How much was checked: every line ("full"), or its first line, count and end ("tail"). */
  checked: "full" | "tail";
  /** The first damage found; null when intact. */
  damage: TimelineDamage | null;
}

/** What the rest of the run directory says, for the timeline to be checked against. */
export interface TimelineFacts {
  runId: string;
  /** meta.json's finalStatus. */
  finalStatus: FinalStatus | null;
  /** status.json's seq (the last event its snapshot reflects); null without one. */
  statusSeq: number | null;
  /** Whether status.json shows a failed step. */
  statusFailed: boolean;
}

export interface TimelineReport {
  integrity: TimelineIntegrity;
  /** The last event on a committed line, damaged or not. */
  last: DecodedEvent | null;
  /** The run-end, when it is the last event and no damage comes before it. */
  end: Extract<DecodedEvent, { type: "run-end" }> | null;
  /** A run-end was found but not taken: damage came before it (or its place is unknown). */
  endDistrusted: boolean;
}

const NEWLINE = 0x0a;

/** Accumulates lines in file order and keeps the first damage. */
class TimelineChecker {
  damage: TimelineDamage | null = null;
  last: DecodedEvent | null = null;
  end: Extract<DecodedEvent, { type: "run-end" }> | null = null;
  endDistrusted = false;
  #previousSeq: number | null = null;
  #ended = false;
  /**
   * Whether a line's seq must equal its number (every line before it was seen), or only the
   * seq before it plus one (a tail check: lines before the window are only counted).
   */
  seqByLine = true;

  constructor(private readonly facts: TimelineFacts) {}

  #fail(kind: TimelineDamageKind, line: number | null, found: string, expected: string): void {
    this.damage ??= { kind, line, found, expected };
  }

  /** A line that is not an event. `line` is null when its number is not known. */
  invalid(line: number | null, found: string): void {
    const expected = this.#expectedSeq(line);
    if (this.#ended) this.#fail("after-end", line, found, "nothing after the run-end");
    this.#fail(
      "invalid-line",
      line,
      found,
      expected === null ? "an event" : `event seq ${expected}`,
    );
    // The next line's seq cannot be expected from this one's.
    if (!this.#byLine(line)) this.#previousSeq = null;
  }

  /** Forgets the seq before: the next line is not the one after the last line seen. */
  skip(): void {
    this.#previousSeq = null;
  }

  #byLine(line: number | null): line is number {
    return line !== null && (this.seqByLine || line === 1);
  }

  #expectedSeq(line: number | null): number | null {
    if (this.#byLine(line)) return line;
    return this.#previousSeq === null ? null : this.#previousSeq + 1;
  }

  event(line: number | null, event: DecodedEvent): void {
    if (event.type === "step-output") {
      this.invalid(line, `a step-output event (seq ${event.seq}), which is live only`);
      return;
    }
    const what = `${event.type === "unknown" ? event.originalType : event.type} seq ${event.seq}`;
    if (this.#ended) this.#fail("after-end", line, what, "nothing after the run-end");
    if (event.runId !== this.facts.runId)
      this.#fail("other-run", line, `an event of run ${event.runId}`, `run ${this.facts.runId}`);
    const expected = this.#expectedSeq(line);
    if (expected !== null && event.seq !== expected) {
      this.#fail(event.seq > expected ? "seq-gap" : "seq-repeat", line, what, `seq ${expected}`);
    }
    if (line === 1 && event.type !== "run-start") this.#fail("no-start", line, what, "run-start");
    if (event.type === "run-start" && line !== 1)
      this.#fail("second-start", line, what, "a single run-start, on line 1");
    if (event.type === "run-end") this.#runEnd(line, event);
    this.#previousSeq = event.seq;
    this.last = event;
  }

  #runEnd(line: number | null, event: Extract<DecodedEvent, { type: "run-end" }>): void {
    const { finalStatus, statusSeq, statusFailed } = this.facts;
    const says = `run-end ${event.finalStatus}`;
    if (finalStatus !== null && event.finalStatus !== finalStatus) {
      this.#fail("end-contradicts", line, says, `run-end ${finalStatus}, as meta.json says`);
    }
    // Only a snapshot taken after the run-end must agree with it.
    if (event.finalStatus === "success" && statusFailed && statusSeq !== null) {
      if (statusSeq >= event.seq)
        this.#fail("end-contradicts", line, says, "run-end failed: status.json has a failed step");
    }
    if (!this.#ended && this.damage === null) this.end = event;
    else this.endDistrusted = true;
    this.#ended = true;
  }

  /** After the last line: `lines` is how many committed lines the file has, when known. */
  finish(lines: number | null): void {
    const before = this.damage;
    const lastSeq = this.last?.seq ?? 0;
    const { statusSeq } = this.facts;
    if (statusSeq !== null && statusSeq > lastSeq) {
      this.#fail(
        "behind-status",
        null,
        this.last === null ? "no event" : `a timeline that ends at seq ${lastSeq}`,
        `seq ${statusSeq} or later, as status.json reflects`,
      );
    }
    // Without an event every line read was not one, and is the damage already.
    if (lines !== null && this.last !== null && lines !== lastSeq) {
      this.#fail(
        "line-count",
        null,
        `${lines} line${lines === 1 ? "" : "s"}`,
        `${lastSeq}, as the last seq says`,
      );
    }
    // Damage whose place is unknown may lie before the run-end: do not take the run-end.
    if (before === null && this.damage !== null && this.end !== null) {
      this.end = null;
      this.endDistrusted = true;
    }
  }

  report(checked: TimelineIntegrity["checked"]): TimelineReport {
    return {
      integrity: {
        state: this.damage === null ? "intact" : "damaged",
        checked,
        damage: this.damage,
      },
      last: this.last,
      end: this.end,
      endDistrusted: this.endDistrusted,
    };
  }
}

function describeError(result: Extract<DecodeResult<DecodedEvent>, { kind: "error" }>): string {
  const { error } = result;
  const excerpt = error.excerpt === "" ? "" : ` (${error.excerpt})`;
  switch (error.code) {
    case DECODE_ERROR_CODES.invalidJson:
      return `a line that is not JSON${excerpt}`;
    case DECODE_ERROR_CODES.lineTooLong:
      return "a line longer than the line limit";
    default:
      return `a line that is not a valid event${excerpt}`;
  }
}

/** Feeds one committed line (its bytes, newline included) to the checker. */
function checkLine(
  checker: TimelineChecker,
  decoder: LineDecoder<"event">,
  line: number | null,
  bytes: Uint8Array,
): void {
  const results = decoder.push(bytes);
  const [result] = results;
  if (result === undefined) checker.invalid(line, "an empty line");
  else if (result.kind === "message") checker.event(line, result.value);
  else if (result.kind === "error") checker.invalid(line, describeError(result));
}

function countNewlines(buffer: Buffer, from: number, to: number): number {
  let count = 0;
  for (let at = buffer.indexOf(NEWLINE, from); at !== -1 && at < to; ) {
    count += 1;
    at = buffer.indexOf(NEWLINE, at + 1);
  }
  return count;
}

/** Opens the summary without blocking on a FIFO and not through a link; null when missing. */
/** The summary opened as every run file is (openRunFile); null when it is missing. */
async function openSummary(path: string): Promise<{ handle: FileHandle; size: number } | null> {
  try {
    const { handle, stats } = await openRunFile(path);
    return { handle, size: stats.size };
  } catch (error) {
    if ((error as RunFileError).code === "E_RUN_FILE_MISSING") return null;
    throw error;
  }
}

async function readRange(handle: FileHandle, start: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/**
 * Where the line holding the byte at `position` starts: just after the last newline before
 * it. Read backwards a window at a time, never below `floor`; null when the line starts
 * before `floor` (a line too long to be the executor's).
 */
async function lineStart(handle: FileHandle, position: number, floor: number) {
  let end = position;
  while (end > floor) {
    const from = Math.max(floor, end - SUMMARY_TAIL_BYTES);
    const newline = (await readRange(handle, from, end - from)).lastIndexOf(NEWLINE);
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
async function checkEnd(handle: FileHandle, size: number, checker: TimelineChecker, path: string) {
  const windowStart = size - SUMMARY_TAIL_BYTES;
  const floor = Math.max(0, windowStart - SUMMARY_COUNT_BYTES);
  const window = await readRange(handle, windowStart, SUMMARY_TAIL_BYTES);
  // No newline in the window: its bytes are one line still being written, and the line to
  // start from is the last committed one, before the window.
  let position: number | null = windowStart;
  if (window.indexOf(NEWLINE) === -1) {
    const after = await lineStart(handle, windowStart, floor);
    position = after === null ? null : Math.max(0, after - 1);
  }
  const start = position === null ? null : await lineStart(handle, position, floor);
  const buffer =
    start === null || start === windowStart ? window : await readRange(handle, start, size - start);
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

async function checkTail(
  handle: FileHandle,
  size: number,
  checker: TimelineChecker,
  path: string,
): Promise<void> {
  if (size > SUMMARY_COUNT_BYTES) return checkEnd(handle, size, checker, path);
  const buffer = await readRange(handle, 0, size);
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
  const opened = await openSummary(path);
  if (opened === null) return null;
  const { handle, size } = opened;
  const checker = new TimelineChecker(facts);
  const full = depth === "full" && size <= SUMMARY_FULL_CHECK_BYTES;
  try {
    if (full) await checkFull(handle, checker, path);
    else await checkTail(handle, size, checker, path);
  } finally {
    await handle.close();
  }
  return checker.report(full ? "full" : "tail");
}
