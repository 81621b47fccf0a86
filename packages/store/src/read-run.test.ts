import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUN_FILES } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import {
  deadPid,
  releasePipesAfter,
  runStartLine,
  startMeta,
  temporaryDirectory,
} from "../test/helpers.js";
import { listRuns } from "./list-runs.js";
import {
  currentExecutorIdentity,
  readBootId,
  readProcessStartTicks,
  shortHostname,
} from "./process-identity.js";
import { readRun, readRunSync } from "./read-run.js";
import { createRunDirectory, writeMeta } from "./run-directory.js";

async function runWith(meta: Parameters<typeof startMeta>[0], heartbeat?: number) {
  const root = temporaryDirectory();
  const created = await createRunDirectory(root, {
    workflowSource: new Uint8Array(),
    meta: startMeta(meta),
  });
  if (heartbeat !== undefined) writeFileSync(created.paths.heartbeat, `${heartbeat}\n`);
  return created;
}

const here = { startedOn: shortHostname() };

/** A run on this host whose executor is gone without a final status. */
async function runOfDeadExecutor() {
  const pid = await deadPid();
  return runWith({ ...here, pid, executor: { pid, processStartTicks: "1", bootId: null } });
}

/** One line of run_summary.jsonl. */
const line = (runId: string, event: object) =>
  `${JSON.stringify({ runId, ts: "2026-06-05T14:25:00.000Z", ...event })}\n`;

const start = (runId: string) => runStartLine(runId);

/** status.json as the executor leaves it after the run-end: its seq and outcome. */
function writeStatus(
  run: { runId: string; meta: { workflowId: string }; paths: { status: string } },
  seq: number,
  finalStatus?: "success" | "failed" | "cancelled",
  reason?: string,
): void {
  const status = {
    runId: run.runId,
    workflowId: run.meta.workflowId,
    updatedAt: "2026-06-05T14:25:00.000Z",
    seq,
    steps: [],
    ...(finalStatus === undefined
      ? {}
      : { outcome: { finalStatus, ...(reason ? { reason } : {}) } }),
  };
  writeFileSync(run.paths.status, JSON.stringify(status));
}

