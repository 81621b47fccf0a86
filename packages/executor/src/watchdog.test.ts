// The crash watchdog on real processes: a run launched with the built executor, its executor
// SIGKILLed while steps run, and what is left 2 s later.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENV, RUN_FILES } from "@runyard/schema";
import { describe, expect, it, vi } from "vitest";
import { workflowFile } from "../test/helpers.js";
import { findStrayProcesses, processesOfRun, REAPER_NAMES } from "./crash-reaper.js";
import { launchRun } from "./launch.js";
import { listProcesses } from "./process-table.js";

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

/** Timeline events of the run so far (whole lines only). */
function timeline(directory: string): Record<string, unknown>[] {
  const text = readFileSync(join(directory, RUN_FILES.summary), "utf8");
  return text
    .split("\n")
    .slice(0, -1)
    .map((line) => JSON.parse(line));
}

const alive = (pid: number) => listProcesses()?.some((entry) => entry.pid === pid) ?? false;

async function startedSteps(directory: string, count: number) {
  return vi.waitFor(
    () => {
      const starts = timeline(directory).filter((event) => event.type === "step-start");
      if (starts.length < count) throw new Error(`${starts.length} of ${count} steps started`);
      return starts;
    },
    { timeout: 15_000, interval: 25 },
  );
}

describe("the crash watchdog", () => {
  it("spells the environment and file names as the schema does", () => {
    expect(REAPER_NAMES).toEqual({
      runId: ENV.runId,
      stepSeq: ENV.stepSeq,
      summary: RUN_FILES.summary,
    });
  });

  it("stops every process of the unfinished steps within 2 s of the executor's SIGKILL, and says so", async () => {
    const { file, runsRoot } = workflowFile(
      [
        "steps:",
        "  plain:",
        "    run: sleep 60",
        "  deaf:", // ignores SIGTERM, as does its child: only SIGKILL ends them
        "    run: trap '' TERM; sleep 60 & wait",
        "  escaped:", // left the step's session: found by its environment
        "    run: setsid sleep 60 & wait",
        "  grouped:", // a process group of its own, in the step's session
        "    run: set -m; sleep 60 & wait",
      ].join("\n"),
    );
    const run = await launchRun({ workflowFile: file, runsRoot, maxParallel: 4 });
    const starts = await startedSteps(run.directory, 4);
    // step-start records the step's pid and process group, and status.json follows.
    for (const start of starts) {
      expect(start.pid).toBeGreaterThan(1);
      expect(start.pgid).toBe(start.pid);
    }
    await vi.waitFor(
      () => {
        const status = readJson(join(run.directory, RUN_FILES.status));
        for (const step of status.steps) expect(step.pgid).toBeGreaterThan(1);
      },
      { timeout: 5000, interval: 25 },
    );
    // plain execs into sleep (1 process); each other step is a bash and its sleep (2).
    await vi.waitFor(() => expect(processesOfRun(run.runId).length).toBe(7));

    process.kill(run.pid, "SIGKILL");
    const killedAt = performance.now();
    await vi.waitFor(() => expect(processesOfRun(run.runId)).toEqual([]), {
      timeout: 2000,
      interval: 25,
    });
    expect(performance.now() - killedAt).toBeLessThan(2000);
    const log = await vi.waitFor(() => {
      const text = readFileSync(join(run.directory, RUN_FILES.executorLog), "utf8");
      expect(text).toContain("runyard-watchdog");
      return text;
    });
    expect(log).toMatch(
      new RegExp(
        `the executor \\(pid ${run.pid}\\) ended without finishing the run: stopped \\d+ processes of steps deaf, escaped, grouped, plain`,
      ),
    );
  });

  it("leaves alone what ended steps left running, as an orderly run does", async () => {
    const { file, runsRoot, directory } = workflowFile(
      [
        "steps:",
        "  server:", // ends at once, leaving a server behind on purpose
        "    run: sleep 60 & echo $! > server.pid",
        "  work:",
        "    needs: [server]",
        "    run: sleep 60",
      ].join("\n"),
    );
    const run = await launchRun({ workflowFile: file, runsRoot, cwd: directory });
    await vi.waitFor(
      () => {
        const events = timeline(run.directory);
        expect(events.some((e) => e.type === "step-start" && e.stepId === "work")).toBe(true);
      },
      { timeout: 15_000, interval: 25 },
    );
    const server = Number(readFileSync(join(directory, "server.pid"), "utf8"));
    expect(alive(server)).toBe(true);
    process.kill(run.pid, "SIGKILL");
    await vi.waitFor(() => expect(processesOfRun(run.runId)).toEqual([server]), {
      timeout: 2000,
      interval: 25,
    });
    process.kill(server, "SIGKILL");
  });

  it("goes away without a word when the run ends in order", async () => {
    const { file, runsRoot } = workflowFile("steps:\n  quick:\n    run: 'true'\n");
    const run = await launchRun({ workflowFile: file, runsRoot });
    await vi.waitFor(
      () => expect(readJson(join(run.directory, RUN_FILES.meta)).finalStatus).toBe("success"),
      { timeout: 15_000, interval: 25 },
    );
    await vi.waitFor(() => expect(alive(run.pid)).toBe(false), { timeout: 5000 });
    // No watchdog of this run is left, and it did not reap anything.
    const watchdogs = (listProcesses() ?? []).filter((entry) => {
      try {
        return readFileSync(`/proc/${entry.pid}/cmdline`, "latin1").includes(run.runId);
      } catch {
        return false;
      }
    });
    expect(watchdogs).toEqual([]);
    expect(readFileSync(join(run.directory, RUN_FILES.executorLog), "utf8")).toBe("");
  });
});

describe("findStrayProcesses", () => {
  it("finds a step's session from the timeline and a step's process from its environment", async () => {
    const { directory } = workflowFile("steps: {}\n");
    const runId = "01a20000-0000-7000-8000-000000000001";
    const spawnStep = (seq: number) =>
      spawn("sleep", ["30"], {
        detached: true,
        stdio: "ignore",
        env: { ...process.env, [ENV.runId]: runId, [ENV.stepSeq]: String(seq) },
      });
    const recorded = spawnStep(1); // its step-start is in the timeline, no step-end
    const unrecorded = spawnStep(2); // forked, but the executor died before its step-start
    const finished = spawnStep(3); // its step ended: left alone
    const foreign = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
    try {
      const line = (event: object) => `${JSON.stringify(event)}\n`;
      writeFileSync(
        join(directory, RUN_FILES.summary),
        line({ type: "step-start", stepId: "a", captureSeq: 1, pgid: recorded.pid }) +
          line({ type: "step-start", stepId: "c", captureSeq: 3, pgid: finished.pid }) +
          line({ type: "step-end", stepId: "c", captureSeq: 3 }) +
          '{"type":"step-start","stepId":"torn', // a torn last line is skipped
      );
      const strays = findStrayProcesses(directory, runId);
      expect(strays.map((stray) => [stray.pid, stray.stepId]).sort()).toEqual(
        [
          [recorded.pid, "a"],
          [unrecorded.pid, undefined],
        ].sort(),
      );
    } finally {
      for (const child of [recorded, unrecorded, finished, foreign]) child.kill("SIGKILL");
    }
  });
});
