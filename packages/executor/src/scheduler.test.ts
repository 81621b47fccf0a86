import { expandLoop, type ResolvedStep } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import { Scheduler } from "./scheduler.js";
import type { RunningStep, StepOutcome } from "./step-runner.js";

function step(id: string, needs: string[] = []): ResolvedStep {
  return { id, name: id, needs } as unknown as ResolvedStep;
}

function loop(id: string, items: string[], needs: string[] = [], parallel?: number): ResolvedStep {
  return { ...step(id, needs), foreach: { kind: "items", items }, parallel };
}

/** Steps that end when the test says so; records what the scheduler did. */
function harness(
  steps: ResolvedStep[],
  maxParallel: number,
  options: ConstructorParameters<typeof Scheduler>[3] = {},
) {
  const trace: string[] = [];
  const finish = new Map<string, (outcome: StepOutcome) => void>();
  const scheduler = new Scheduler(
    steps,
    maxParallel,
    {
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
      expand(next) {
        if (next.foreach?.kind !== "items") throw new Error("cannot read its foreach file");
        trace.push(`expand ${next.id}`);
        return expandLoop(next, next.foreach.items);
      },
      endLoop(next, status, reason) {
        trace.push(`${status} ${next.id} (${reason})`);
      },
    },
    options,
  );
  const end = async (id: string, outcome: StepOutcome) => {
    finish.get(id)?.(outcome);
    await Promise.resolve();
    await Promise.resolve();
  };
  return { scheduler, trace, end };
}

/** A step run as a Slurm job. */
const onSlurm = (next: ResolvedStep): ResolvedStep => ({ ...next, backend: "slurm" });

