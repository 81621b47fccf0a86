import type { ResolvedStep } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import { Scheduler } from "./scheduler.js";
import type { RunningStep, StepOutcome } from "./step-runner.js";

function step(id: string, needs: string[] = []): ResolvedStep {
  return { id, name: id, needs } as unknown as ResolvedStep;
}

/** Steps that end when the test says so; records what the scheduler did. */
function harness(steps: ResolvedStep[], maxParallel: number) {
  const trace: string[] = [];
  const finish = new Map<string, (outcome: StepOutcome) => void>();
  const scheduler = new Scheduler(steps, maxParallel, {
    start(next): RunningStep {
      trace.push(`start ${next.id}`);
      let end!: (outcome: StepOutcome) => void;
      const done = new Promise<StepOutcome>((resolve) => {
        end = resolve;
      });
      finish.set(next.id, end);
      return {
        done,
        cancel: (reason) => end(reason === "" ? "failed" : "cancelled"),
        abandon: (reason) => trace.push(`abandoned ${next.id} (${reason})`),
      };
    },
    settle(next, status, reason) {
      trace.push(`${status} ${next.id} (${reason})`);
    },
  });
  const end = async (id: string, outcome: StepOutcome) => {
    finish.get(id)?.(outcome);
    await Promise.resolve();
    await Promise.resolve();
  };
  return { scheduler, trace, end };
}

describe("Scheduler", () => {
  it("starts ready steps in workflow order up to maxParallel", async () => {
    const { scheduler, trace, end } = harness(
      [step("a"), step("b"), step("c", ["a", "b"]), step("d")],
      2,
    );
    const done = scheduler.run();
    expect(trace).toEqual(["start a", "start b"]);
    await end("a", "completed");
    expect(trace).toEqual(["start a", "start b", "start d"]);
    await end("b", "completed");
    await end("d", "completed");
    expect(trace.at(-1)).toBe("start c");
    await end("c", "completed");
    expect([...(await done).values()]).toEqual([
      "completed",
      "completed",
      "completed",
      "completed",
    ]);
  });

  it("skips the dependents of a failed step, transitively", async () => {
    const { scheduler, trace, end } = harness([step("a"), step("b", ["a"]), step("c", ["b"])], 4);
    const done = scheduler.run();
    await end("a", "failed");
    expect(trace).toEqual([
      "start a",
      'skipped b (needs "a", which failed)',
      'skipped c (needs "b", which was skipped)',
    ]);
    expect((await done).get("c")).toBe("skipped");
  });

  it("on cancel, stops running steps and cancels pending ones", async () => {
    const { scheduler, trace } = harness([step("a"), step("b", ["a"])], 4);
    const done = scheduler.run();
    scheduler.cancel("user");
    const states = await done;
    expect(trace).toEqual(["start a", "cancelled b (not started: the run was cancelled (user))"]);
    expect(states.get("a")).toBe("cancelled");
    expect(scheduler.cancelled).toBe(true);
  });

  it("cancels one pending step and skips what needs it", async () => {
    const { scheduler, trace, end } = harness([step("a"), step("b", ["a"]), step("c", ["b"])], 4);
    const done = scheduler.run();
    expect(scheduler.cancelStep("b", "not needed")).toBe(true);
    expect(scheduler.cancelStep("nope", "x")).toBe(false);
    expect(scheduler.state("b")).toBe("cancelled");
    expect(scheduler.state("nope")).toBeUndefined();
    await end("a", "completed");
    await done;
    expect(trace).toEqual([
      "start a",
      "cancelled b (not started: not needed)",
      'skipped c (needs "b", which was cancelled)',
    ]);
  });

  it("when a slot frees, starts the earliest ready step in workflow order", async () => {
    const { scheduler, trace, end } = harness(
      [step("late", ["a"]), step("b"), step("a"), step("c")],
      1,
    );
    const done = scheduler.run();
    expect(trace).toEqual(["start b"]);
    await end("b", "completed");
    expect(trace.at(-1)).toBe("start a");
    await end("a", "completed");
    // "late" became ready after "c", but comes first in the workflow.
    expect(trace.at(-1)).toBe("start late");
    await end("late", "completed");
    expect(trace.at(-1)).toBe("start c");
    await end("c", "completed");
    await done;
  });

  it("skips a dependent listed before what it needs on the next pass, in workflow order", async () => {
    const { scheduler, trace, end } = harness(
      [step("c", ["b"]), step("a"), step("b", ["a"]), step("d", ["a"])],
      4,
    );
    const done = scheduler.run();
    await end("a", "failed");
    expect(trace).toEqual([
      "start a",
      'skipped b (needs "a", which failed)',
      'skipped d (needs "a", which failed)',
      'skipped c (needs "b", which was skipped)',
    ]);
    expect((await done).get("c")).toBe("skipped");
  });
});
