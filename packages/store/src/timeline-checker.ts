// The contract of run_summary.jsonl as a checker that is fed lines in file order and keeps the
// first place the contract breaks (see timeline-integrity.ts for the two ways it is fed).
import {
  DECODE_ERROR_CODES,
  type DecodedEvent,
  type DecodeResult,
  type LineDecoder,
} from "@runyard/protocol";
import type { FinalStatus } from "@runyard/schema";

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
  /**
   * How much was checked: every line ("full"); its first line, count and end ("tail"); or,
   * for a run that ended, only that the file is the size the executor left it ("size": meta.json's
   * `timelineBytes`), so nothing else wrote to it since it was opened.
   */
  checked: "full" | "tail" | "size";
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
  /** Whether status.json shows a failed step that no `if: failure` step handled. */
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

export const NEWLINE = 0x0a;

/** Accumulates lines in file order and keeps the first damage. */
export class TimelineChecker {
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
    this.#settleEnd();
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
    if (event.type === "run-resume") {
      // A resumed executor's first line: what ended before it is not the run's end.
      this.#pendingEnd = undefined;
      this.#ended = false;
      this.end = null;
    } else this.#settleEnd();
    if (this.#ended) this.#fail("after-end", line, what, "nothing after the run-end");
    if (event.runId !== this.facts.runId)
      this.#fail("other-run", line, `an event of run ${event.runId}`, `run ${this.facts.runId}`);
    const expected = this.#expectedSeq(line);
    if (expected !== null && event.seq !== expected) {
      this.#fail(event.seq > expected ? "seq-gap" : "seq-repeat", line, what, `seq ${expected}`);
    }
    if (line === 1 && event.type !== "run-start") this.#fail("no-start", line, what, "run-start");
    if (event.type === "run-resume" && line === 1)
      this.#fail("no-start", line, what, "run-start, before any run-resume");
    if (event.type === "run-start" && line !== 1)
      this.#fail("second-start", line, what, "a single run-start, on line 1");
    if (event.type === "run-end") this.#runEnd(line, event);
    this.#previousSeq = event.seq;
    this.last = event;
  }

  /**
   * A run-end is judged once the next line is known: a run-resume after it (runyard resume)
   * makes it the end of one executor's lines, not of the run, and it is not held against
   * meta.json's final status.
   */
  #runEnd(line: number | null, event: Extract<DecodedEvent, { type: "run-end" }>): void {
    if (!this.#ended && this.damage === null) this.end = event;
    else this.endDistrusted = true;
    this.#ended = true;
    this.#pendingEnd = { line, event };
  }

  #pendingEnd:
    | { line: number | null; event: Extract<DecodedEvent, { type: "run-end" }> }
    | undefined;

  /** Checks the last run-end against the rest of the run directory: it is the run's end. */
  #settleEnd(): void {
    const pending = this.#pendingEnd;
    if (pending === undefined) return;
    this.#pendingEnd = undefined;
    const { line, event } = pending;
    const before = this.damage;
    const { finalStatus, statusSeq, statusFailed } = this.facts;
    const says = `run-end ${event.finalStatus}`;
    if (finalStatus !== null && event.finalStatus !== finalStatus) {
      this.#fail("end-contradicts", line, says, `run-end ${finalStatus}, as meta.json says`);
    }
    // Only a snapshot taken after the run-end must agree with it.
    if (event.finalStatus === "success" && statusFailed && statusSeq !== null) {
      if (statusSeq >= event.seq)
        this.#fail(
          "end-contradicts",
          line,
          says,
          "run-end failed: status.json has a failed step that no failure path handled",
        );
    }
    if (before === null && this.damage !== null && this.end === event) {
      this.end = null;
      this.endDistrusted = true;
    }
  }

  /** After the last line: `lines` is how many committed lines the file has, when known. */
  finish(lines: number | null): void {
    this.#settleEnd();
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

export function describeError(
  result: Extract<DecodeResult<DecodedEvent>, { kind: "error" }>,
): string {
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
export function checkLine(
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

export function countNewlines(buffer: Buffer, from: number, to: number): number {
  let count = 0;
  for (let at = buffer.indexOf(NEWLINE, from); at !== -1 && at < to; ) {
    count += 1;
    at = buffer.indexOf(NEWLINE, at + 1);
  }
  return count;
}
