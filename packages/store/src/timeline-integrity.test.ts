import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deadPid, runStartLine, startMeta, temporaryDirectory } from "../test/helpers.js";
import { shortHostname } from "./process-identity.js";
import { readRun } from "./read-run.js";
import { createRunDirectory, writeMeta } from "./run-directory.js";
import { SUMMARY_TAIL_BYTES } from "./summary-tail.js";
import { SUMMARY_COUNT_BYTES, type TimelineFacts } from "./timeline-checker.js";
import { checkTimeline } from "./timeline-integrity.js";

const runId = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
const ts = "2026-06-05T14:23:00.000Z";
const line = (event: object, id = runId) => `${JSON.stringify({ runId: id, ts, ...event })}\n`;
const runStart = (id = runId) => runStartLine(id, ts);
const log = (seq: number, message = "x") => line({ type: "log", seq, level: "info", message });
const runEnd = (seq: number, finalStatus = "success") =>
  line({ type: "run-end", seq, finalStatus, durationMs: 5 });
/** A valid timeline of `events` lines: run-start, logs, run-end. */
const timeline = (events: number, message = "x") =>
  runStart() +
  Array.from({ length: events - 2 }, (_, i) => log(i + 2, message)).join("") +
  runEnd(events);

const facts: TimelineFacts = {
  runId,
  finalStatus: null,
  statusSeq: null,
  statusFailed: false,
};

async function check(text: string, depth: "tail" | "full", more: Partial<TimelineFacts> = {}) {
  const path = join(temporaryDirectory(), "run_summary.jsonl");
  writeFileSync(path, text);
  const report = await checkTimeline(path, { ...facts, ...more }, depth);
  if (report === null) throw new Error("no report");
  return report;
}