describe("readRun classification", () => {
  it("says running for a live executor whose identity matches", async () => {
    const run = await runWith({ ...here, executor: currentExecutorIdentity() });
    const view = await readRun(run.directory);
    expect(view.classification).toBe("running");
    expect(view.meta.runId).toBe(run.runId);
    expect(view.status).toBeNull();
    expect(view.problems).toEqual([]);
  });

  it("says crashed when the executor pid is dead", async () => {
    const pid = await deadPid();
    const run = await runWith({
      ...here,
      pid,
      executor: { pid, processStartTicks: "1", bootId: readBootId() },
    });
    const view = await readRun(run.directory);
    expect(view.classification).toBe("crashed");
    expect(view.reason).toBe(`executor pid ${pid} is not running`);
  });

  it.runIf(readProcessStartTicks(process.pid) !== null)(
    "says crashed when the pid was recycled (start ticks differ)",
    async () => {
      const run = await runWith({
        ...here,
        executor: { pid: process.pid, processStartTicks: "1", bootId: readBootId() },
      });
      expect((await readRun(run.directory)).classification).toBe("crashed");
    },
  );

  it("says crashed after a reboot", async () => {
    const run = await runWith({
      ...here,
      executor: { ...currentExecutorIdentity(), bootId: "other-boot" },
    });
    const view = await readRun(run.directory, { bootId: "this-boot" });
    expect(view.classification).toBe("crashed");
    expect(view.reason).toMatch(/rebooted/);
  });

  it("judges a run on another host by its heartbeat", async () => {
    const now = Date.now();
    const fresh = await runWith({ startedOn: "elsewhere" }, now - 5_000);
    const stale = await runWith({ startedOn: "elsewhere" }, now - 120_000);
    const none = await runWith({ startedOn: "elsewhere" });
    expect((await readRun(fresh.directory, { now })).classification).toBe("running");
    expect((await readRun(stale.directory, { now })).classification).toBe("crashed");
    expect((await readRun(none.directory, { now })).classification).toBe("unknown");
  });

  it("says unknown for a live pid without executor identity or heartbeat, as the docs say", async () => {
    // An older or foreign writer: a pid and nothing to tell it from a recycled one.
    const bare = { ...here, pid: process.pid };
    const run = await runWith(bare);
    const view = await readRun(run.directory);
    expect(view.classification).toBe("unknown");
    expect(view.reason).toBe(
      `pid ${process.pid} is alive, but meta.json has no executor identity to check it by and there is no heartbeat`,
    );
    const now = Date.now();
    const beating = await runWith(bare, now - 5_000);
    expect((await readRun(beating.directory, { now })).classification).toBe("running");
    const stale = await runWith(bare, now - 120_000);
    expect((await readRun(stale.directory, { now })).classification).toBe("crashed");
  });

  it("takes an ended run's final status from meta.json", async () => {
    const run = await runWith(here);
    await writeMeta(run.directory, {
      ...run.meta,
      finalStatus: "failed",
      endedAt: "2026-06-05T16:10:00.000Z",
    });
    expect((await readRun(run.directory)).classification).toBe("failed");
  });

  it("checks an ended run's timeline by its size only when meta.json, the file and status.json agree", async () => {
    const run = await runWith(here);
    const timeline =
      start(run.runId) +
      line(run.runId, {
        type: "run-end",
        seq: 2,
        finalStatus: "failed",
        durationMs: 9,
        reason: "failed: a",
      });
    writeFileSync(run.paths.summary, timeline);
    const ended = {
      ...run.meta,
      finalStatus: "failed" as const,
      endedAt: "2026-06-05T16:10:00.000Z",
      timelineBytes: Buffer.byteLength(timeline),
    };
    await writeMeta(run.directory, ended);
    writeStatus(run, 2, "failed", "failed: a");
    const bySize = readRunSync(run.directory, { readEnd: true });
    expect(bySize.timeline).toEqual({ state: "intact", checked: "size", damage: null });
    expect(bySize.summaryEnd).toMatchObject({ reason: "failed: a", recordedIn: "status.json" });
    // status.json records another end: the size proves nothing, the timeline is read.
    writeStatus(run, 2, "success");
    const read = readRunSync(run.directory, { readEnd: true });
    expect(read.timeline).toMatchObject({ state: "intact", checked: "tail" });
    expect(read.summaryEnd).toMatchObject({ reason: "failed: a" });
    expect(read.summaryEnd?.recordedIn).toBeUndefined();
    // A success beside a failed step: the size proves nothing, the tail check names it.
    writeFileSync(run.paths.summary, timeline.replace('"failed"', '"success"'));
    await writeMeta(run.directory, { ...ended, finalStatus: "success" });
    writeFileSync(
      run.paths.status,
      JSON.stringify({
        runId: run.runId,
        workflowId: run.meta.workflowId,
        updatedAt: "2026-06-05T16:10:00.000Z",
        seq: 2,
        steps: [{ name: "a", nodeId: "a", status: "failed" }],
        outcome: { finalStatus: "success" },
      }),
    );
    expect(readRunSync(run.directory).timeline).toMatchObject({
      state: "damaged",
      checked: "tail",
      damage: { kind: "end-contradicts" },
    });
    // An unusable timelineBytes is no shortcut, and no reason to call the run unreadable.
    for (const value of [-1, 2.5, "2199", null, 0]) {
      writeFileSync(run.paths.meta, JSON.stringify({ ...ended, timelineBytes: value }));
      const view = readRunSync(run.directory);
      expect(view.meta.timelineBytes, String(value)).toBe(value === 0 ? 0 : undefined);
      expect(view.timeline?.checked, String(value)).toBe("tail");
    }
    await writeMeta(run.directory, ended);
    writeStatus(run, 2, "failed", "failed: a");
    writeFileSync(run.paths.summary, timeline);
    // A line added since the end: another size, so the timeline is read and the line found.
    writeStatus(run, 2, "failed");
    writeFileSync(run.paths.summary, `${timeline}garbage\n`);
    expect(readRunSync(run.directory).timeline).toMatchObject({
      state: "damaged",
      checked: "tail",
      damage: { kind: "after-end", line: 3 },
    });
  });

  it("reports a broken status.json without failing the read", async () => {
    const run = await runWith(here);
    writeFileSync(join(run.directory, RUN_FILES.status), '{"runId": 3}');
    const view = await readRun(run.directory);
    expect(view.status).toBeNull();
    expect(view.problems[0]).toMatch(/status\.json: \d+ problems/);
    expect(view.problems[0]).toMatch(/status\.json: runId: expected/);
  });
});

