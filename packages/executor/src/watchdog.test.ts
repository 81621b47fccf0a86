// The crash watchdog on real processes: a run launched with the built executor, its executor
// SIGKILLed while steps run, and what is left 2 s later.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createIpcClient } from "@runyard/ipc";
import { ENV, RUN_FILES } from "@runyard/schema";
import { describe, expect, it, vi } from "vitest";
import { watchdogsOf, workflowFile } from "../test/helpers.js";
import { findStrayProcesses, processesOfRun, REAPER_NAMES } from "./crash-reaper.js";
import { launchRun } from "./launch.js";
import { listProcesses } from "./process-table.js";
import { WATCHDOG_BIN } from "./watchdog.js";

/** The built reaper, for a process of its own. */
const REAPER_BUILT = fileURLToPath(new URL("../dist/crash-reaper.js", import.meta.url));

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
      backend: ENV.backend,
      summary: RUN_FILES.summary,
      meta: RUN_FILES.meta,
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
    // The step spawner stops the process groups it started (it saw its pipe from the executor
    // end); the watchdog stops the rest, among them what left the step's session, which only
    // it can find. Which of them gets to a process of a step's own group first is a race.
    const groups = starts.map((start) => start.pgid as number).sort((a, b) => a - b);
    expect(log).toContain(`runyard-spawner[`);
    expect(log).toContain(
      `the executor is gone: stopping the process groups ${groups.join(", ")} of its running steps`,
    );
    expect(log).toMatch(
      new RegExp(
        `the executor \\(pid ${run.pid}\\) ended without finishing the run: stopped \\d+ process(es)? of steps? ([a-z]+, )*escaped`,
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
    // No watchdog of this run is left (it leaves when it sees the executor gone, a moment
    // after), and it did not reap anything.
    const watchdogs = () =>
      (listProcesses() ?? []).filter((entry) => {
        try {
          return readFileSync(`/proc/${entry.pid}/cmdline`, "latin1").includes(run.runId);
        } catch {
          return false;
        }
      });
    await vi.waitFor(() => expect(watchdogs()).toEqual([]), { timeout: 5000, interval: 25 });
    expect(readFileSync(join(run.directory, RUN_FILES.executorLog), "utf8")).toBe("");
  });
});

/** Timeline lines as the executor writes them: this run's id, seq 1, 2, 3… */
function timelineLines(runId: string) {
  let seq = 0;
  return (event: object, overrides: object = {}) => {
    seq += 1;
    return `${JSON.stringify({ runId, seq, ts: "2026-01-01T00:00:00.000Z", ...event, ...overrides })}\n`;
  };
}

/** A process as a step of run `runId` with capture number `seq` would start it. */
const spawnStep = (runId: string, seq: number) =>
  spawn("sleep", ["30"], {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, [ENV.runId]: runId, [ENV.stepSeq]: String(seq) },
  });

describe("the crash watchdog, released", () => {
  it("is released, and the steps' escaped processes killed, when the executor exits at a second SIGTERM", async () => {
    const { file, runsRoot } = workflowFile(
      [
        "steps:",
        "  escaped:", // deaf to the first SIGTERM; its sleep leaves the step's session
        "    run: trap '' TERM; setsid sleep 60 & wait",
        "  plain:",
        "    run: trap '' TERM; sleep 60 & wait",
      ].join("\n"),
    );
    const run = await launchRun({ workflowFile: file, runsRoot, maxParallel: 2 });
    await startedSteps(run.directory, 2);
    await vi.waitFor(() => expect(processesOfRun(run.runId).length).toBe(4));
    const log = join(run.directory, RUN_FILES.executorLog);
    process.kill(run.pid, "SIGTERM");
    await vi.waitFor(() => expect(readFileSync(log, "utf8")).toContain("cancelling the run"));
    process.kill(run.pid, "SIGTERM");
    await vi.waitFor(() => expect(alive(run.pid)).toBe(false), { timeout: 5000 });
    // The executor killed every process of its steps, the escaped sleep too, before it went.
    await vi.waitFor(() => expect(processesOfRun(run.runId)).toEqual([]), { timeout: 2000 });
    await vi.waitFor(() => expect(watchdogsOf(run.runId)).toEqual([]), { timeout: 5000 });
    expect(readJson(join(run.directory, RUN_FILES.meta)).finalStatus).toBe("cancelled");
    expect(readFileSync(log, "utf8")).not.toContain("runyard-watchdog");
  });

  it("a forced cancel over ipc.sock also kills what left the step's session", async () => {
    const { file, runsRoot } = workflowFile(
      "steps:\n  escaped:\n    run: setsid sleep 60 & wait\n",
    );
    const run = await launchRun({ workflowFile: file, runsRoot });
    await startedSteps(run.directory, 1);
    await vi.waitFor(() => expect(processesOfRun(run.runId).length).toBe(2));
    const client = await createIpcClient(join(run.directory, RUN_FILES.socket));
    expect(await client.cancel({ force: true })).toEqual({ accepted: true });
    await client.close();
    await vi.waitFor(
      () => expect(readJson(join(run.directory, RUN_FILES.meta)).finalStatus).toBe("cancelled"),
      { timeout: 10_000, interval: 25 },
    );
    await vi.waitFor(() => expect(processesOfRun(run.runId)).toEqual([]), { timeout: 2000 });
  });

  it("is restarted once, and says so, when it exits while the run goes on", async () => {
    const { file, runsRoot } = workflowFile("steps:\n  long:\n    run: sleep 60\n");
    const run = await launchRun({ workflowFile: file, runsRoot });
    await startedSteps(run.directory, 1);
    const first = await vi.waitFor(() => {
      const [pid] = watchdogsOf(run.runId);
      if (pid === undefined) throw new Error("no watchdog yet");
      return pid;
    });
    process.kill(first, "SIGKILL");
    const log = join(run.directory, RUN_FILES.executorLog);
    await vi.waitFor(() =>
      expect(readFileSync(log, "utf8")).toContain(
        `the crash watchdog (pid ${first}) exited unexpectedly (killed by SIGKILL); restarting it`,
      ),
    );
    const second = await vi.waitFor(() => {
      const [pid] = watchdogsOf(run.runId);
      if (pid === undefined || pid === first) throw new Error("not restarted yet");
      return pid;
    });
    expect(second).not.toBe(first);
    // The new one does the job: the executor's death still stops the step.
    process.kill(run.pid, "SIGKILL");
    await vi.waitFor(() => expect(processesOfRun(run.runId)).toEqual([]), { timeout: 2000 });
    await vi.waitFor(() =>
      expect(readFileSync(log, "utf8")).toMatch(/runyard-watchdog\[\d+\]: the executor/),
    );
  });

  it("says nothing when meta.json has the end and no step process was left", () => {
    const { directory } = workflowFile("steps: {}\n");
    const runId = "01a20000-0000-7000-8000-000000000004";
    const watchdog = (finalStatus: string | null) => {
      writeFileSync(join(directory, RUN_FILES.meta), JSON.stringify({ runId, finalStatus }));
      return spawnSync(process.execPath, [WATCHDOG_BIN, directory, runId, "1"], {
        encoding: "utf8",
        timeout: 10_000,
      });
    };
    const ended = watchdog("failed");
    expect([ended.status, ended.stdout, ended.stderr]).toEqual([0, "", ""]);
    // Without the end recorded, the executor died: that is said, even with nothing to stop.
    const crashed = watchdog(null);
    expect(crashed.stderr).toContain(
      "the executor (pid 1) ended without finishing the run: no step process was left",
    );
  });
});