describe("Scheduler", () => {
  it("runs Slurm steps up to their own limit, beside maxParallel steps here", async () => {
    const { scheduler, trace, end } = harness(
      [
        step("l1"),
        step("l2"),
        onSlurm(step("s1")),
        onSlurm(step("s2")),
        onSlurm(step("s3")),
        step("l3", ["s1"]),
      ],
      1,
      { limits: { slurm: 2 } },
    );
    const done = scheduler.run();
    // l2 waits for a place here; the Slurm steps do not wait behind it.
    expect(trace).toEqual(["start l1", "start s1", "start s2"]);
    await end("s1", "completed");
    expect(trace.slice(3)).toEqual(["start s3"]);
    await end("l1", "completed");
    expect(trace.slice(4)).toEqual(["start l2"]);
    for (const id of ["l2", "s2", "s3"]) await end(id, "completed");
    expect(trace.slice(5)).toEqual(["start l3"]);
    await end("l3", "completed");
    expect(new Set((await done).values())).toEqual(new Set(["completed"]));
  });

  it("runs a foreach of Slurm steps up to the Slurm limit, not maxParallel", async () => {
    const { scheduler, trace, end } = harness([onSlurm(loop("each", ["a", "b", "c", "d"]))], 1, {
      limits: { slurm: 3 },
    });
    const done = scheduler.run();
    expect(trace).toEqual(["expand each", "start each[a]", "start each[b]", "start each[c]"]);
    await end("each[b]", "completed");
    expect(trace.at(-1)).toBe("start each[d]");
    for (const id of ["each[a]", "each[c]", "each[d]"]) await end(id, "completed");
    expect((await done).get("each")).toBe("completed");
  });

  it("starts the steps it adopts after a resume first, whatever their lane's limit", async () => {
    const { scheduler, trace, end } = harness(
      [step("first"), onSlurm(step("fresh")), onSlurm(step("old1")), onSlurm(step("old2"))],
      1,
      { limits: { slurm: 1 }, adopted: new Set(["old1", "old2"]) },
    );
    const done = scheduler.run();
    // Both jobs run already: they are taken over at once, and the fresh one waits for a place.
    expect(trace).toEqual(["start old1", "start old2", "start first"]);
    await end("old1", "completed");
    expect(trace.length).toBe(3);
    await end("old2", "completed");
    expect(trace.at(-1)).toBe("start fresh");
    for (const id of ["first", "fresh"]) await end(id, "completed");
    await done;
  });

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

  describe("foreach", () => {
    it("runs one instance per item, then the steps that need the loop (the join)", async () => {
      const { scheduler, trace, end } = harness(
        [step("prep"), loop("mesh", ["coarse", "fine"], ["prep"]), step("collect", ["mesh"])],
        4,
      );
      const done = scheduler.run();
      await end("prep", "completed");
      expect(trace).toEqual([
        "start prep",
        "expand mesh",
        "start mesh[coarse]",
        "start mesh[fine]",
      ]);
      expect(scheduler.state("mesh")).toBe("running");
      await end("mesh[fine]", "completed");
      expect(trace.at(-1)).toBe("start mesh[fine]");
      await end("mesh[coarse]", "completed");
      expect(trace.slice(-2)).toEqual(["completed mesh (all 2 items completed)", "start collect"]);
      await end("collect", "completed");
      const states = await done;
      expect(states.get("mesh")).toBe("completed");
      expect(states.get("mesh[coarse]")).toBe("completed");
    });

    it("keeps to the loop's parallel limit and to the run's", async () => {
      const { scheduler, trace, end } = harness(
        [loop("l", ["a", "b", "c", "d"], [], 2), step("x")],
        3,
      );
      const done = scheduler.run();
      // x comes first in the ready queue only if it is earlier; here the loop expands first.
      expect(trace).toEqual(["expand l", "start x", "start l[a]", "start l[b]"]);
      await end("l[a]", "completed");
      expect(trace.at(-1)).toBe("start l[c]");
      await end("x", "completed");
      expect(trace.at(-1)).toBe("start l[c]");
      await end("l[b]", "completed");
      await end("l[c]", "completed");
      await end("l[d]", "completed");
      expect((await done).get("l")).toBe("completed");
    });

    it("after a resume, counts adopted instances in the loop's parallel limit, and goes on after them", async () => {
      // l[a] completed before the crash; l[b] and l[c] are Slurm jobs that outlived it.
      const { scheduler, trace, end } = harness(
        [loop("l", ["a", "b", "c", "d", "e"], [], 2), step("after", ["l"])],
        4,
        { completed: new Set(["l[a]"]), adopted: new Set(["l[b]", "l[c]"]) },
      );
      const done = scheduler.run();
      expect(trace).toEqual(["expand l", "start l[b]", "start l[c]"]);
      await end("l[b]", "completed");
      expect(trace.at(-1)).toBe("start l[d]");
      await end("l[c]", "completed");
      expect(trace.at(-1)).toBe("start l[e]");
      await end("l[d]", "completed");
      await end("l[e]", "completed");
      expect(trace.slice(-2)).toEqual(["completed l (all 5 items completed)", "start after"]);
      await end("after", "completed");
      expect((await done).get("l")).toBe("completed");
    });

    it("fails the loop when an instance fails, after every instance has ended", async () => {
      const { scheduler, trace, end } = harness([loop("l", ["a", "b"]), step("after", ["l"])], 4);
      const done = scheduler.run();
      await end("l[a]", "failed");
      expect(scheduler.state("l")).toBe("running");
      await end("l[b]", "completed");
      expect(trace.slice(-2)).toEqual([
        "failed l (1 of 2 items failed: l[a])",
        'skipped after (needs "l", which failed)',
      ]);
      expect((await done).get("l")).toBe("failed");
    });

    it("completes a loop without items at once", async () => {
      const { scheduler, trace } = harness([loop("l", []), step("after", ["l"])], 4);
      const done = scheduler.run();
      expect(trace).toEqual(["expand l", "completed l (no items)", "start after"]);
      scheduler.cancel("user");
      await done;
    });

    it("fails a loop whose items cannot be had, and starts none of it", async () => {
      const broken = { ...step("l"), foreach: { kind: "file", written: "x", cwd: "/" } };
      const { scheduler, trace } = harness([broken as ResolvedStep], 4);
      const states = await scheduler.run();
      expect(trace).toEqual(["failed l (cannot read its foreach file)"]);
      expect(states.get("l")).toBe("failed");
    });

    it("cancels a loop: running instances stopped, waiting ones not started, the loop cancelled", async () => {
      const { scheduler, trace, end } = harness([loop("l", ["a", "b", "c"], [], 1)], 4);
      const done = scheduler.run();
      expect(scheduler.cancelStep("l", "asked")).toBe(true);
      await end("l[a]", "cancelled");
      expect(trace).toEqual([
        "expand l",
        "start l[a]",
        "cancelled l[b] (not started: asked)",
        "cancelled l[c] (not started: asked)",
        "cancelled l (3 of 3 items cancelled)",
      ]);
      expect((await done).get("l")).toBe("cancelled");
    });

    it("cancels one instance; the others go on and the loop ends cancelled", async () => {
      const { scheduler, trace, end } = harness([loop("l", ["a", "b"], [], 1)], 4);
      const done = scheduler.run();
      expect(scheduler.cancelStep("l[b]", "asked")).toBe(true);
      await end("l[a]", "completed");
      expect(trace).toEqual([
        "expand l",
        "start l[a]",
        "cancelled l[b] (not started: asked)",
        "cancelled l (1 of 2 items cancelled)",
      ]);
      await done;
    });

    it("records the loop's end at once when the run is abandoned", async () => {
      const { scheduler, trace } = harness([loop("l", ["a", "b", "c"], [], 1)], 4);
      void scheduler.run();
      scheduler.abandon("exiting");
      expect(trace).toEqual([
        "expand l",
        "start l[a]",
        "abandoned l[a] (exiting)",
        "cancelled l[b] (not started: the run was cancelled (exiting))",
        "cancelled l[c] (not started: the run was cancelled (exiting))",
        "cancelled l (3 of 3 items cancelled)",
      ]);
    });
  });
});
