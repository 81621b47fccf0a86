import { describe, expect, it } from "vitest";
import { type EventOf, type EventPayload, EventSequencer, RunEventSchema } from "./index.js";

const RUN = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
const WORKFLOW = "6f1c2a3b-4d5e-5f60-8a71-8293a4b5c6d7";
const start: EventPayload<EventOf<"run-start">> = {
  type: "run-start",
  workflowId: WORKFLOW,
  workflowName: "w",
  workflowFile: "/w.yaml",
  pid: 1,
  host: "h",
  steps: [],
};
const output: EventPayload<EventOf<"step-output">> = {
  type: "step-output",
  stepId: "a",
  captureSeq: 1,
  stream: "stdout",
  offset: 0,
  data: "x",
};

describe("EventSequencer", () => {
  it("stamps runId, a gapless seq from 1 and a millisecond UTC ts, type first", () => {
    const sequencer = new EventSequencer({ runId: RUN });
    const first = sequencer.next(start);
    const second = sequencer.next({ type: "log", level: "info", message: "hi" });
    expect([first.seq, second.seq]).toEqual([1, 2]);
    expect(Object.keys(first).slice(0, 4)).toEqual(["type", "runId", "seq", "ts"]);
    expect(first.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(RunEventSchema.parse(second)).toEqual(second);
  });

  it("gives step-output the last durable seq and does not advance it", () => {
    const sequencer = new EventSequencer({ runId: RUN });
    sequencer.next(start);
    expect(sequencer.next(output).seq).toBe(1);
    expect(sequencer.next(output).seq).toBe(1);
    expect(sequencer.next({ type: "log", level: "info", message: "hi" }).seq).toBe(2);
    expect(sequencer.lastSeq).toBe(2);
  });

  it("resumes after the last seq of an existing timeline", () => {
    const sequencer = new EventSequencer({ runId: RUN, lastSeq: 41 });
    expect(sequencer.next({ type: "log", level: "warn", message: "resumed" }).seq).toBe(42);
  });

  it("refuses events before run-start and after run-end, naming the run", () => {
    const fresh = new EventSequencer({ runId: RUN });
    expect(() => fresh.next({ type: "log", level: "info", message: "early" })).toThrowError(
      expect.objectContaining({
        code: "E_EVENT_ORDER",
        message: `log before run-start in run ${RUN}; run-start must be the first event`,
      }),
    );
    fresh.next(start);
    fresh.next({ type: "run-end", finalStatus: "success", durationMs: 1 });
    expect(() => fresh.next(output)).toThrowError(`step-output after run-end in run ${RUN}`);
  });

  it("lets stamps win over stray copies in the payload", () => {
    const sequencer = new EventSequencer({ runId: RUN, clock: () => "2026-06-05T14:23:00.000Z" });
    const stray = { ...start, runId: "other", seq: 99, ts: "then" };
    expect(sequencer.next(stray)).toMatchObject({
      runId: RUN,
      seq: 1,
      ts: "2026-06-05T14:23:00.000Z",
    });
  });
});