describe("readRun when meta.json was not finalised", () => {
  it("takes the run-end of run_summary.jsonl once the executor is gone, and says so", async () => {
    const run = await runOfDeadExecutor();
    writeFileSync(
      run.paths.summary,
      start(run.runId) +
        line(run.runId, { type: "log", seq: 2, level: "info", message: "x" }) +
        line(run.runId, { type: "run-end", seq: 3, finalStatus: "failed", durationMs: 9 }),
    );
    writeStatus(run, 3, "failed");
    const view = await readRun(run.directory);
    expect(view.classification).toBe("failed");
    expect(view.reason).toBe("meta.json was not finalised; run_summary.jsonl says failed");
    expect(view.endedAt).toBe("2026-06-05T14:25:00.000Z");
    expect(view.meta.finalStatus).toBeNull();
    expect(view.problems).toEqual([]);
  });

  it("keeps a run crashed when status.json does not confirm the timeline's run-end", async () => {
    // A step knows run_summary.jsonl's path and appends the run-end the executor never wrote;
    // status.json, which only the executor replaces, still shows the run before it.
    const run = await runOfDeadExecutor();
    writeFileSync(
      run.paths.summary,
      start(run.runId) +
        line(run.runId, { type: "log", seq: 2, level: "info", message: "x" }) +
        line(run.runId, { type: "run-end", seq: 3, finalStatus: "success", durationMs: 9 }),
    );
    const notTaken =
      "run_summary.jsonl has a run-end success, not taken: the timeline's end is not confirmed by status.json";
    const cases: [() => void, string][] = [
      [() => rmSync(run.paths.status, { force: true }), "it is missing or unreadable"],
      [() => writeStatus(run, 2), "it reflects seq 2, the run-end is seq 3"],
      [() => writeStatus(run, 3, "failed"), "its outcome is failed"],
      [() => writeStatus(run, 3), "its outcome is not recorded"],
    ];
    for (const [arrange, why] of cases) {
      arrange();
      const view = await readRun(run.directory);
      expect(view.classification).toBe("crashed");
      expect(view.reason).toMatch(/^executor pid \d+ is not running; /);
      expect(view.reason).toContain(`; ${notTaken} (${why})`);
      expect(view.summaryEnd).toBeNull();
      expect(view.endedAt).toBeNull();
    }
    writeStatus(run, 3, "success");
    expect((await readRun(run.directory)).classification).toBe("success");
  });

  it("still says crashed when the summary has no committed run-end", async () => {
    const run = await runOfDeadExecutor();
    writeFileSync(
      run.paths.summary,
      start(run.runId) +
        line(run.runId, {
          type: "run-end",
          seq: 2,
          finalStatus: "failed",
          durationMs: 9,
        }).trimEnd(),
    );
    const view = await readRun(run.directory);
    expect(view.classification).toBe("crashed");
    expect(view.endedAt).toBeNull();
  });

  it("takes executor.log's word for a run stopped on a full disk that could not write its run-end", async () => {
    const run = await runOfDeadExecutor();
    writeFileSync(
      run.paths.summary,
      line(run.runId, { type: "log", seq: 1, level: "info", message: "x" }),
    );
    writeFileSync(
      run.paths.executorLog,
      "2026-06-05T14:25:01.000Z warn heartbeat: ENOSPC: no space left on device\n" +
        "2026-06-05T14:25:02.000Z error run stopped: disk full (E_DISK_FULL): cannot write 000001-a.out: no space left on device (ENOSPC); freed the disk reserve to record the end\n" +
        "2026-06-05T14:25:03.000Z runyard-executor[1]: E_DISK_FULL: disk full: cannot write 000001-a.out\n",
    );
    const view = await readRun(run.directory);
    expect(view.classification).toBe("failed");
    expect(view.reason).toBe(
      "run_summary.jsonl has no run-end; executor.log says the run stopped: disk full: cannot write 000001-a.out: no space left on device (ENOSPC); freed the disk reserve to record the end",
    );
    expect(view.summaryEnd).toMatchObject({ code: "E_DISK_FULL", recordedIn: "executor.log" });
    expect(view.endedAt).toBe("2026-06-05T14:25:02.000Z");
  });

  it("says crashed when executor.log has only other trouble", async () => {
    const run = await runOfDeadExecutor();
    writeFileSync(
      run.paths.executorLog,
      "2026-06-05T14:25:01.000Z warn heartbeat: ENOSPC: no space left on device\n",
    );
    expect((await readRun(run.directory)).classification).toBe("crashed");
  });

  it("leaves a live run running whatever executor.log says", async () => {
    const run = await runWith({ ...here, executor: currentExecutorIdentity() });
    writeFileSync(
      run.paths.executorLog,
      "2026-06-05T14:25:02.000Z error run stopped: disk full (E_DISK_FULL): x\n",
    );
    expect((await readRun(run.directory)).classification).toBe("running");
  });

  it("leaves a live run running whatever the summary says", async () => {
    const run = await runWith({ ...here, executor: currentExecutorIdentity() });
    writeFileSync(
      run.paths.summary,
      start(run.runId) +
        line(run.runId, { type: "run-end", seq: 2, finalStatus: "success", durationMs: 9 }),
    );
    expect((await readRun(run.directory)).classification).toBe("running");
  });
});

