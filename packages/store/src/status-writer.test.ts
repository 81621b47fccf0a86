import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type RunStatus, RunStatusSchema } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import { mergeKeyOrders } from "./status-json.js";
import { applyEvent, createInitialStatus } from "./status-reducer.js";
import { StatusWriter } from "./status-writer.js";

const runId = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
const workflowId = "5f0c7a4e-2d1b-4c8e-9a3f-6b7e8d9c0a1b";
const ts = "2026-06-05T14:23:00.000Z";

function status(): RunStatus {
  return createInitialStatus({
    runId,
    workflowId,
    updatedAt: ts,
    steps: Array.from({ length: 50 }, (_, i) => ({ nodeId: `s${i}`, name: `Step ${i}` })),
  });
}

/** Applies the step-start of step `s<index>` (first attempt, local). */
function startStep(
  current: RunStatus,
  start: { seq: number; index: number; captureSeq: number; pid?: number; pgid?: number },
): void {
  const { seq, index, captureSeq, ...process } = start;
  const capture = `${String(captureSeq).padStart(6, "0")}-s${index}`;
  applyEvent(current, {
    type: "step-start",
    runId,
    seq,
    ts,
    stepId: `s${index}`,
    name: `Step ${index}`,
    nodeId: `s${index}`,
    captureSeq,
    attempt: 1,
    out: `${capture}.out`,
    err: `${capture}.err`,
    backend: "local",
    ...process,
  });
}

describe("StatusWriter", () => {
  it("coalesces a burst of changes into few writes and flushes the final state", async () => {
    const path = join(temporaryDirectory(), "status.json");
    const current = status();
    const writer = new StatusWriter(path, () => current, { intervalMs: 10_000 });
    let seq = 0;
    for (const step of current.steps) {
      seq += 1;
      applyEvent(current, {
        type: "step-end",
        runId,
        seq,
        ts,
        stepId: step.nodeId,
        status: "completed",
        exitCode: 0,
        signal: null,
        durationMs: 1,
      });
      writer.changed();
    }
    await writer.close();
    // At most the leading write and the final flush.
    expect(writer.writes).toBeLessThanOrEqual(2);
    const written = RunStatusSchema.parse(JSON.parse(readFileSync(path, "utf8")));
    expect(written.seq).toBe(50);
    expect(written.steps.every((step) => step.status === "completed")).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("writes the live status as the schema would, byte for byte, and it reads back", async () => {
    const path = join(temporaryDirectory(), "status.json");
    const current = status();
    // The reducer adds keys in event order, not in the schema's: the text must not show it.
    startStep(current, { seq: 1, index: 2, captureSeq: 1, pid: 4242, pgid: 4242 });
    applyEvent(current, {
      type: "step-end",
      runId,
      seq: 2,
      ts,
      stepId: "s2",
      captureSeq: 1,
      attempt: 1,
      status: "failed",
      exitCode: null,
      signal: "SIGTERM",
      durationMs: 5,
      reason: "killed by SIGTERM",
    });
    applyEvent(current, {
      type: "run-end",
      runId,
      seq: 3,
      ts,
      finalStatus: "failed",
      durationMs: 9,
      reason: "failed: s2",
      error: { code: "E_STEP_FAILED", message: "failed: s2" },
    });
    const writer = new StatusWriter(path, () => current);
    await writer.flush();
    const text = readFileSync(path, "utf8");
    expect(text).toBe(`${JSON.stringify(RunStatusSchema.parse(current), null, 2)}\n`);
    const written = RunStatusSchema.parse(JSON.parse(text));
    expect(written.steps[2]).toMatchObject({ status: "failed", signal: "SIGTERM", pid: 4242 });
    expect(written.outcome).toEqual({
      finalStatus: "failed",
      reason: "failed: s2",
      code: "E_STEP_FAILED",
    });
  });
});

describe("mergeKeyOrders", () => {
  it("keeps every object's key order, and refuses orders that contradict each other", () => {
    expect(
      mergeKeyOrders([
        ["a", "seq", "steps"],
        ["name", "seq", "reason"],
        ["final", "reason"],
      ]),
    ).toEqual(["a", "name", "seq", "steps", "final", "reason"]);
    expect(() =>
      mergeKeyOrders([
        ["a", "b"],
        ["b", "a"],
      ]),
    ).toThrow(/order/);
  });
});

describe("applyEvent", () => {
  it("follows a step from start to end", () => {
    const current = status();
    startStep(current, { seq: 1, index: 1, captureSeq: 3 });
    expect(current.steps[1]).toMatchObject({
      status: "running",
      seq: 3,
      attempt: 1,
      startedAt: ts,
    });
    applyEvent(current, {
      type: "step-end",
      runId,
      seq: 2,
      ts,
      stepId: "s1",
      captureSeq: 3,
      attempt: 1,
      status: "failed",
      exitCode: 2,
      signal: null,
      durationMs: 5,
      reason: "exited with code 2",
    });
    expect(current.steps[1]).toMatchObject({
      status: "failed",
      exitCode: 2,
      reason: "exited with code 2",
    });
    expect(current.seq).toBe(2);
  });

  it("records how the run ended, and the error that stopped it, from run-end", () => {
    const current = status();
    expect(current.outcome).toBeUndefined();
    const changed = applyEvent(current, {
      type: "run-end",
      runId,
      seq: 7,
      ts,
      finalStatus: "failed",
      durationMs: 9,
      reason: "disk full: cannot write 000001-s0.out: no space left on device (ENOSPC)",
      error: {
        code: "E_DISK_FULL",
        message: "disk full: cannot write 000001-s0.out: no space left on device (ENOSPC)",
        system: { code: "ENOSPC", syscall: "write" },
      },
    });
    expect(changed).toBe(true);
    expect(current.outcome).toEqual({
      finalStatus: "failed",
      reason: "disk full: cannot write 000001-s0.out: no space left on device (ENOSPC)",
      code: "E_DISK_FULL",
    });
    expect(RunStatusSchema.parse(current).outcome?.code).toBe("E_DISK_FULL");
  });

  it("finds a step added to the status after its first event, and ignores unknown ones", () => {
    const current = status();
    const end = (seq: number, stepId: string) =>
      applyEvent(current, {
        type: "step-end",
        runId,
        seq,
        ts,
        stepId,
        status: "completed",
        exitCode: 0,
        signal: null,
        durationMs: 1,
      });
    expect(end(1, "s0")).toBe(true);
    expect(end(2, "later")).toBe(false);
    current.steps.push({ name: "Later", nodeId: "later", status: "pending" });
    expect(end(3, "later")).toBe(true);
    expect(current.steps.at(-1)?.status).toBe("completed");
  });
});