describe("findStrayProcesses", () => {
  it("finds a step's session from the timeline and a step's process from its environment", async () => {
    const { directory } = workflowFile("steps: {}\n");
    const runId = "01a20000-0000-7000-8000-000000000001";
    const recorded = spawnStep(runId, 1); // its step-start is in the timeline, no step-end
    const unrecorded = spawnStep(runId, 2); // forked, but the executor died before its step-start
    const finished = spawnStep(runId, 3); // its step ended: left alone
    const foreign = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
    try {
      const line = timelineLines(runId);
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

  it("believes a step-end only in the executor's unbroken run of lines", () => {
    const { directory } = workflowFile("steps: {}\n");
    const runId = "01a20000-0000-7000-8000-000000000002";
    const step = spawnStep(runId, 1);
    const pid = step.pid as number;
    try {
      const start = { type: "step-start", stepId: "a", captureSeq: 1, pgid: pid };
      const end = { type: "step-end", stepId: "a", captureSeq: 1 };
      const strays = (text: string) => {
        writeFileSync(join(directory, RUN_FILES.summary), text);
        return findStrayProcesses(directory, runId).map((stray) => [stray.pid, stray.stepId]);
      };
      let line = timelineLines(runId);
      // The executor's own step-end: the step's process is left alone.
      expect(strays(line(start) + line(end))).toEqual([]);
      // Forged by the step: after a gap in seq, with another run's id, after a line that
      // does not parse, or a second line with the same seq.
      const forgeries = [
        () => line(start) + line(end, { seq: 3 }),
        () => line(start) + line(end, { runId: "01a20000-0000-7000-8000-00000000000f" }),
        () => `${line(start)}step-end of a: trust me\n${line(end, { seq: 3 })}`,
        () => line(start) + line(end, { seq: 1 }),
      ];
      for (const forged of forgeries) {
        line = timelineLines(runId);
        expect(strays(forged())).toEqual([[pid, "a"]]);
      }
      // A line over 64 KiB is skipped unread, but keeps its place: the lines after it are
      // still the executor's.
      line = timelineLines(runId);
      const first = line(start);
      const long = line({ type: "log", level: "info", message: "x".repeat(100_000) });
      expect(strays(first + long + line(end))).toEqual([]);
    } finally {
      step.kill("SIGKILL");
    }
  });

  it("reads at most 256 MiB of a timeline, in bounded memory", () => {
    const { directory } = workflowFile("steps: {}\n");
    const runId = "01a20000-0000-7000-8000-000000000003";
    const step = spawnStep(runId, 1);
    const pid = step.pid as number;
    try {
      const line = timelineLines(runId);
      const path = join(directory, RUN_FILES.summary);
      writeFileSync(path, line({ type: "step-start", stepId: "a", captureSeq: 1, pgid: pid }));
      // A 257 MiB line with no newline (sparse: no disk used), then the step's step-end.
      truncateSync(path, 257 * 1024 * 1024);
      appendFileSync(
        path,
        `\n${line({ type: "step-end", stepId: "a", captureSeq: 1 }, { seq: 3 })}`,
      );
      // In a process whose heap could not hold the file: the reaper must not need to.
      const script = `const { findStrayProcesses } = await import(${JSON.stringify(REAPER_BUILT)});
        process.stdout.write(JSON.stringify(findStrayProcesses(process.argv[1], process.argv[2]).map((s) => s.pid)));`;
      const result = spawnSync(
        process.execPath,
        ["--max-old-space-size=32", "--input-type=module", "-e", script, directory, runId],
        { encoding: "utf8", timeout: 20_000 },
      );
      expect(result.stderr).toBe("");
      // The step-end lies past what is read: the step's process is still the run's to stop.
      expect(JSON.parse(result.stdout)).toEqual([pid]);
    } finally {
      step.kill("SIGKILL");
    }
  });
});
