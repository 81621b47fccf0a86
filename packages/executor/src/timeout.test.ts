// A step's `timeout`, on real processes: when it runs out, every process of the step's session
// is stopped (SIGTERM, then SIGKILL after the grace period) and the step fails with reason
// "timeout: …"; what needs it is skipped, the rest of the run goes on.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSummary } from "@runyard/store";
import { describe, expect, it, onTestFinished } from "vitest";
import { killSession, livingSessionMembers, workflowFile } from "../test/helpers.js";
import { runWorkflow } from "./run-workflow.js";

/** The session id a step wrote to `file` (`echo $$ > file`); killed when the test ends. */
function sessionIn(file: string): number {
  const session = Number(readFileSync(file, "utf8").trim());
  expect(session).toBeGreaterThan(1);
  onTestFinished(() => killSession(session));
  return session;
}

describe("timeout", () => {
  it("stops a step that runs too long, with everything it started, and fails it", async () => {
    const { file, runsRoot, directory } = workflowFile("");
    writeFileSync(
      file,
      `steps:
  slow:
    run: echo $$ > ${directory}/sid; sleep 30 & sleep 30; wait
    timeout: 500ms
  after:
    needs: slow
    run: echo never
  other:
    run: sleep 1; echo other
`,
    );
    const began = performance.now();
    const result = await runWorkflow({ workflowFile: file, runsRoot, killGraceMs: 5000 });
    const took = performance.now() - began;
    expect(result.finalStatus).toBe("failed");
    const steps = Object.fromEntries(result.status.steps.map((step) => [step.nodeId, step]));
    expect(steps.slow).toMatchObject({
      status: "failed",
      reason: "timeout: the step ran longer than 500ms",
    });
    expect(steps.after?.status).toBe("skipped");
    expect(steps.other?.status).toBe("completed");
    // The background sleep went with the step: nothing of its session is left.
    expect(livingSessionMembers(sessionIn(join(directory, "sid")))).toEqual([]);
    // Stopped by SIGTERM, well before the sleeps' 30 s.
    expect(took).toBeLessThan(10_000);
    const ends = (await readSummary(join(result.runDirectory, "run_summary.jsonl"))).events.filter(
      (event) => event.type === "step-end" && event.stepId === "slow",
    );
    expect(ends).toMatchObject([
      { status: "failed", signal: "SIGTERM", reason: "timeout: the step ran longer than 500ms" },
    ]);
  });

  it("kills a step that ignores SIGTERM once the grace period is over", async () => {
    const { file, runsRoot, directory } = workflowFile("");
    writeFileSync(
      file,
      `steps:
  stubborn:
    run: trap '' TERM; echo $$ > ${directory}/sid; sleep 30 & wait; sleep 30
    timeout: 300ms
`,
    );
    const began = performance.now();
    const result = await runWorkflow({ workflowFile: file, runsRoot, killGraceMs: 300 });
    expect(performance.now() - began).toBeLessThan(10_000);
    expect(result.status.steps[0]).toMatchObject({
      status: "failed",
      reason: "timeout: the step ran longer than 300ms",
    });
    expect(livingSessionMembers(sessionIn(join(directory, "sid")))).toEqual([]);
  });

  it("leaves alone a step that ends in time; defaults.timeout counts for steps without their own", async () => {
    const { file, runsRoot } = workflowFile(`defaults:
  timeout: 1s
steps:
  own:
    run: sleep 2; echo own
    timeout: 20s
  inherits:
    run: sleep 30
`);
    const result = await runWorkflow({ workflowFile: file, runsRoot, killGraceMs: 1000 });
    expect(result.status.steps.map((step) => [step.nodeId, step.status, step.reason])).toEqual([
      ["own", "completed", "exited with code 0"],
      ["inherits", "failed", "timeout: the step ran longer than 1s"],
    ]);
  });
});
