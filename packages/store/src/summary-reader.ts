// Reads run_summary.jsonl with @runyard/protocol's decoder, without loading it whole for
// streamSummary. The newline commits a line: a last line without it is a write in progress
// (or cut by a crash), reported as torn even when it is complete JSON, never as an error. A
// bad line in the middle is reported with its line number and the reading goes on.
import type { Readable } from "node:stream";
import {
  DECODE_ERROR_CODES,
  type DecodedEvent,
  type DecodeResult,
  decodeStream,
  readRunSummary,
} from "@runyard/protocol";
import { openRunFile } from "./run-file.js";

export type SummaryRecord =
  | { kind: "event"; line: number; event: DecodedEvent }
  | { kind: "problem"; line: number; message: string }
  | { kind: "torn"; line: number; bytes: number };

export interface SummaryRange {
  /** Yield events with seq >= fromSeq (default 1). */
  fromSeq?: number;
  /** Yield events with seq <= toSeq (default: all). */
  toSeq?: number;
}

export interface SummaryOptions extends SummaryRange {
  /**
   * Check each line against its event schema (default true). Only a writer replaying its own
   * summary may turn this off: it skips the per-line schema check, not the JSON parse, the
   * torn-line rule or the seq checks, and an invalid line then comes through as it is.
   */
  validate?: boolean;
}

function toRecord(result: DecodeResult<DecodedEvent>): SummaryRecord | undefined {
  switch (result.kind) {
    case "message":
      return { kind: "event", line: result.line, event: result.value };
    case "error":
      return result.error.code === DECODE_ERROR_CODES.tornLine
        ? { kind: "torn", line: result.line, bytes: result.error.bytes ?? 0 }
        : { kind: "problem", line: result.line, message: result.error.message };
    default:
      return undefined; // text lines exist only in the stderr form
  }
}

/**
 * The summary's bytes as a stream, opened as every file of a run directory is (see
 * openRunFile: a named pipe, a device or a link in its place is refused, never waited on).
 * The stream closes the file when it ends or is destroyed.
 */
async function openSummary(path: string): Promise<Readable> {
  const { handle } = await openRunFile(path);
  return handle.createReadStream();
}

/**
 * Streams the records of a summary file, each line decoded and (unless `validate` is false)
 * checked against its schema; events outside the range are skipped, and reading stops at the
 * first event past `toSeq`. An event of a type this version does not know is kept (see
 * docs/protocol.md).
 */
export async function* streamSummary(
  path: string,
  options: SummaryOptions = {},
): AsyncGenerator<SummaryRecord> {
  const fromSeq = options.fromSeq ?? 1;
  const toSeq = options.toSeq ?? Number.POSITIVE_INFINITY;
  const results = decodeStream(await openSummary(path), {
    content: "event",
    source: path,
    validate: options.validate ?? true,
  });
  for await (const result of results) {
    const record = toRecord(result);
    if (record?.kind === "event") {
      if (record.event.seq > toSeq) return;
      if (record.event.seq < fromSeq) continue;
    }
    if (record) yield record;
  }
}

export interface SummaryReadResult {
  events: DecodedEvent[];
  /**
   * Lines that could not be read, each naming the file, line and field; also breaks of the
   * seq rule (a gap, a step back) and step-output lines, which do not belong in the file.
   */
  problems: string[];
  /** True when the last line had no newline yet (a write in progress or a crash mid-write). */
  torn: boolean;
}

/** Reads a whole summary into memory; for big files prefer streamSummary. */
export async function readSummary(
  path: string,
  options: SummaryOptions = {},
): Promise<SummaryReadResult> {
  const toSeq = options.toSeq ?? Number.POSITIVE_INFINITY;
  const summary = await readRunSummary(await openSummary(path), {
    source: path,
    fromSeq: options.fromSeq ?? 1,
    validate: options.validate ?? true,
  });
  return {
    events: summary.events.filter((event) => event.seq <= toSeq),
    problems: summary.problems.map((problem) => problem.message),
    torn: summary.torn !== undefined,
  };
}
