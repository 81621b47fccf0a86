import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { RunEvent } from "@runyard/protocol";
import { describe, expect, it, type TestContext } from "vitest";
import { temporaryDirectory, withUmask } from "../test/helpers.js";
import { readSummary, streamSummary } from "./summary-reader.js";
import { SummaryWriteError, SummaryWriter } from "./summary-writer.js";

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

/**
 * Runs `body` on a real, tiny file system (a 64 KiB tmpfs) to fill up, unmounted afterwards
 * (before the scratch directory is removed). Mounting needs root; elsewhere the test is
 * skipped rather than faked.
 */
async function onTinyFileSystem(
  context: TestContext,
  body: (directory: string) => Promise<void>,
): Promise<void> {
  const directory = temporaryDirectory();
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", directory], {
      stdio: "ignore",
    });
  } catch {
    context.skip("mounting a tmpfs needs root");
  }
  try {
    await body(directory);
  } finally {
    execFileSync("umount", [directory]);
  }
}

describe("SummaryWriter on a full disk", () => {
  it("takes back a line the disk cut short, so the next append starts a whole line", (context) =>
    onTinyFileSystem(context, async (directory) => {
      // The disk really does take part of a write and then refuse the rest.
      const probe = openSync(join(directory, "probe"), "w");
      expect(writeSync(probe, Buffer.alloc(100_000))).toBeLessThan(100_000);
      expect(() => writeSync(probe, Buffer.alloc(100_000))).toThrow(/ENOSPC/);
      closeSync(probe);
      execFileSync("rm", [join(directory, "probe")]);

      const path = join(directory, "run_summary.jsonl");
      const writer = SummaryWriter.open(path);
      writer.append(log(1));
      writer.append(log(2));
      const whole = readFileSync(path, "utf8");
      let error: unknown;
      try {
        writer.append(log(3, "x".repeat(100_000)));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SummaryWriteError);
      expect(error).toMatchObject({
        code: "E_SUMMARY_WRITE",
        message: `${path}: cannot append seq 3: ENOSPC: no space left on device; nothing of the line was kept`,
      });
      expect(readFileSync(path, "utf8")).toBe(whole);
      expect(writer.lastSeq).toBe(2);
      // The same event, smaller, goes in as the next whole line.
      writer.append(log(3));
      writer.append(log(4));
      await writer.close();
      const summary = await readSummary(path);
      expect(summary).toEqual({
        events: [log(1), log(2), log(3), log(4)],
        problems: [],
        torn: false,
      });
    }));

  it("takes back only its own cut-short line when something else appended to the file", (context) =>
    onTinyFileSystem(context, async (directory) => {
      const path = join(directory, "run_summary.jsonl");
      const writer = SummaryWriter.open(path);
      writer.append(log(1));
      // A step appends to the timeline by mistake, then the executor goes on.
      appendFileSync(path, "not the executor's\n");
      writer.append(log(2));
      const before = readFileSync(path, "utf8");
      expect(() => writer.append(log(3, "x".repeat(100_000)))).toThrow(SummaryWriteError);
      // The file ends where the failed line began: seq 2's line is whole.
      expect(readFileSync(path, "utf8")).toBe(before);
      await writer.close();
    }));

  it("refuses every later append when the cut-short line cannot be removed", (context) =>
    onTinyFileSystem(context, async (directory) => {
      const path = join(directory, "run_summary.jsonl");
      const writer = SummaryWriter.open(path);
      // An append-only file (chattr +a) takes writes but refuses ftruncate.
      try {
        execFileSync("chattr", ["+a", path], { stdio: "ignore" });
      } catch {
        context.skip("this file system has no append-only attribute");
      }
      writer.append(log(1));
      expect(() => writer.append(log(2, "x".repeat(100_000)))).toThrow(
        `${path}: cannot append seq 2: ENOSPC: no space left on device; the partial line could not be removed (EPERM: operation not permitted), so no more lines will be appended`,
      );
      expect(() => writer.append(log(2))).toThrow(
        `${path}: refusing to append seq 2: appending seq 2 failed (ENOSPC: no space left on device) and the partial line it left could not be removed (EPERM: operation not permitted)`,
      );
      await writer.close();
      // Readers see the fragment as a torn last line, not as damage in the middle.
      const summary = await readSummary(path);
      expect(summary).toEqual({ events: [log(1)], problems: [], torn: true });
    }));
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

  it("skips the schema check when told the summary is its own (validate: false)", async () => {
    const path = join(temporaryDirectory(), "run_summary.jsonl");
    writeFileSync(
      path,
      `${JSON.stringify(log(1))}\n${JSON.stringify({ ...log(2), level: "loud" })}\n`,
    );
    expect((await readSummary(path)).problems).toEqual([
      `${path}:2: log event: level: expected one of "info", "warn", "error", got "loud"`,
    ]);
    const trusted = await readSummary(path, { validate: false });
    expect(trusted).toEqual({
      events: [log(1), { ...log(2), level: "loud" }],
      problems: [],
      torn: false,
    });
    const records = [];
    for await (const record of streamSummary(path, { fromSeq: 2, validate: false })) {
      records.push(record);
    }
    expect(records).toEqual([{ kind: "event", line: 2, event: { ...log(2), level: "loud" } }]);
    // Not JSON is still not an event, trusted or not.
    appendFileSync(path, "not json\n");
    expect((await readSummary(path, { validate: false })).problems).toEqual([
      `${path}:3: not valid JSON: not json`,
    ]);
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
