import { once } from "node:events";
import { Writable } from "node:stream";
import type { RunEvent } from "@runyard/protocol";
import { describe, expect, it } from "vitest";
import { LiveOutputGate } from "./live-output.js";
import { type Output, streamBacklog } from "./output.js";
import { ProgressPrinter } from "./progress.js";

const RUN_ID = "01a20000-0000-7000-8000-0000c0ffee00";
const TS = "2026-06-05T14:23:00.000Z";

/**
 * A stderr whose reader takes nothing until `catchUp()`, then everything; `text()` is all
 * that was written to it, which its reader sees in the end.
 */
function slowStderr() {
  const written: string[] = [];
  const waiting: Array<() => void> = [];
  let paused = true;
  const stream = new Writable({
    // Below the gate's bound, as process.stderr's 16 KiB is below 1 MiB: a stream that is
    // that far behind has been told to wait, and says when it has caught up ('drain').
    highWaterMark: 64,
    write(_chunk: Buffer, _encoding, callback) {
      if (paused) waiting.push(callback);
      else callback();
    },
  });
  const output: Output = {
    out: () => undefined,
    err: (text) => {
      written.push(text);
      stream.write(text);
    },
    color: false,
    errBacklog: streamBacklog(stream),
  };
  return {
    output,
    text: () => written.join(""),
    async catchUp() {
      paused = false;
      for (const callback of waiting.splice(0)) callback();
      if (stream.writableLength > 0) await once(stream, "drain");
      // The gate hears of the drain in a listener of its own; let it speak.
      await new Promise((resolvePromise) => setImmediate(resolvePromise));
    },
  };
}

const runStart: RunEvent = {
  type: "run-start",
  runId: RUN_ID,
  seq: 1,
  ts: TS,
  workflowId: RUN_ID,
  workflowName: "flood",
  workflowFile: "/w/flood.yaml",
  pid: 4242,
  host: "vm",
  steps: [{ nodeId: "flood", name: "flood", needs: [] }],
};

let offset = 0;
function chunk(data: string, stepId = "flood"): RunEvent {
  const event: RunEvent = {
    type: "step-output",
    runId: RUN_ID,
    seq: 1,
    ts: TS,
    stepId,
    captureSeq: 1,
    stream: "stdout",
    offset,
    data,
  };
  offset += Buffer.byteLength(data);
  return event;
}

const runEnd: RunEvent = {
  type: "run-end",
  runId: RUN_ID,
  seq: 9,
  ts: TS,
  finalStatus: "success",
  durationMs: 1200,
};

describe("the live view of step output on a stderr that falls behind", () => {
  it("drops step output past the bound, then says once how much and where it all is", async () => {
    const stderr = slowStderr();
    const printer = new ProgressPrinter(stderr.output, { showOutput: true });
    const gate = new LiveOutputGate(stderr.output, { notice: true, limit: 1000 });
    const show = (event: RunEvent) => {
      if (gate.admit(event)) printer.handle(event);
      else if (event.type === "step-output") printer.skipOutput(event);
    };
    show(runStart);
    // 30 lines of 100 bytes: the first 10 or so fill the backlog, the rest are dropped.
    const line = (index: number) => `${String(index).padStart(3, "0")}${"x".repeat(96)}\n`;
    for (let index = 0; index < 30; index += 1) show(chunk(line(index)));
    show(chunk("half a line, then"));
    show(chunk(" the rest of it\n"));
    const shown = stderr.text();
    expect(shown).toContain(`flood    │ 000${"x".repeat(96)}\n`);
    expect(shown).not.toContain("029x");
    expect(shown).not.toContain("not shown");

    await stderr.catchUp();
    const notice = stderr.text().slice(shown.length);
    expect(notice).toMatch(
      /^ {2}… \d\.\d kB of output not shown \(the terminal fell behind\); runyard logs c0ffee00 flood has all of it\n$/,
    );
    const dropped = Number(/(\d\.\d) kB/.exec(notice)?.[1]) * 1000;
    const shownLines = shown.split("\n").filter((text) => text.includes("│")).length;
    // Every byte is either shown or counted (to the notice's one decimal).
    expect(Math.abs(dropped - (30 - shownLines) * 100 - 33)).toBeLessThanOrEqual(50);

    // Caught up: output is shown again.
    show(chunk("partial start"));
    show(chunk(" and its end\n"));
    expect(stderr.text().slice(shown.length + notice.length)).toBe(
      "    flood    │ partial start and its end\n",
    );
  });

  it("marks both sides of a line that output was dropped from", async () => {
    const stderr = slowStderr();
    const printer = new ProgressPrinter(stderr.output, { showOutput: true });
    const gate = new LiveOutputGate(stderr.output, { notice: true, limit: 100 });
    const show = (event: RunEvent) => {
      if (gate.admit(event)) printer.handle(event);
      else if (event.type === "step-output") printer.skipOutput(event);
    };
    show(runStart);
    show(chunk("the start of a line"));
    stderr.output.err(`${"-".repeat(100)}\n`);
    show(chunk(" and its middle"));
    await stderr.catchUp();
    show(chunk(" and its end\n"));
    expect(stderr.text().split("\n").slice(2)).toEqual([
      "    flood    │ the start of a line…",
      "  … 15 B of output not shown (the terminal fell behind); runyard logs c0ffee00 flood has all of it",
      "    flood    │ … and its end",
      "",
    ]);
  });

  it("never drops progress lines, and says what was dropped at the run's end, behind or not", async () => {
    const stderr = slowStderr();
    const printer = new ProgressPrinter(stderr.output, { showOutput: true });
    // The run-start line (57 bytes) fits; the first line of output fills it.
    const gate = new LiveOutputGate(stderr.output, { notice: true, limit: 60 });
    const show = (event: RunEvent) => {
      if (gate.admit(event)) printer.handle(event);
    };
    show(runStart);
    show(chunk("a line that fills the backlog\n", "flood"));
    show(chunk("dropped\n", "flood"));
    show(chunk("dropped too\n", "other"));
    show(runEnd);
    const text = stderr.text();
    expect(text).not.toContain("dropped");
    expect(text).toContain(
      "  … 20 B of output not shown (the terminal fell behind); runyard logs c0ffee00 has all of it\nsuccess in 1.2s\n",
    );
    // Not said twice when the reader catches up after all.
    await stderr.catchUp();
    expect(stderr.text()).toBe(text);
  });

  it("keeps quiet about it with --quiet, and lets everything through without a backlog", async () => {
    const stderr = slowStderr();
    const quiet = new LiveOutputGate(stderr.output, { notice: false, limit: 0 });
    quiet.admit(runStart);
    stderr.output.err("x");
    expect(quiet.admit(chunk("dropped\n"))).toBe(false);
    quiet.admit(runEnd);
    await stderr.catchUp();
    expect(stderr.text()).toBe("x");

    const embedded: Output = { out: () => undefined, err: () => undefined, color: false };
    const gate = new LiveOutputGate(embedded, { notice: true, limit: 0 });
    expect(gate.admit(chunk("shown\n"))).toBe(true);
  });
});
