// runyard resume on real processes: a failed, a crashed and a cancelled run taken over by a new
// detached executor in the same directory; what completed is kept (steps, loop instances,
// outputs), the rest runs again as new attempts with new capture numbers, the timeline goes on
// after a run-resume, and what may not be resumed is refused without a change.
import {
  appendFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { readRun } from "@runyard/store";
import { describe, expect, it, vi } from "vitest";
import { watchdogsOf, workflowFile } from "../test/helpers.js";
import { launchRun } from "./launch.js";
import { resumeRun } from "./resume.js";

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

async function ended(directory: string, timeout = 20_000) {
  return vi.waitFor(
    () => {
      const meta = readJson(join(directory, "meta.json"));
      if (meta.finalStatus === null) throw new Error("still running");
      return meta;
    },
    { timeout, interval: 50 },
  );
}

const timeline = (directory: string) =>
  readFileSync(join(directory, "run_summary.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));

const captures = (directory: string) =>
  readdirSync(directory)
    .filter((name) => /^\d{6}-.*\.out$/.test(name))
    .sort();

function stepOf(directory: string, id: string) {
  return readJson(join(directory, "status.json")).steps.find(
    (step: { nodeId: string }) => step.nodeId === id,
  );
}

/** Launches `yaml` detached, with $MARKS a scratch directory its steps leave marks in. */
async function start(yaml: string, options: { maxParallel?: number } = {}) {
  const { file, runsRoot, directory: marks } = workflowFile(yaml);
  const launched = await launchRun({
    workflowFile: file,
    runsRoot,
    env: { PATH: process.env.PATH, MARKS: marks },
    ...options,
  });
  return { launched, marks };
}

describe("runyard resume", () => {
  it("runs again what failed, keeps what completed and its outputs, and numbers on", async () => {
    const { launched, marks: home } = await start(`
steps:
  prepare:
    run: |
      echo ran >> "${"$"}{MARKS}/prepare"
      echo "SIZE=42" >> "$RUNYARD_OUTPUT"
  solve:
    needs: prepare
    run: test -f "${"$"}{MARKS}/fixed" && echo "solved with $SIZE"
  report:
    needs: solve
    run: echo "report of $SIZE"
`);
    expect((await ended(launched.directory)).finalStatus).toBe("failed");
    expect(captures(launched.directory)).toEqual(["000001-prepare.out", "000002-solve.out"]);

    writeFileSync(join(home, "fixed"), "");
    const resumed = await resumeRun({ directory: launched.directory });
    expect(resumed.runId).toBe(launched.runId);
    const meta = await ended(launched.directory);
    expect(meta.finalStatus).toBe("success");
    expect(meta.pid).toBe(resumed.pid);
    expect(meta.resumes).toEqual([
      expect.objectContaining({ pid: resumed.pid, previous: "failed", seq: expect.any(Number) }),
    ]);
    // prepare ran once; its output reached the steps run by the new executor.
    expect(readFileSync(join(home, "prepare"), "utf8")).toBe("ran\n");
    expect(captures(launched.directory)).toEqual([
      "000001-prepare.out",
      "000002-solve.out",
      "000003-solve.out",
      "000004-report.out",
    ]);
    expect(readFileSync(join(launched.directory, "000003-solve.out"), "utf8")).toBe(
      "solved with 42\n",
    );
    expect(readFileSync(join(launched.directory, "000004-report.out"), "utf8")).toBe(
      "report of 42\n",
    );
    expect(stepOf(launched.directory, "solve")).toMatchObject({ status: "completed", attempt: 2 });
    const events = timeline(launched.directory);
    const resume = events.find((event) => event.type === "run-resume");
    expect(resume).toMatchObject({ previous: "failed", resume: 1, pid: resumed.pid });
    expect(resume.seq).toBe(meta.resumes[0].seq);
    // The first executor's run-end stays, and the timeline keeps its contract.
    expect(events.filter((event) => event.type === "run-end").map((e) => e.finalStatus)).toEqual([
      "failed",
      "success",
    ]);
    const view = await readRun(launched.directory, { timeline: "full" });
    expect(view.timeline?.state).toBe("intact");
    expect(view.classification).toBe("success");
    expect(existsSync(join(launched.directory, "run.lock"))).toBe(false);
  });

  it("takes over a crashed run: stops what it left, counts its attempt as lost, runs it again", async () => {
    const { launched, marks: home } = await start(`
steps:
  first:
    run: echo one
  slow:
    needs: first
    run: |
      if [ -f "${"$"}{MARKS}/second" ]; then echo quick; exit 0; fi
      echo $$ > "${"$"}{MARKS}/slow.pid"
      exec sleep 60
  last:
    needs: slow
    run: echo done
`);
    const slowPid = await vi.waitFor(() => Number(readFileSync(join(home, "slow.pid"), "utf8")), {
      timeout: 15_000,
      interval: 50,
    });
    process.kill(launched.pid, "SIGKILL");
    await vi.waitFor(
      async () => {
        const view = await readRun(launched.directory);
        if (view.classification !== "crashed") throw new Error(view.classification);
      },
      { timeout: 15_000, interval: 50 },
    );
    // Appended by a write the crash cut short: the resume cuts it off.
    appendFileSync(join(launched.directory, "run_summary.jsonl"), '{"type":"log","runId');
    writeFileSync(join(home, "second"), "");
    await resumeRun({ directory: launched.directory });
    const meta = await ended(launched.directory);
    expect(meta.finalStatus).toBe("success");
    expect(meta.resumes[0].previous).toBe("crashed");
    expect(() => process.kill(slowPid, 0)).toThrow();
    const events = timeline(launched.directory);
    const resume = events.find((event) => event.type === "run-resume");
    expect(resume.lost).toEqual([{ stepId: "slow", captureSeq: 2 }]);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "log",
        level: "warn",
        message: expect.stringContaining("torn"),
      }),
    );
    expect(captures(launched.directory)).toEqual([
      "000001-first.out",
      "000002-slow.out",
      "000003-slow.out",
      "000004-last.out",
    ]);
    expect((await readRun(launched.directory, { timeline: "full" })).timeline?.state).toBe(
      "intact",
    );
  });

  it("runs the run's hooks again: run-start ones at the resume, step-failed only for a last attempt", async () => {
    const {
      file,
      runsRoot,
      directory: marks,
    } = workflowFile(`
steps:
  flaky:
    retries: 1
    run: test -f "${"$"}{MARKS}/fixed" && [ "$RUNYARD_STEP_ATTEMPT" = 4 ]
`);
    const hook = (on: ("run-start" | "step-failed" | "run-end")[]) => ({
      name: on.join("+"),
      on,
      run: `jq -r '.type + " " + (.attempt // "" | tostring)' >> "${marks}/hooks"`,
      timeoutMs: 10_000,
      cwd: marks,
      source: join(marks, "config.yaml"),
    });
    const launched = await launchRun({
      workflowFile: file,
      runsRoot,
      env: { PATH: process.env.PATH, MARKS: marks },
      hooks: [hook(["run-start", "run-end"]), hook(["step-failed"])],
      // One at a time: in the order of their events.
      hooksParallel: 1,
    });
    expect((await ended(launched.directory)).finalStatus).toBe("failed");
    writeFileSync(join(marks, "fixed"), "");
    await resumeRun({ directory: launched.directory });
    expect((await ended(launched.directory)).finalStatus).toBe("success");
    // The run-end hook of the resumed executor ran before it exited.
    await vi.waitFor(
      () =>
        expect(readFileSync(join(marks, "hooks"), "utf8")).toContain(
          "run-end \nrun-resume \nrun-end",
        ),
      { timeout: 10_000, interval: 50 },
    );
    expect(readFileSync(join(marks, "hooks"), "utf8")).toBe(
      "run-start \nstep-end 2\nrun-end \nrun-resume \nrun-end \n",
    );
  });

  it("runs again only the loop instances that did not complete, over the items it had", async () => {
    const { launched, marks: home } = await start(
      `
steps:
  items:
    run: printf 'coarse\\nmedium\\nfine\\n' > "${"$"}{MARKS}/items.txt"
  mesh:
    needs: items
    foreach:
      file: ${"$"}{RUNYARD_RUN_DIR}/../../items.txt
    run: |
      echo "$RUNYARD_ITEM" >> "${"$"}{MARKS}/ran"
      if [ "$RUNYARD_ITEM" = medium ] && [ ! -f "${"$"}{MARKS}/fixed" ]; then exit 3; fi
      echo "CELLS_$RUNYARD_ITEM=1" >> "$RUNYARD_OUTPUT"
  sum:
    needs: mesh
    run: echo "$CELLS_coarse$CELLS_medium$CELLS_fine"
`,
      { maxParallel: 1 },
    );
    expect((await ended(launched.directory)).finalStatus).toBe("failed");
    // The item file changes: the resumed loop keeps the instances it had.
    writeFileSync(join(home, "items.txt"), "other\n");
    writeFileSync(join(home, "fixed"), "");
    await resumeRun({ directory: launched.directory });
    expect((await ended(launched.directory)).finalStatus).toBe("success");
    expect(readFileSync(join(home, "ran"), "utf8")).toBe("coarse\nmedium\nfine\nmedium\n");
    expect(stepOf(launched.directory, "mesh[medium]")).toMatchObject({
      status: "completed",
      attempt: 2,
    });
    const sum = captures(launched.directory).find((name) => name.endsWith("-sum.out"));
    expect(readFileSync(join(launched.directory, sum as string), "utf8")).toBe("111\n");
    expect(timeline(launched.directory)).toContainEqual(
      expect.objectContaining({ type: "step-expand", stepId: "mesh", resumed: true, total: 3 }),
    );
  });

  it("refuses a run that succeeded or still runs, and a second resume while one holds the lock", async () => {
    const { launched, marks: home } = await start(`
steps:
  wait:
    run: while [ ! -f "${"$"}{MARKS}/go" ]; do sleep 0.05; done
`);
    const before = readFileSync(join(launched.directory, "meta.json"), "utf8");
    await expect(resumeRun({ directory: launched.directory })).rejects.toMatchObject({
      code: "E_RUN_RUNNING",
      message: expect.stringContaining("is running"),
    });
    expect(readFileSync(join(launched.directory, "meta.json"), "utf8")).toBe(before);
    writeFileSync(join(home, "go"), "");
    expect((await ended(launched.directory)).finalStatus).toBe("success");
    await expect(resumeRun({ directory: launched.directory })).rejects.toMatchObject({
      code: "E_RESUME",
      message: expect.stringContaining("nothing to resume"),
    });
    // A live holder (this process) keeps the lock: a resume is refused, and says by whom.
    const lock = join(launched.directory, "run.lock");
    writeFileSync(
      lock,
      JSON.stringify({
        pid: process.pid,
        host: readJson(join(launched.directory, "meta.json")).startedOn,
        since: "now",
        purpose: "test",
      }),
    );
    await expect(resumeRun({ directory: launched.directory })).rejects.toMatchObject({
      code: "E_RUN_LOCKED",
      message: expect.stringContaining(`pid ${process.pid}`),
    });
    expect(readFileSync(lock, "utf8")).toContain(`"pid":${process.pid}`);
  });

  it("resumes a cancelled run, breaking the stale lock a killed resume left", async () => {
    const { launched, marks: home } = await start(`
steps:
  one:
    run: echo one
  two:
    needs: one
    run: if [ -f "${"$"}{MARKS}/go" ]; then echo two; else sleep 60; fi
`);
    await vi.waitFor(() => expect(stepOf(launched.directory, "two")?.status).toBe("running"), {
      timeout: 15_000,
      interval: 50,
    });
    process.kill(launched.pid, "SIGTERM");
    expect((await ended(launched.directory)).finalStatus).toBe("cancelled");
    // A dead holder's lock is stale.
    writeFileSync(
      join(launched.directory, "run.lock"),
      JSON.stringify({
        pid: 2 ** 22 + 1,
        host: readJson(join(launched.directory, "meta.json")).startedOn,
        since: "then",
        purpose: "test",
      }),
    );
    writeFileSync(join(home, "go"), "");
    await resumeRun({ directory: launched.directory });
    const meta = await ended(launched.directory);
    expect(meta.finalStatus).toBe("success");
    expect(meta.resumes[0].previous).toBe("cancelled");
    expect(stepOf(launched.directory, "one")).toMatchObject({ status: "completed", attempt: 1 });
    expect(readdirSync(launched.directory).filter((name) => name.startsWith("run.lock"))).toEqual(
      [],
    );
  });

  it("runs a failure path again when the step it handles runs again, and what follows it", async () => {
    const { launched, marks: home } = await start(`
steps:
  build:
    run: test -f "${"$"}{MARKS}/fixed"
  fallback:
    needs: build
    if: failure
    run: echo fallback >> "${"$"}{MARKS}/ran"
  report:
    needs: fallback
    if: always
    run: echo report >> "${"$"}{MARKS}/ran"
  other:
    run: test -f "${"$"}{MARKS}/fixed"
`);
    expect((await ended(launched.directory)).finalStatus).toBe("failed");
    expect(readFileSync(join(home, "ran"), "utf8")).toBe("fallback\nreport\n");
    writeFileSync(join(home, "fixed"), "");
    await resumeRun({ directory: launched.directory });
    expect((await ended(launched.directory)).finalStatus).toBe("success");
    // build completed this time: its failure path is skipped now, and report runs again.
    expect(readFileSync(join(home, "ran"), "utf8")).toBe("fallback\nreport\nreport\n");
    expect(stepOf(launched.directory, "fallback")).toMatchObject({ status: "skipped" });
    const resume = timeline(launched.directory).find((event) => event.type === "run-resume");
    expect(resume.rerun).toEqual(["fallback", "report"]);
  });

  it("refuses a run whose workflow copy was edited, and an executor.log that is a link", async () => {
    const { launched, marks: home } = await start(`
steps:
  a:
    run: "true"
  b:
    needs: a
    run: "false"
`);
    expect((await ended(launched.directory)).finalStatus).toBe("failed");
    const copy = join(launched.directory, "workflow.yaml");
    const original = readFileSync(copy, "utf8");
    writeFileSync(copy, original.replace("  b:\n    needs: a", "  c:\n    needs: a"));
    await expect(resumeRun({ directory: launched.directory })).rejects.toThrow(
      /is not the workflow the run started with: it has no step b; a new step c/,
    );
    writeFileSync(copy, original);
    const log = join(launched.directory, "executor.log");
    rmSync(log, { force: true });
    symlinkSync(join(home, "elsewhere.txt"), log);
    await expect(resumeRun({ directory: launched.directory })).rejects.toThrow(
      /executor\.log: it is a symbolic link/,
    );
    expect(existsSync(join(home, "elsewhere.txt"))).toBe(false);
  });

  it("stops the crash watchdog a dead executor left before it runs anything", async () => {
    const { launched, marks: home } = await start(`
steps:
  long:
    run: if [ -f "${"$"}{MARKS}/second" ]; then sleep 1; echo done; else sleep 60; fi
`);
    await vi.waitFor(() => expect(stepOf(launched.directory, "long")?.status).toBe("running"), {
      timeout: 15_000,
      interval: 50,
    });
    const watchdogs = watchdogsOf(launched.runId);
    expect(watchdogs).toHaveLength(1);
    // A watchdog that has not woken yet (a login node too busy to start Node).
    process.kill(watchdogs[0] as number, "SIGSTOP");
    process.kill(launched.pid, "SIGKILL");
    await vi.waitFor(
      async () => expect((await readRun(launched.directory)).classification).toBe("crashed"),
      { timeout: 15_000, interval: 50 },
    );
    writeFileSync(join(home, "second"), "");
    await resumeRun({ directory: launched.directory });
    const meta = await ended(launched.directory);
    expect(meta.finalStatus).toBe("success");
    // Neither the stopped watchdog nor the resumed executor's (released at its end) is left.
    await vi.waitFor(() => expect(watchdogsOf(launched.runId)).toEqual([]), {
      timeout: 10_000,
      interval: 50,
    });
  });

  it("takes a resume killed before its run-resume for none: how the run stood is the timeline's", async () => {
    const { launched, marks: home } = await start(`
steps:
  a:
    run: test -f "${"$"}{MARKS}/fixed"
`);
    expect((await ended(launched.directory)).finalStatus).toBe("failed");
    const metaPath = join(launched.directory, "meta.json");
    const meta = readJson(metaPath);
    const lines = timeline(launched.directory).length;
    // What a resume killed between its meta.json and its run-resume leaves.
    const dead = 2 ** 22 + 3;
    writeFileSync(
      metaPath,
      JSON.stringify({
        ...meta,
        pid: dead,
        executor: { ...meta.executor, pid: dead },
        endedAt: null,
        finalStatus: null,
        resumes: [
          {
            at: meta.startedAt,
            pid: dead,
            host: meta.startedOn,
            previous: "crashed",
            seq: lines + 1,
          },
        ],
      }),
    );
    writeFileSync(join(home, "fixed"), "");
    await resumeRun({ directory: launched.directory });
    const after = await ended(launched.directory);
    expect(after.finalStatus).toBe("success");
    expect(after.resumes).toEqual([
      expect.objectContaining({ previous: "failed", seq: lines + 1 }),
    ]);
    expect(timeline(launched.directory)[lines]).toMatchObject({
      type: "run-resume",
      resume: 1,
      previous: "failed",
    });
  });
});
