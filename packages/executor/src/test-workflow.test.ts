// The workflow test harness on real runs: what it hands back (status, typed events, captures,
// outputs, return value), where the run goes (a runs root of its own, removed by cleanup), and
// what it refuses.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WorkflowError } from "@runyard/schema";
import { describe, expect, it, onTestFinished } from "vitest";
import { workflowFile } from "../test/helpers.js";
import { testWorkflow, WorkflowTestError } from "./testing.js";

const PIPELINE = `name: pipeline
params:
  who: {}
return: { step: count, output: TOTAL }
steps:
  greet:
    run: echo "hello $who"; echo "warned" >&2
  count:
    needs: greet
    run: echo "TOTAL=3" >> "$RUNYARD_OUTPUT"; echo "runs in $RUNYARD_RUNS_DIR"
`;

describe("testWorkflow", () => {
  it("runs a workflow file under a runs root of its own and hands back what it left", async () => {
    const { file, directory } = workflowFile(PIPELINE);
    const run = await testWorkflow(file, { params: { who: "ada" } });
    try {
      expect(run.status).toBe("success");
      expect(run.runDirectory).toBe(join(run.runsRoot, run.runId));
      expect(run.meta).toMatchObject({ workflowFile: file, params: { who: "ada" } });
      expect(run.steps.map((step) => [step.nodeId, step.status])).toEqual([
        ["greet", "completed"],
        ["count", "completed"],
      ]);
      expect(run.events[0]?.type).toBe("run-start");
      expect(run.events.at(-1)).toMatchObject({ type: "run-end", finalStatus: "success" });
      expect(run.events.map((event) => event.seq)).toEqual(run.events.map((_, index) => index + 1));
      const ends = run.eventsOf("step-end");
      expect(ends.map((event) => [event.stepId, event.exitCode])).toEqual([
        ["greet", 0],
        ["count", 0],
      ]);
      expect(await run.stepOutput("greet")).toBe("hello ada\n");
      expect(await run.stepOutput("greet", { stream: "err" })).toBe("warned\n");
      expect(run.stepCapture("greet", { stream: "err" })).toBe(
        join(run.runDirectory, "000001-greet.err"),
      );
      // A step's own runyard would put its runs in the harness's runs root too.
      expect(await run.stepOutput("count")).toBe(`runs in ${run.runsRoot}\n`);
      expect(run.outputs).toEqual({ greet: {}, count: { TOTAL: "3" } });
      expect(run.returnValue).toBe("3");
      expect(run.step("count").outputs).toEqual({ TOTAL: "3" });
      // Nothing was written beside the workflow.
      expect(readdirSync(directory)).toEqual(["workflow.yaml"]);
    } finally {
      await run.cleanup();
    }
    expect(existsSync(run.runsRoot)).toBe(false);
  });

  it("runs workflow text as if it were in the directory given, writing nothing there", async () => {
    const { directory } = workflowFile("unused: true\n");
    mkdirSync(join(directory, "data"));
    writeFileSync(join(directory, "data", "input.txt"), "42\n");
    const run = await testWorkflow({
      source: "steps:\n  read:\n    cwd: data\n    run: cat input.txt; pwd\n",
      directory,
    });
    try {
      expect(run.status).toBe("success");
      expect(await run.stepOutput("read")).toBe(`42\n${join(directory, "data")}\n`);
      expect(run.meta.workflowFile).toBe(join(directory, "workflow.yaml"));
      expect(readdirSync(directory).sort()).toEqual(["data", "workflow.yaml"]);
    } finally {
      await run[Symbol.asyncDispose]();
    }
  });

  it("hands back a failed run with every attempt's captures, and says which steps never ran", async () => {
    const run = await testWorkflow({
      source: `steps:
  flaky:
    run: echo "attempt $RUNYARD_STEP_ATTEMPT"; exit 3
    retries: 1
  after:
    needs: flaky
    run: echo never
`,
    });
    try {
      expect(run.status).toBe("failed");
      expect(run.step("flaky")).toMatchObject({ status: "failed", attempt: 2, exitCode: 3 });
      expect(await run.stepOutput("flaky", { attempt: 1 })).toBe("attempt 1\n");
      expect(await run.stepOutput("flaky")).toBe("attempt 2\n");
      expect(run.returnValue).toBeNull();
      await expect(run.stepOutput("after")).rejects.toThrow(
        'step "after" never started (skipped: needs "flaky", which failed)',
      );
      expect(() => run.step("missing")).toThrow(WorkflowTestError);
      expect(() => run.step("missing")).toThrow(
        'no step "missing" in the run (its steps: flaky, after)',
      );
    } finally {
      await run.cleanup();
    }
  });

  it("cancels a run that outlasts timeoutMs", async () => {
    const run = await testWorkflow(
      { source: "steps:\n  slow:\n    run: sleep 30\n" },
      {
        timeoutMs: 300,
        killGraceMs: 100,
      },
    );
    try {
      expect(run.status).toBe("cancelled");
      expect(run.step("slow").status).toBe("cancelled");
    } finally {
      await run.cleanup();
    }
  });

  it("throws what refuses a run before it starts, and leaves no runs root behind", async () => {
    const { directory } = workflowFile("unused: true\n");
    const temporary = join(directory, "tmp");
    mkdirSync(temporary);
    // Where os.tmpdir() puts the harness's runs roots.
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = temporary;
    onTestFinished(() => {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    });
    const before = new Set(readdirSync(directory));
    const invalid = await testWorkflow({
      source: "steps:\n  a:\n    run: echo\n    needs: [b]\n",
      directory,
    }).catch((error) => error);
    expect(invalid).toBeInstanceOf(WorkflowError);
    expect(invalid.message).toMatch(/workflow\.yaml:4:\d+: steps\.a\.needs/);
    expect(new Set(readdirSync(directory))).toEqual(before);
    const params = await testWorkflow({ source: PIPELINE }).catch((error) => error);
    expect(params).toMatchObject({ code: "E_PARAMS" });
    expect(readdirSync(temporary)).toEqual([]);
  });
});
