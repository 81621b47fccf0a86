// A step's `if`, on real processes: `success` (the default) runs when every need completed,
// `failure` when a need failed (the red path of a decision, which handles the failure: the
// run succeeds), `always` once every need has ended, whatever they did (cleanup, reports:
// they handle nothing).
import { join } from "node:path";
import { readRun, readSummary } from "@runyard/store";
import { describe, expect, it } from "vitest";
import { workflowFile } from "../test/helpers.js";
import { runWorkflow } from "./run-workflow.js";

const DECISION = (compile: string) => `steps:
  compile:
    run: ${compile}
  test:
    needs: compile
    run: echo tested
  fallback:
    needs: compile
    if: failure
    run: 'echo "compile failed: using the last good build"'
  report:
    needs: [test, fallback]
    if: always
    run: echo report
`;

async function run(yaml: string) {
  const { file, runsRoot } = workflowFile(yaml);
  const result = await runWorkflow({ workflowFile: file, runsRoot });
  const states = Object.fromEntries(
    result.status.steps.map((step) => [step.nodeId, [step.status, step.reason]]),
  );
  return { result, states };
}

describe("if", () => {
  it("takes a decision's red path when its need fails: the run succeeds, saying so", async () => {
    const { result, states } = await run(DECISION("exit 2"));
    expect(states).toEqual({
      compile: ["failed", "exited with code 2"],
      test: ["skipped", 'needs "compile", which failed'],
      fallback: ["completed", "exited with code 0"],
      report: ["completed", "exited with code 0"],
    });
    expect(result.finalStatus).toBe("success");
    const { events } = await readSummary(join(result.runDirectory, "run_summary.jsonl"));
    expect(events.at(-1)).toMatchObject({
      type: "run-end",
      finalStatus: "success",
      reason: "compile failed, handled by fallback",
      handled: { compile: ["fallback"] },
    });
    expect(result.status.steps[0]?.handledBy).toEqual(["fallback"]);
    // Readers take a success beside a handled failure for what it is, not for a forged end.
    for (const timeline of ["tail", "full"] as const) {
      const view = await readRun(result.runDirectory, { timeline, readEnd: true });
      expect(view.classification).toBe("success");
      expect(view.timeline?.state).toBe("intact");
      expect(view.summaryEnd?.reason).toBe("compile failed, handled by fallback");
    }
  });

  it("takes the green path when the need completes: the failure path is skipped", async () => {
    const { result, states } = await run(DECISION("echo compiled"));
    expect(states).toEqual({
      compile: ["completed", "exited with code 0"],
      test: ["completed", "exited with code 0"],
      fallback: ["skipped", "if: failure, and none of its needs failed"],
      report: ["completed", "exited with code 0"],
    });
    expect(result.finalStatus).toBe("success");
  });

  it("fails the run when the failure path fails too", async () => {
    const { result, states } = await run(`steps:
  compile: {run: exit 2}
  fallback: {needs: compile, if: failure, run: exit 3}
`);
    expect(states.fallback).toEqual(["failed", "exited with code 3"]);
    expect(result.finalStatus).toBe("failed");
  });

  it("runs an always step once every need has ended, and it handles nothing", async () => {
    const { file, runsRoot } = workflowFile(`steps:
  quick:
    run: exit 1
  slow:
    run: sleep 1; echo slow
  cleanup:
    needs: [quick, slow]
    if: always
    run: echo cleanup
`);
    const result = await runWorkflow({ workflowFile: file, runsRoot });
    expect(result.finalStatus).toBe("failed");
    const { events } = await readSummary(join(result.runDirectory, "run_summary.jsonl"));
    const order = events.flatMap((event) =>
      event.type === "step-end" || event.type === "step-start"
        ? [`${event.type === "step-end" ? "end" : "start"} ${event.stepId}`]
        : [],
    );
    // cleanup starts only after the slow need ended, though the quick one failed long before.
    expect(order.indexOf("start cleanup")).toBeGreaterThan(order.indexOf("end slow"));
    expect(result.status.steps.find((step) => step.nodeId === "cleanup")?.status).toBe("completed");
    expect(events.at(-1)).toMatchObject({ type: "run-end", reason: "failed: quick" });
  });
});
