// A step's `retries` and `retryDelay`, on real processes: each attempt has its own capture
// pair, step-start and step-end, RUNYARD_STEP_ATTEMPT counts them, a step-status says when
// the next one comes; the step ends as its last attempt did.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readSummary } from "@runyard/store";
import { describe, expect, it } from "vitest";
import { startCancellable, workflowFile } from "../test/helpers.js";
import { runWorkflow } from "./run-workflow.js";

async function timeline(runDirectory: string) {
  return (await readSummary(join(runDirectory, "run_summary.jsonl"))).events;
}

describe("retries", () => {
  it("tries a failing step again until it completes, each attempt with its own captures", async () => {
    const { file, runsRoot } = workflowFile(`steps:
  flaky:
    run: echo "attempt $RUNYARD_STEP_ATTEMPT"; [ "$RUNYARD_STEP_ATTEMPT" = 3 ] || { echo "not yet" >&2; exit 1; }
    retries: 3
  after:
    needs: flaky
    run: echo after
`);
    const result = await runWorkflow({ workflowFile: file, runsRoot });
    expect(result.finalStatus).toBe("success");
    expect(result.status.steps[0]).toMatchObject({
      nodeId: "flaky",
      status: "completed",
      attempt: 3,
      seq: 3,
      exitCode: 0,
    });
    const read = (name: string) => readFileSync(join(result.runDirectory, name), "utf8");
    expect(read("000001-flaky.out")).toBe("attempt 1\n");
    expect(read("000001-flaky.err")).toBe("not yet\n");
    expect(read("000002-flaky.out")).toBe("attempt 2\n");
    expect(read("000003-flaky.out")).toBe("attempt 3\n");
    expect(read("000003-flaky.err")).toBe("");
    expect(read("000004-after.out")).toBe("after\n");
    const flaky = (await timeline(result.runDirectory)).filter(
      (event) => "stepId" in event && event.stepId === "flaky",
    );
    expect(
      flaky.map((event) => [
        event.type,
        "attempt" in event ? event.attempt : undefined,
        "status" in event ? event.status : undefined,
      ]),
    ).toEqual([
      ["step-start", 1, undefined],
      ["step-end", 1, "failed"],
      ["step-status", undefined, "pending"],
      ["step-start", 2, undefined],
      ["step-end", 2, "failed"],
      ["step-status", undefined, "pending"],
      ["step-start", 3, undefined],
      ["step-end", 3, "completed"],
    ]);
    expect(flaky[2]).toMatchObject({ reason: "attempt 1 of 4 failed; attempt 2 now" });
  });

  it("fails the step when every attempt failed; what needs it is skipped", async () => {
    const { file, runsRoot } = workflowFile(`defaults:
  retries: 1
steps:
  broken:
    run: exit 3
  after:
    needs: broken
    run: echo never
`);
    const result = await runWorkflow({ workflowFile: file, runsRoot });
    expect(result.finalStatus).toBe("failed");
    expect(result.status.steps.map((step) => [step.nodeId, step.status, step.attempt])).toEqual([
      ["broken", "failed", 2],
      ["after", "skipped", undefined],
    ]);
    expect(result.status.steps[0]).toMatchObject({ exitCode: 3, reason: "exited with code 3" });
  });

  it("waits retryDelay between attempts, and retries a step stopped by its timeout", async () => {
    const { file, runsRoot } = workflowFile(`steps:
  slow:
    run: '[ "$RUNYARD_STEP_ATTEMPT" = 2 ] || sleep 30'
    timeout: 300ms
    retries: 1
    retryDelay: 1s
`);
    const result = await runWorkflow({ workflowFile: file, runsRoot, killGraceMs: 1000 });
    expect(result.finalStatus).toBe("success");
    const events = await timeline(result.runDirectory);
    const firstEnd = events.find((event) => event.type === "step-end");
    const secondStart = events.filter((event) => event.type === "step-start")[1];
    expect(firstEnd).toMatchObject({
      attempt: 1,
      status: "failed",
      reason: "timeout: the step ran longer than 300ms",
    });
    expect(events.find((event) => event.type === "step-status")).toMatchObject({
      reason: "attempt 1 of 2 failed; attempt 2 in 1s",
    });
    const waited = Date.parse(secondStart?.ts ?? "") - Date.parse(firstEnd?.ts ?? "");
    expect(waited).toBeGreaterThanOrEqual(1000);
  });

  it("calls the retry off when the run is cancelled during the delay", async () => {
    const { log, controller, running } = startCancellable(`steps:
  broken:
    run: exit 1
    retries: 2
    retryDelay: 30s
  other:
    run: sleep 30
`);
    await log.next((event) => event.type === "step-status");
    const began = performance.now();
    controller.abort("the test cancels");
    const result = await running;
    expect(performance.now() - began).toBeLessThan(10_000);
    expect(result.finalStatus).toBe("cancelled");
    expect(result.status.steps[0]).toMatchObject({ nodeId: "broken", status: "cancelled" });
    expect(result.status.steps[0]?.reason).toMatch(/\(before attempt 2\)$/);
    expect(
      log.events.filter((event) => event.type === "step-start" && event.stepId === "broken"),
    ).toHaveLength(1);
  });

  it("waits a retryDelay longer than setTimeout takes (30d), instead of retrying at once", async () => {
    const { log, controller, running } = startCancellable(`steps:
  broken:
    run: exit 1
    retries: 2
    retryDelay: 30d
`);
    await log.next((event) => event.type === "step-status");
    // A delay setTimeout cannot take would have fired at once: attempt 2 would start now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    controller.abort("the test cancels");
    const result = await running;
    expect(result.finalStatus).toBe("cancelled");
    expect(result.status.steps[0]?.reason).toMatch(/\(before attempt 2\)$/);
    expect(
      log.events.filter((event) => event.type === "step-start" && event.stepId === "broken"),
    ).toHaveLength(1);
  });
});
