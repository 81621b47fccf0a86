import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RunMetaSchema } from "@runyard/schema";
import { readSummary } from "@runyard/store";
import { describe, expect, it } from "vitest";
import { EventLog, livingGroupMembers, workflowFile } from "../test/helpers.js";
import { RunAbortedError } from "./errors.js";
import { runWorkflow } from "./run-workflow.js";

describe("cancelling a run", () => {
  it("kills a sleeping step's process group quickly; pending steps are cancelled", async () => {
    const { file, runsRoot } = workflowFile(`steps:
  nap:
    run: echo $$; sleep 30 & sleep 30; wait
  after:
    needs: nap
    run: echo never
`);
    const log = new EventLog();
    const controller = new AbortController();
    const began = performance.now();
    const running = runWorkflow({
      workflowFile: file,
      runsRoot,
      onEvent: log.onEvent,
      output: true,
      signal: controller.signal,
    });
    const pid = await log.next((event) => event.type === "step-output");
    controller.abort("interrupted (SIGINT)");
    const result = await running;
    expect(performance.now() - began).toBeLessThan(4000);
    // The whole process group is gone, the background sleep included.
    const group = Number(pid.type === "step-output" ? pid.data : Number.NaN);
    expect(group).toBeGreaterThan(1);
    expect(livingGroupMembers(group)).toEqual([]);
    expect(result.finalStatus).toBe("cancelled");
    expect(result.status.steps).toMatchObject([
      {
        nodeId: "nap",
        status: "cancelled",
        signal: "SIGTERM",
        exitCode: null,
        reason: "interrupted (SIGINT)",
      },
      { nodeId: "after", status: "cancelled", reason: "interrupted (SIGINT)" },
    ]);
    const meta = RunMetaSchema.parse(
      JSON.parse(readFileSync(join(result.runDirectory, "meta.json"), "utf8")),
    );
    expect(meta.finalStatus).toBe("cancelled");
    const { events } = await readSummary(join(result.runDirectory, "run_summary.jsonl"));
    expect(events.at(-1)).toMatchObject({
      type: "run-end",
      finalStatus: "cancelled",
      reason: "interrupted (SIGINT)",
    });
  });

  it("escalates to SIGKILL when a step ignores SIGTERM", async () => {
    const { file, runsRoot } = workflowFile(`steps:
  stubborn:
    run: trap '' TERM; echo ready; sleep 30
`);
    const log = new EventLog();
    const controller = new AbortController();
    const running = runWorkflow({
      workflowFile: file,
      runsRoot,
      onEvent: log.onEvent,
      output: true,
      signal: controller.signal,
      killGraceMs: 200,
    });
    // Once "ready" is out, the trap is set.
    await log.next((event) => event.type === "step-output" && event.data === "ready\n");
    controller.abort();
    const result = await running;
    expect(result.finalStatus).toBe("cancelled");
    expect(result.status.steps[0]).toMatchObject({
      status: "cancelled",
      signal: "SIGKILL",
      reason: "cancelled",
    });
  });

  it("starts nothing when the signal has already fired", async () => {
    const { file, runsRoot } = workflowFile("steps:\n  a: {run: echo a}\n");
    const controller = new AbortController();
    controller.abort();
    await expect(
      runWorkflow({ workflowFile: file, runsRoot, signal: controller.signal }),
    ).rejects.toBeInstanceOf(RunAbortedError);
  });
});
