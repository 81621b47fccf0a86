import { appendFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunEvent } from "@runyard/protocol";
import { describe, expect, it } from "vitest";
import { temporaryDirectory, withUmask } from "../test/helpers.js";
import { readSummary, streamSummary } from "./summary-reader.js";
import { SummaryWriter } from "./summary-writer.js";

const runId = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
const ts = "2026-06-05T14:23:00.000Z";

function log(seq: number, message = `line ${seq}`): RunEvent {
  return { type: "log", runId, seq, ts, level: "info", message };
}

describe("SummaryWriter", () => {
  it("appends one line per event, 0600 whatever the umask", async () => {
    const path = join(temporaryDirectory(), "run_summary.jsonl");
    const writer = await withUmask(0o000, async () => SummaryWriter.open(path));
    writer.append(log(1));
    writer.append(log(2, "two\nlines"));
    await writer.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe("");
    expect(JSON.parse(lines[1] ?? "")).toEqual(log(2, "two\nlines"));
  });

  it("refuses a gap, a repeat, a live-only event and an invalid event", async () => {
    const path = join(temporaryDirectory(), "run_summary.jsonl");
    const writer = SummaryWriter.open(path);
    writer.append(log(1));
    expect(() => writer.append(log(3))).toThrow(/seq 3 would follow seq 1/);
    expect(() => writer.append(log(1))).toThrow(/gapless/);
    expect(() =>
      writer.append({
        type: "step-output",
        runId,
        seq: 2,
        ts,
        stepId: "a",
        captureSeq: 1,
        stream: "stdout",
        offset: 0,
        data: "x",
      }),
    ).toThrow(/live only/);
    expect(() => writer.append({ ...log(2), ts: "now" })).toThrow(/ts: expected/);
    expect(writer.lastSeq).toBe(1);
    await writer.close();
    expect(readFileSync(path, "utf8").split("\n")).toHaveLength(2);
  });

  it("syncs in the background and on close without losing lines", async () => {
    const path = join(temporaryDirectory(), "run_summary.jsonl");
    const writer = SummaryWriter.open(path, { syncIntervalMs: 1 });
    for (let seq = 1; seq <= 50; seq += 1) writer.append(log(seq));
    await writer.sync();
    await writer.close();
    const { events } = await readSummary(path);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});

describe("readSummary", () => {
  it("tolerates a torn last line", async () => {
    const path = join(temporaryDirectory(), "run_summary.jsonl");
    writeFileSync(path, `${JSON.stringify(log(1))}\n${JSON.stringify(log(2))}\n{"type":"log","ru`);
    const result = await readSummary(path);
    expect(result.events.map((event) => event.seq)).toEqual([1, 2]);
    expect(result.torn).toBe(true);
    expect(result.problems).toEqual([]);
  });

  it("reads CRLF lines, and a last line without its newline as torn even if it is whole", async () => {
    const path = join(temporaryDirectory(), "run_summary.jsonl");
    // The newline commits a line: until it lands, the event is not in the file.
    writeFileSync(path, `${JSON.stringify(log(1))}\r\n${JSON.stringify(log(2))}`);
    const result = await readSummary(path);
    expect(result.events.map((event) => event.seq)).toEqual([1]);
    expect(result.torn).toBe(true);
    expect(result.problems).toEqual([]);
    const records = [];
    for await (const record of streamSummary(path)) records.push(record);
    expect(records.map((record) => record.kind)).toEqual(["event", "torn"]);
    expect(records[1]).toEqual({ kind: "torn", line: 2, bytes: JSON.stringify(log(2)).length });
  });

  it("reports a bad line in the middle with file, line and field, and reads on", async () => {
    const path = join(temporaryDirectory(), "run_summary.jsonl");
    writeFileSync(path, `${JSON.stringify(log(1))}\nnot json\n`);
    appendFileSync(
      path,
      `${JSON.stringify({ ...log(3), level: "loud" })}\n${JSON.stringify(log(4))}\n`,
    );
    const result = await readSummary(path);
    expect(result.events.map((event) => event.seq)).toEqual([1, 4]);
    expect(result.problems).toEqual([
      `${path}:2: not valid JSON: not json`,
      `${path}:3: log event: level: expected one of "info", "warn", "error", got "loud"`,
      `${path}:4: expected seq 2, got 4 (lines lost or out of order)`,
    ]);
  });

  it("keeps an event of a type it does not know, from a newer executor", async () => {
    const path = join(temporaryDirectory(), "run_summary.jsonl");
    const retry = { type: "step-retry", runId, seq: 2, ts, stepId: "a" };
    writeFileSync(path, `${JSON.stringify(log(1))}\n${JSON.stringify(retry)}\n`);
    const result = await readSummary(path);
    expect(result.problems).toEqual([]);
    expect(result.events[1]).toEqual({
      type: "unknown",
      originalType: "step-retry",
      runId,
      seq: 2,
      ts,
      fields: retry,
    });
  });

  it("streams a range of seqs across chunk boundaries", async () => {
    const path = join(temporaryDirectory(), "run_summary.jsonl");
    const writer = SummaryWriter.open(path);
    // Long messages make lines span the read stream's 64 KiB chunks.
    for (let seq = 1; seq <= 40; seq += 1) writer.append(log(seq, "x".repeat(5000 + seq)));
    await writer.close();
    const seqs: number[] = [];
    for await (const record of streamSummary(path, { fromSeq: 7, toSeq: 33 })) {
      if (record.kind === "event") seqs.push(record.event.seq);
      else throw new Error(`unexpected ${record.kind}`);
    }
    expect(seqs).toEqual(Array.from({ length: 27 }, (_, i) => i + 7));
  });
});
