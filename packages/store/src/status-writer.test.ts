import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type RunStatus, RunStatusSchema } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
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

  it("refuses to write an invalid status, naming the field", async () => {
    const path = join(temporaryDirectory(), "status.json");
    const bad = { ...status(), updatedAt: "soon" };
    const writer = new StatusWriter(path, () => bad);
    await expect(writer.flush()).rejects.toThrow(/status\.json: updatedAt: expected/);
  });
});

describe("applyEvent", () => {
  it("follows a step from start to end", () => {
    const current = status();
    applyEvent(current, {
      type: "step-start",
      runId,
      seq: 1,
      ts,
      stepId: "s1",
      name: "Step 1",
      nodeId: "s1",
      captureSeq: 3,
      attempt: 1,
      out: "000003-s1.out",
      err: "000003-s1.err",
      backend: "local",
    });
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
});
