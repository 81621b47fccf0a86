import { describe, expect, it, vi } from "vitest";
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

  it("writes every ts in UTC with exactly three fractional digits and a Z", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const sequencer = new EventSequencer({ runId: RUN });
      const stamps: string[] = [];
      // On the second, on the millisecond, at the end of a leap day: always three digits.
      const instants = [Date.UTC(2026, 5, 5, 14, 23), Date.UTC(2026, 5, 5, 14, 23, 0, 7)];
      instants.push(Date.UTC(2028, 1, 29, 23, 59, 59, 999));
      vi.setSystemTime(instants[0] ?? 0);
      stamps.push(sequencer.next(start).ts);
      for (const instant of instants) {
        vi.setSystemTime(instant);
        stamps.push(sequencer.next({ type: "log", level: "info", message: "hi" }).ts);
        stamps.push(sequencer.next(output).ts);
      }
      stamps.push(sequencer.next({ type: "run-end", finalStatus: "success", durationMs: 1 }).ts);
      expect(stamps).toHaveLength(8);
      for (const ts of stamps) expect(ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(stamps.slice(0, 4)).toEqual([
        "2026-06-05T14:23:00.000Z",
        "2026-06-05T14:23:00.000Z",
        "2026-06-05T14:23:00.000Z",
        "2026-06-05T14:23:00.007Z",
      ]);
    } finally {
      vi.useRealTimers();
    }
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
