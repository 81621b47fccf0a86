// Reading a run_summary.jsonl as the store, the CLI and the IPC replay do: from a real file.
import { createReadStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";
import { beforeEach, describe, expect, it } from "vitest";
import {
  decodeRunSummary,
  EventSequencer,
  encodeEvent,
  type RunEvent,
  readRunSummary,
} from "./index.js";

const RUN = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
const WORKFLOW = "6f1c2a3b-4d5e-5f60-8a71-8293a4b5c6d7";

function timeline(): RunEvent[] {
  const sequencer = new EventSequencer({ runId: RUN, clock: () => "2026-06-05T14:23:00.000Z" });
  return [
    sequencer.next({
      type: "run-start",
      workflowId: WORKFLOW,
      workflowName: "hello",
      workflowFile: "/home/ana/hello.yaml",
      pid: 4242,
      host: "login01",
      steps: [{ nodeId: "greet", name: "Greet", needs: [] }],
    }),
    sequencer.next({
      type: "step-start",
      stepId: "greet",
      name: "Greet",
      nodeId: "greet",
      captureSeq: 1,
      attempt: 1,
      out: "000001-greet.out",
      err: "000001-greet.err",
      backend: "local",
    }),
    sequencer.next({
      type: "step-end",
      stepId: "greet",
      captureSeq: 1,
      attempt: 1,
      status: "completed",
      exitCode: 0,
      signal: null,
      durationMs: 12,
    }),
    sequencer.next({ type: "run-end", finalStatus: "success", durationMs: 40 }),
  ];
}

const temporaryDirectory = useScratchDirectory("runyard-summary-");
let directory: string;
beforeEach(() => {
  directory = temporaryDirectory();
});

describe("reading run_summary.jsonl", () => {
  it("streams a file in small chunks and returns every event and the last seq", async () => {
    const events = timeline();
    const path = join(directory, "run_summary.jsonl");
    await writeFile(path, events.map((event) => encodeEvent(event)).join(""));
    const summary = await readRunSummary(createReadStream(path, { highWaterMark: 7 }));
    expect(summary).toEqual({ events, lastSeq: 4, problems: [], torn: undefined });
  });

  it("tolerates a torn last line: reported apart, the events before it kept", () => {
    const events = timeline();
    const text = `${events
      .slice(0, 3)
      .map((event) => encodeEvent(event))
      .join("")}{"type":"run-e`;
    const summary = decodeRunSummary(text);
    expect(summary.events).toEqual(events.slice(0, 3));
    expect(summary.lastSeq).toBe(3);
    expect(summary.problems).toEqual([]);
    expect(summary.torn?.message).toBe(
      "run_summary.jsonl:4: last line has no newline (a write in progress or cut short); 14 bytes not decoded",
    );
  });

  it("reports a bad line and the seq gap it leaves, and keeps reading", () => {
    const events = timeline();
    const lines = events.map((event) => encodeEvent(event));
    lines[1] = "garbage\n";
    const summary = decodeRunSummary(lines.join(""), { source: "/runs/x/run_summary.jsonl" });
    expect(summary.events.map((event) => event.seq)).toEqual([1, 3, 4]);
    expect(summary.problems.map((problem) => [problem.code, problem.message])).toEqual([
      ["E_INVALID_JSON", "/runs/x/run_summary.jsonl:2: not valid JSON: garbage"],
      [
        "E_SEQ_ORDER",
        "/runs/x/run_summary.jsonl:3: expected seq 2, got 3 (lines lost or out of order)",
      ],
    ]);
  });

  it("refuses step-output, which is live only", () => {
    const events = timeline();
    const output = encodeEvent({
      type: "step-output",
      runId: RUN,
      seq: 2,
      ts: "2026-06-05T14:23:00.000Z",
      stepId: "greet",
      captureSeq: 1,
      stream: "stdout",
      offset: 0,
      data: "hi\n",
    });
    const text = [
      encodeEvent(events[0] as RunEvent),
      encodeEvent(events[1] as RunEvent),
      output,
    ].join("");
    const summary = decodeRunSummary(text);
    expect(summary.events).toHaveLength(2);
    expect(summary.problems.map((problem) => problem.message)).toEqual([
      "run_summary.jsonl:3: step-output is live only and does not belong in the summary; ignored",
    ]);
  });

  it("keeps only events from fromSeq on, for a replay, but checks every line", () => {
    const summary = decodeRunSummary(
      timeline()
        .map((event) => encodeEvent(event))
        .join(""),
      { fromSeq: 3 },
    );
    expect(summary.events.map((event) => event.type)).toEqual(["step-end", "run-end"]);
    expect(summary.lastSeq).toBe(4);
  });

  it("an empty file is an empty timeline", () => {
    expect(decodeRunSummary("")).toEqual({ events: [], lastSeq: 0, problems: [], torn: undefined });
  });
});
