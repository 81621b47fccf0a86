// Reads run_summary.jsonl line by line without loading it whole. A last line without its
// newline is a write in progress (or cut by a crash): it is reported as torn, not as an error.
// A bad line in the middle is reported with its line number and the reading goes on.
//
// Decoding here is a plain split + JSON.parse + schema check; it moves to @runyard/protocol's
// streaming decoder when that lands.
import { createReadStream } from "node:fs";
import { type RunEvent, RunEventSchema } from "@runyard/protocol";
import { check, formatProblem } from "@runyard/schema";

export type SummaryRecord =
  | { kind: "event"; line: number; event: RunEvent }
  | { kind: "problem"; line: number; message: string }
  | { kind: "torn"; line: number; bytes: number };

export interface SummaryRange {
  /** Yield events with seq >= fromSeq (default 1). */
  fromSeq?: number;
  /** Yield events with seq <= toSeq (default: all). */
  toSeq?: number;
}

function decodeLine(path: string, line: number, bytes: Buffer): SummaryRecord {
  const text = bytes.toString("utf8").replace(/\r$/, "");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      kind: "problem",
      line,
      message: `${path}:${line}: invalid JSON: ${(error as Error).message}`,
    };
  }
  const result = check(RunEventSchema, value);
  if (!result.ok) {
    const problems = result.problems.map((problem) => formatProblem(`${path}:${line}`, problem));
    return { kind: "problem", line, message: problems.join("; ") };
  }
  return { kind: "event", line, event: result.value };
}

/** Streams the records of a summary file; events outside `range` are skipped. */
export async function* streamSummary(
  path: string,
  range: SummaryRange = {},
): AsyncGenerator<SummaryRecord> {
  const fromSeq = range.fromSeq ?? 1;
  const toSeq = range.toSeq ?? Number.POSITIVE_INFINITY;
  let carry: Buffer = Buffer.alloc(0);
  let line = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let data = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let newline = data.indexOf(0x0a);
    while (newline !== -1) {
      line += 1;
      const bytes = data.subarray(0, newline);
      data = data.subarray(newline + 1);
      newline = data.indexOf(0x0a);
      if (bytes.length === 0 || (bytes.length === 1 && bytes[0] === 0x0d)) continue;
      const record = decodeLine(path, line, bytes);
      if (record.kind === "event") {
        if (record.event.seq > toSeq) return;
        if (record.event.seq < fromSeq) continue;
      }
      yield record;
    }
    // Copy so the (possibly large) chunk is not kept alive by a small tail.
    carry = Buffer.from(data);
  }
  if (carry.length === 0) return;
  line += 1;
  const record = decodeLine(path, line, carry);
  // A complete JSON object without its newline is a whole event whose "\n" has not landed yet.
  if (record.kind === "event") {
    if (record.event.seq >= fromSeq && record.event.seq <= toSeq) yield record;
  } else yield { kind: "torn", line, bytes: carry.length };
}

export interface SummaryReadResult {
  events: RunEvent[];
  /** Lines that could not be read, each naming the file, line and field. */
  problems: string[];
  /** True when the last line was incomplete (a write in progress or a crash mid-write). */
  torn: boolean;
}

/** Reads a whole summary into memory; for big files prefer streamSummary. */
export async function readSummary(
  path: string,
  range: SummaryRange = {},
): Promise<SummaryReadResult> {
  const result: SummaryReadResult = { events: [], problems: [], torn: false };
  for await (const record of streamSummary(path, range)) {
    if (record.kind === "event") result.events.push(record.event);
    else if (record.kind === "problem") result.problems.push(record.message);
    else result.torn = true;
  }
  return result;
}