describe.each(["tail", "full"] as const)("checkTimeline (%s)", (depth) => {
  it("finds a whole timeline intact, and a torn last line is no damage", async () => {
    const whole = await check(timeline(5), depth);
    expect(whole.integrity).toEqual({ state: "intact", checked: depth, damage: null });
    expect(whole.end?.seq).toBe(5);
    const torn = await check(
      `${timeline(4).replace(/\n[^\n]*\n$/, "\n")}{"type":"log","seq`,
      depth,
    );
    expect(torn.integrity.state).toBe("intact");
    // Even a complete event is not committed before its newline.
    const unfinished = await check(runStart() + log(2) + runEnd(3).trimEnd(), depth);
    expect(unfinished.integrity.state).toBe("intact");
    expect(unfinished.end).toBeNull();
    expect(unfinished.last?.seq).toBe(2);
  });

  it("takes a resumed timeline's last run-end for the end, and its first for one executor's", async () => {
    const resume = (seq: number) =>
      line({ type: "run-resume", seq, previous: "failed", pid: 7, host: "h", resume: 1 });
    const resumed = runStart() + log(2) + runEnd(3, "failed") + resume(4) + log(5) + runEnd(6);
    const report = await check(resumed, depth, { finalStatus: "success" });
    expect(report.integrity).toEqual({ state: "intact", checked: depth, damage: null });
    expect(report.end).toMatchObject({ seq: 6, finalStatus: "success" });
    // While the resumed executor runs, there is no end.
    const running = await check(runStart() + runEnd(2, "failed") + resume(3) + log(4), depth);
    expect(running.integrity.state).toBe("intact");
    expect(running.end).toBeNull();
    // The last run-end is held against meta.json, as ever; anything but a run-resume after a
    // run-end is damage.
    const contradicts = await check(resumed, depth, { finalStatus: "failed" });
    expect(contradicts.integrity.damage).toMatchObject({ kind: "end-contradicts", line: 6 });
    const after = await check(runStart() + runEnd(2, "failed") + log(3), depth);
    expect(after.integrity.damage).toMatchObject({ kind: "after-end", line: 3 });
  });

  it("finds a gap in seq", async () => {
    const report = await check(runStart() + log(2) + log(4) + runEnd(5), depth);
    expect(report.integrity.damage).toEqual({
      kind: "seq-gap",
      line: 3,
      found: "log seq 4",
      expected: "seq 3",
    });
    expect(report.end).toBeNull();
    expect(report.endDistrusted).toBe(true);
  });

  it("finds a duplicate line and a seq going back", async () => {
    const duplicate = await check(runStart() + log(2) + log(2) + log(3) + runEnd(4), depth);
    expect(duplicate.integrity.damage).toMatchObject({ kind: "seq-repeat", line: 3 });
    const back = await check(runStart() + log(3) + log(2), depth);
    expect(back.integrity.damage).toMatchObject({ kind: "seq-gap", line: 2 });
  });

  it("finds garbage, an empty line and a live event in the middle", async () => {
    const garbage = await check(`${runStart() + log(2)}{"not an event\n${log(3)}`, depth);
    expect(garbage.integrity.damage).toMatchObject({
      kind: "invalid-line",
      line: 3,
      expected: "event seq 3",
    });
    expect(garbage.integrity.damage?.found).toMatch(/^a line that is not JSON \(\{"not an event/);
    const empty = await check(`${runStart()}\n${log(2)}`, depth);
    expect(empty.integrity.damage).toMatchObject({
      kind: "invalid-line",
      line: 2,
      found: "an empty line",
    });
    const wrong = await check(`${runStart()}{"type":"log","seq":2}\n`, depth);
    expect(wrong.integrity.damage?.found).toMatch(/^a line that is not a valid event/);
  });

  it("finds an event after the run-end, and keeps the run-end that came first", async () => {
    const report = await check(timeline(3) + log(4), depth);
    expect(report.integrity.damage).toEqual({
      kind: "after-end",
      line: 4,
      found: "log seq 4",
      expected: "nothing after the run-end",
    });
    expect(report.end?.seq).toBe(3);
  });

  it("finds a second run-start, a missing one and another run's event", async () => {
    const second = await check(runStart() + line({ ...JSON.parse(runStart()), seq: 2 }), depth);
    expect(second.integrity.damage).toMatchObject({ kind: "second-start", line: 2 });
    const none = await check(log(1) + runEnd(2), depth);
    expect(none.integrity.damage).toMatchObject({ kind: "no-start", line: 1 });
    const other = await check(
      runStart() +
        line({ type: "log", seq: 2, level: "info", message: "x" }, `${runId.slice(0, -1)}c`),
      depth,
    );
    expect(other.integrity.damage).toMatchObject({ kind: "other-run", line: 2 });
  });

  it("finds a forged run-end with seq 999 appended by a step, and does not take it", async () => {
    const text = `${runStart() + log(2)}garbage from a step\n${runEnd(999)}`;
    const report = await check(text, depth);
    expect(report.integrity.damage).toMatchObject({ kind: "invalid-line", line: 3 });
    expect(report.end).toBeNull();
    expect(report.endDistrusted).toBe(true);
    const alone = await check(runStart() + log(2) + runEnd(999), depth);
    expect(alone.integrity.damage).toEqual({
      kind: "seq-gap",
      line: 3,
      found: "run-end seq 999",
      expected: "seq 3",
    });
    expect(alone.end).toBeNull();
  });

  it("finds a run-end that contradicts meta.json or status.json", async () => {
    const meta = await check(timeline(3), depth, { finalStatus: "failed" });
    expect(meta.integrity.damage).toEqual({
      kind: "end-contradicts",
      line: 3,
      found: "run-end success",
      expected: "run-end failed, as meta.json says",
    });
    expect(meta.end).toBeNull();
    const status = await check(timeline(3), depth, { statusSeq: 3, statusFailed: true });
    expect(status.integrity.damage).toMatchObject({ kind: "end-contradicts" });
    // A snapshot from before the run-end may lag behind it: no contradiction.
    const lagging = await check(timeline(3), depth, { statusSeq: 2, statusFailed: true });
    expect(lagging.integrity.state).toBe("intact");
  });

  it("finds lines lost at the end that status.json already reflects", async () => {
    const report = await check(runStart() + log(2), depth, { statusSeq: 5 });
    expect(report.integrity.damage).toEqual({
      kind: "behind-status",
      line: null,
      found: "a timeline that ends at seq 2",
      expected: "seq 5 or later, as status.json reflects",
    });
  });
});

describe("checkTimeline's tail check of a big summary", () => {
  const filler = "x".repeat(1000);

  it("counts the lines of a summary up to 1 MiB, and so finds garbage it does not decode", async () => {
    const events = 600; // ~650 kB: decoded only at its first line and last 64 KiB
    const text = timeline(events, filler);
    const lines = text.split("\n");
    lines.splice(100, 0, "garbage");
    const damaged = lines.join("\n");
    expect(damaged.length).toBeLessThan(SUMMARY_COUNT_BYTES);
    const tail = await check(damaged, "tail");
    expect(tail.integrity.damage).toEqual({
      kind: "line-count",
      line: null,
      found: `${events + 1} lines`,
      expected: `${events}, as the last seq says`,
    });
    expect(tail.end).toBeNull();
    const full = await check(damaged, "full");
    expect(full.integrity.damage).toMatchObject({ kind: "invalid-line", line: 101 });
    expect((await check(text, "tail")).integrity.state).toBe("intact");
  });

  it("checks a bigger summary's end seq by seq, without line numbers", async () => {
    const events = 1500; // ~1.5 MB
    const text = timeline(events, filler);
    expect(text.length).toBeGreaterThan(SUMMARY_COUNT_BYTES);
    expect((await check(text, "tail")).integrity.state).toBe("intact");
    const forged = await check(text + runEnd(999), "tail");
    expect(forged.integrity.damage).toEqual({
      kind: "after-end",
      line: null,
      found: "run-end seq 999",
      expected: "nothing after the run-end",
    });
    const gap = await check(text.replace(/[^\n]*\n$/, "") + log(events + 5), "tail");
    expect(gap.integrity.damage).toMatchObject({ kind: "seq-gap", line: null });
    expect((await check(text + log(events + 1), "full")).integrity.damage).toMatchObject({
      kind: "after-end",
      line: events + 1,
    });
  });

  it.each([600, 1500])(
    "decodes the line that straddles the start of the window (%i lines)",
    async (events) => {
      const lines = timeline(events, filler).split(/(?<=\n)/);
      const size = lines.join("").length;
      // The line holding the first byte of the last 64 KiB, replaced by garbage of its length.
      let offset = 0;
      const straddling = lines.findIndex((text) => {
        offset += text.length;
        return offset > size - SUMMARY_TAIL_BYTES;
      });
      expect(offset - (lines[straddling]?.length ?? 0)).toBeLessThan(size - SUMMARY_TAIL_BYTES);
      lines[straddling] =
        `${"garbage ".repeat(200).slice(0, (lines[straddling]?.length ?? 1) - 1)}\n`;
      const damaged = lines.join("");
      expect(damaged.length).toBe(size);
      const report = await check(damaged, "tail");
      expect(report.integrity.damage).toEqual({
        kind: "invalid-line",
        // A summary up to 1 MiB is read whole, so the line's number is known.
        line: size > SUMMARY_COUNT_BYTES ? null : straddling + 1,
        found: expect.stringMatching(/^a line that is not JSON/),
        expected: "an event",
      });
      expect(report.end).toBeNull();
      expect(report.endDistrusted).toBe(true);
    },
  );

  it("reads back past a last line still being written that fills the whole window", async () => {
    const events = 1500;
    const text = timeline(events, filler);
    const torn = `${text}{"type":"log","message":"${"y".repeat(SUMMARY_TAIL_BYTES + 100)}`;
    const report = await check(torn, "tail", { statusSeq: events });
    expect(report.integrity).toEqual({ state: "intact", checked: "tail", damage: null });
    expect(report.end?.seq).toBe(events);
  });

  it("calls a line that begins more than 1 MiB before the window damaged", async () => {
    // One long line, then under 64 KiB of lines after it: the window starts inside it.
    const after = Array.from({ length: 40 }, (_, i) => log(i + 3, filler)).join("");
    expect(after.length).toBeLessThan(SUMMARY_TAIL_BYTES);
    const text = runStart() + log(2, "z".repeat(SUMMARY_COUNT_BYTES + 40_000)) + after;
    const report = await check(text, "tail");
    expect(report.integrity.damage).toEqual({
      kind: "invalid-line",
      line: null,
      found: "a line longer than 1 MiB",
      expected: "an event",
    });
  });
});

describe("readRun of a damaged timeline", () => {
  async function run(finalStatus: "success" | null) {
    const pid = await deadPid();
    const created = await createRunDirectory(temporaryDirectory(), {
      workflowSource: new Uint8Array(),
      meta: startMeta({
        startedOn: shortHostname(),
        pid,
        executor: { pid, processStartTicks: "1", bootId: null },
      }),
    });
    if (finalStatus !== null) {
      await writeMeta(created.directory, { ...created.meta, finalStatus, endedAt: ts });
    }
    const id = created.runId;
    writeFileSync(
      created.paths.summary,
      runStart(id) + line({ type: "log", seq: 2, level: "info", message: "x" }, id),
    );
    return created;
  }

  it("does not take a forged run-end after a crash: the run stays crashed, and damaged", async () => {
    const created = await run(null);
    appendFileSync(
      created.paths.summary,
      line({ type: "run-end", seq: 999, finalStatus: "success", durationMs: 1 }, created.runId),
    );
    const view = await readRun(created.directory, { readEnd: true });
    expect(view.classification).toBe("crashed");
    expect(view.summaryEnd).toBeNull();
    expect(view.reason).toMatch(/run-end, not taken: the timeline is damaged/);
    expect(view.timeline).toEqual({
      state: "damaged",
      checked: "tail",
      damage: { kind: "seq-gap", line: 3, found: "run-end seq 999", expected: "seq 3" },
    });
  });

  it("keeps meta.json's final status and says the timeline is damaged", async () => {
    const created = await run("success");
    appendFileSync(created.paths.summary, "garbage\n");
    const view = await readRun(created.directory, { timeline: "full" });
    expect(view.classification).toBe("success");
    expect(view.timeline?.state).toBe("damaged");
    expect(view.timeline?.checked).toBe("full");
    expect(view.timeline?.damage?.line).toBe(3);
  });

  it("checks nothing when asked not to, and says so with null", async () => {
    const created = await run("success");
    expect((await readRun(created.directory, { timeline: "none" })).timeline).toBeNull();
  });
});