describe("readRun with readEnd", () => {
  it("gives an ended run's run-end event, with why it ended", async () => {
    const run = await runWith({
      ...here,
      finalStatus: "cancelled",
      endedAt: "2026-06-05T14:25:00.000Z",
    });
    writeFileSync(
      run.paths.summary,
      start(run.runId) +
        line(run.runId, {
          type: "run-end",
          seq: 2,
          finalStatus: "cancelled",
          durationMs: 120_000,
          reason: "cancelled by a client",
        }),
    );
    expect((await readRun(run.directory)).summaryEnd).toBeNull();
    const view = await readRun(run.directory, { readEnd: true });
    expect(view.summaryEnd).toEqual({
      finalStatus: "cancelled",
      ts: "2026-06-05T14:25:00.000Z",
      durationMs: 120_000,
      reason: "cancelled by a client",
    });
    expect(view.lastEventAt).toBe("2026-06-05T14:25:00.000Z");
  });

  it("gives a crashed run's last event time, its last sign of life besides the heartbeat", async () => {
    const run = await runOfDeadExecutor();
    writeFileSync(
      run.paths.summary,
      start(run.runId) + line(run.runId, { type: "log", seq: 2, level: "info", message: "x" }),
    );
    const view = await readRun(run.directory);
    expect(view.classification).toBe("crashed");
    expect(view.summaryEnd).toBeNull();
    expect(view.lastEventAt).toBe("2026-06-05T14:25:00.000Z");
  });
});

describe("readRun of a meta.json naming another run", () => {
  it("keeps the directory's id, and says what meta.json claims", async () => {
    const run = await runWith(here);
    const other = "01a20000-0000-7000-8000-0000000000ff";
    await writeMeta(run.directory, { ...run.meta, runId: other });
    const view = await readRun(run.directory);
    expect(view.runId).toBe(run.runId);
    expect(view.meta.runId).toBe(other);
    expect(view.problems).toEqual([
      `${run.paths.meta}: runId: names run ${other}, not ${run.runId} as its directory does; the run is listed under its directory's id`,
    ]);
    const list = await listRuns(join(run.directory, ".."));
    expect(list.runs.map((listed) => listed.runId)).toEqual([run.runId]);
  });
});

describe("readRun of a newer run directory", () => {
  it("says meta.json was written by a newer Runyard", async () => {
    const run = await runWith({
      ...here,
      finalStatus: "success",
      endedAt: "2026-06-05T16:10:00.000Z",
    });
    const meta = JSON.parse(readFileSync(run.paths.meta, "utf8"));
    writeFileSync(run.paths.meta, JSON.stringify({ ...meta, schemaVersion: 99, newField: 1 }));
    const view = await readRun(run.directory);
    const words = "written by a newer Runyard (schema version 99); upgrade runyard";
    expect(view.problems).toEqual([`${run.paths.meta}: ${words}`]);
    expect(view.reason).toContain(words);
  });
});

describe("listRuns", () => {
  it("lists newest first, skips what is not a run and reports broken runs", async () => {
    const root = temporaryDirectory();
    const older = await createRunDirectory(root, {
      workflowSource: new Uint8Array(),
      meta: startMeta(),
    });
    const newer = await createRunDirectory(root, {
      workflowSource: new Uint8Array(),
      meta: startMeta(),
    });
    mkdirSync(join(root, "not-a-run"));
    writeFileSync(join(root, "notes.txt"), "x");
    const brokenId = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
    mkdirSync(join(root, brokenId));
    writeFileSync(join(root, brokenId, RUN_FILES.meta), "{");

    const list = await listRuns(root);
    expect(list.runs.map((run) => run.runId)).toEqual([newer.runId, older.runId]);
    expect(list.broken).toHaveLength(1);
    expect(list.broken[0]?.runId).toBe(brokenId);
    expect(list.broken[0]?.error.message).toMatch(/meta\.json: invalid JSON/);
  });

  it("returns nothing for a runs root that does not exist", async () => {
    expect(await listRuns(join(temporaryDirectory(), "none"))).toEqual({
      runs: [],
      broken: [],
      total: 0,
      runIds: [],
      unread: 0,
    });
  });

  it("with a filter reads newest first only until `limit` runs pass it", async () => {
    const root = temporaryDirectory();
    const ids: string[] = [];
    for (let index = 0; index < 10; index += 1) {
      const failed = index % 3 === 0;
      const run = await createRunDirectory(root, {
        workflowSource: new Uint8Array(),
        meta: startMeta({
          finalStatus: failed ? "failed" : "success",
          endedAt: "2026-06-05T14:25:00.000Z",
        }),
      });
      ids.push(run.runId);
    }
    mkdirSync(join(root, "019a1b2c-3d4e-7f00-8a00-0123456789ab")); // unreadable, and oldest
    const newestFirst = [...ids].reverse();
    const failed = (view: { classification: string }) => view.classification === "failed";
    // Failed are runs 0, 3, 6 and 9: the two newest are 9 and 6, the fourth run read.
    const two = await listRuns(root, { limit: 2, filter: failed });
    expect(two.runs.map((run) => run.runId)).toEqual([newestFirst[0], newestFirst[3]]);
    expect(two.unread).toBe(11 - 4);
    const all = await listRuns(root, { filter: failed });
    expect(all.runs).toHaveLength(4);
    expect(all.broken).toEqual([]);
    expect(all.unread).toBe(0);
  });
});

describe("readRun with something other than a file in a file's place", () => {
  it("never waits on a named pipe (a step can make one in its run directory)", async () => {
    const run = await runOfDeadExecutor();
    const pipes = [run.paths.heartbeat, run.paths.status, run.paths.summary, run.paths.meta];
    const meta = readFileSync(run.paths.meta);
    for (const path of pipes) {
      rmSync(path, { force: true });
      execFileSync("mkfifo", [path]);
    }
    // The reads are synchronous: a reader stuck in open(2) is released by a writer after 2 s
    // and shows as the time it took, not as a test that never ends.
    releasePipesAfter(pipes, 2000);
    const started = performance.now();
    expect(() => readRunSync(run.directory)).toThrow(/named pipe/);
    rmSync(run.paths.meta);
    writeFileSync(run.paths.meta, meta);
    const view = await readRun(run.directory);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(view.classification).toBe("crashed");
    expect(view.problems).toHaveLength(3);
  });
});
