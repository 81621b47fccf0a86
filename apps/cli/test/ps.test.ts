import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PsLineJsonSchema } from "../src/index.js";
import { cli, REPO, useScratch } from "./cli.js";
import { deadPid, fabricateRun } from "./fabricate.js";
import { copyRun, realRun, runIdFor } from "./fixtures.js";

const scratch = useScratch();

/** `ps --json`'s lines, each checked against the schema the runyard package exports. */
async function psJson(args: string[] = [], env: Record<string, string> = {}) {
  const result = await cli(["ps", "--json", ...args], { runsDir: scratch.runsDir, env });
  expect(result.code).toBe(0);
  return result.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => PsLineJsonSchema.parse(JSON.parse(line)));
}

/** The rows of the ps table, each split into its columns (a column is never empty but WHY). */
async function psRows(args: string[] = [], env: Record<string, string> = {}) {
  const result = await cli(["ps", ...args], { runsDir: scratch.runsDir, env });
  expect(result.code).toBe(0);
  const [header = "", ...rows] = result.stdout.trimEnd().split("\n");
  const starts = [...header.matchAll(/\S+/g)].map((match) => match.index);
  return {
    rows: rows.map((row) =>
      starts.map((start, index) => row.slice(start, starts[index + 1]).trim()),
    ),
    stderr: result.stderr,
  };
}

describe("runyard ps", () => {
  it("with -n 3 reads only the newest three runs and says how many it left out", async () => {
    const source = await realRun(scratch.runsDir);
    // The oldest run is unreadable: reading it would print a warning.
    mkdirSync(join(scratch.runsDir, runIdFor(1)));
    for (let index = 2; index <= 6; index += 1) copyRun(source, scratch.runsDir, runIdFor(index));
    const ps = await cli(["ps", "-n", "3"], { runsDir: scratch.runsDir });
    expect(ps.code).toBe(0);
    const rows = ps.stdout.trimEnd().split("\n").slice(1);
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual([
      source.slice(-8),
      runIdFor(6).slice(-8),
      runIdFor(5).slice(-8),
    ]);
    expect(ps.stderr).toBe("(4 older runs not shown; -n 0 shows all)\n");

    const all = await cli(["ps", "-n", "0"], { runsDir: scratch.runsDir });
    expect(all.stderr).toContain(`warning: unreadable run ${runIdFor(1)}: `);
  });

  it("lists thousands of runs within a small open-files limit, none called unreadable", async () => {
    const source = await realRun(scratch.runsDir);
    for (let index = 1; index <= 400; index += 1) copyRun(source, scratch.runsDir, runIdFor(index));
    const ps = await cli(["ps", "-n", "0"], { runsDir: scratch.runsDir, shell: "ulimit -n 128" });
    expect(ps.stderr).toBe("");
    expect(ps.code).toBe(0);
    expect(ps.stdout.trimEnd().split("\n")).toHaveLength(402);
  });

  it("warns about a corrupt status.json instead of showing 0/0 steps", async () => {
    const directory = await realRun(scratch.runsDir);
    writeFileSync(join(directory, "status.json"), '{"steps": [');
    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.code).toBe(0);
    expect(ps.stdout.trimEnd().split("\n")[1]).toMatch(/hello\s+success\s.*\s-$/);
    expect(ps.stderr).toMatch(
      new RegExp(`^warning: run ${directory.slice(-36)}: status\\.json: invalid JSON`, "m"),
    );
    const [json] = await psJson();
    expect(json).toMatchObject({
      problems: [expect.stringContaining("status.json: invalid JSON")],
    });
  });

  it("keeps unreadable runs in --json, with state unreadable and the error", async () => {
    const directory = await realRun(scratch.runsDir);
    const broken = runIdFor(1);
    mkdirSync(join(scratch.runsDir, broken));
    writeFileSync(join(scratch.runsDir, broken, "meta.json"), "{");
    const lines = await psJson();
    expect(lines.map((line) => [line.runId, line.state])).toEqual([
      [directory.slice(-36), "success"],
      [broken, "unreadable"],
    ]);
    expect(lines[1]).toMatchObject({ error: expect.stringMatching(/meta\.json: invalid JSON/) });
  });

  it("takes run_summary.jsonl's run-end when meta.json was never finalised", async () => {
    // What a full disk leaves: the summary got its last line, meta.json did not.
    const directory = await realRun(scratch.runsDir, "examples/failing.yaml");
    const metaFile = join(directory, "meta.json");
    const meta = JSON.parse(readFileSync(metaFile, "utf8"));
    writeFileSync(metaFile, JSON.stringify({ ...meta, finalStatus: null, endedAt: null }));
    const [run] = await psJson();
    expect(run).toMatchObject({
      state: "failed",
      reason:
        "step compile failed (exit 2) (meta.json was not finalised; run_summary.jsonl says failed)",
    });
    expect(run).toMatchObject({ endedAt: expect.stringMatching(/^\d{4}-/) });
    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.stdout).toMatch(/failing\s+failed\s/);

    // Without the run-end line the executor is gone and nothing says how it ended.
    const summary = join(directory, "run_summary.jsonl");
    const lines = readFileSync(summary, "utf8").trimEnd().split("\n");
    writeFileSync(summary, `${lines.slice(0, -1).join("\n")}\n`);
    expect((await psJson())[0]?.state).toBe("crashed");
  });

  it("says a run directory was written by a newer Runyard", async () => {
    const directory = await realRun(scratch.runsDir);
    const metaFile = join(directory, "meta.json");
    const meta = JSON.parse(readFileSync(metaFile, "utf8"));
    writeFileSync(metaFile, JSON.stringify({ ...meta, schemaVersion: 99 }));
    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.stderr).toContain(
      `warning: run ${directory.slice(-36)}: meta.json: written by a newer Runyard (schema version 99); upgrade runyard`,
    );
  });

  it("--state lists only runs in those states, and refuses a state that does not exist", async () => {
    const pid = await deadPid();
    const ended = (finalStatus: "success" | "failed" | "cancelled") => ({
      finalStatus,
      endedAt: "2026-06-05T14:25:00.000Z",
    });
    const startedAt = "2026-06-05T14:23:00.000Z";
    fabricateRun(scratch.runsDir, {
      runId: runIdFor(1),
      startedAt,
      meta: ended("success"),
      steps: [],
    });
    fabricateRun(scratch.runsDir, {
      runId: runIdFor(2),
      startedAt,
      meta: ended("failed"),
      steps: [],
    });
    fabricateRun(scratch.runsDir, { runId: runIdFor(3), startedAt, meta: { pid }, steps: [] });
    fabricateRun(scratch.runsDir, {
      runId: runIdFor(4),
      startedAt,
      meta: ended("cancelled"),
      steps: [],
    });
    const ids = async (args: string[]) =>
      (await psRows(args)).rows.map(([id, , state]) => `${id} ${state}`);
    expect(await ids(["--state", "failed"])).toEqual(["00000002 failed"]);
    const failedOrCrashed = ["00000003 crashed", "00000002 failed"];
    expect(await ids(["--state", "failed,crashed"])).toEqual(failedOrCrashed);
    expect(await ids(["-s", "crashed", "--state", "FAILED"])).toEqual(failedOrCrashed);
    expect((await psJson(["--state", "cancelled"])).map((run) => run.runId)).toEqual([runIdFor(4)]);
    // Only the newest one that matches is read: the older runs are not searched.
    const newest = await cli(["ps", "-s", "success,failed", "-n", "1"], {
      runsDir: scratch.runsDir,
    });
    expect(newest.stdout).toMatch(/\n00000002 /);
    expect(newest.stderr).toBe("(1 older runs not searched; -n 0 searches all)\n");

    const none = await cli(["ps", "--state", "running"], { runsDir: scratch.runsDir });
    expect([none.code, none.stdout]).toEqual([0, ""]);
    expect(none.stderr).toBe(`no running runs in ${scratch.runsDir}\n`);
    const bad = await cli(["ps", "--state", "failed,done"], { runsDir: scratch.runsDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'error: unknown state "done" for --state\nhint: valid states: running, success, failed, cancelled, crashed, unknown\n',
    );
  });

  it("marks runs started on another host, judging them by their heartbeat", async () => {
    const here = await realRun(scratch.runsDir);
    fabricateRun(scratch.runsDir, {
      runId: runIdFor(1),
      startedAt: new Date(Date.now() - 5000).toISOString(),
      meta: { startedOn: "login07" },
      heartbeat: Date.now(),
      steps: [],
    });
    const { rows, stderr } = await psRows();
    const host = JSON.parse(readFileSync(join(here, "meta.json"), "utf8")).startedOn;
    expect(rows.map(([id, , state, , , hostCell]) => [id, state, hostCell])).toEqual([
      [here.slice(-8), "success", host],
      ["00000001", "running", "login07*"],
    ]);
    expect(stderr).toBe(
      `(* started on another host than ${host}: judged by its heartbeat; live updates only there)\n`,
    );
    // As seen from login07 (RUNYARD_HOSTNAME), the run started here is the one elsewhere.
    const fromLogin07 = await psRows([], { RUNYARD_HOSTNAME: "login07" });
    expect(fromLogin07.rows.map((row) => row[5])).toEqual([`${host}*`, "login07"]);
    expect(await psJson([], { RUNYARD_HOSTNAME: "login07" })).toMatchObject([
      { otherHost: true },
      { otherHost: false },
    ]);
  });

  it("shows short ids that the other commands take, longer where the last 8 are shared", async () => {
    const twin = "01a20000-0000-7000-9000-ffff00000001"; // ends as runIdFor(1) does
    for (const runId of [runIdFor(1), twin, runIdFor(2)]) {
      fabricateRun(scratch.runsDir, { runId, startedAt: "2026-06-05T14:23:00.000Z", steps: [] });
    }
    const shown = (await psRows()).rows.map(([id]) => id ?? "");
    expect(shown).toEqual(["ffff00000001", "00000002", "000000000001"]);
    for (const [index, id] of shown.entries()) {
      const logs = await cli(["logs", id], { runsDir: scratch.runsDir });
      const runId = [twin, runIdFor(2), runIdFor(1)][index];
      expect(logs.stderr).toBe(`run ${runId} has no captured output yet\n`);
    }
    expect((await psJson()).map((run) => run.shortId)).toEqual(shown);
  });

  it("stops a crashed run's duration at its last sign of life, and says why it crashed", async () => {
    const pid = await deadPid();
    const started = Date.now() - 3_600_000;
    fabricateRun(scratch.runsDir, {
      runId: runIdFor(1),
      startedAt: new Date(started).toISOString(),
      meta: { pid },
      heartbeat: started + 600_000,
      steps: [
        {
          name: "build",
          nodeId: "build",
          status: "running",
          startedAt: new Date(started).toISOString(),
        },
      ],
    });
    const { rows } = await psRows();
    expect(rows[0]?.slice(2)).toEqual([
      "crashed",
      "1h ago",
      "10m00s",
      expect.any(String),
      "0/1",
      `executor pid ${pid} is not running`,
    ]);
    const [run] = await psJson();
    expect(run).toMatchObject({
      state: "crashed",
      durationMs: 600_000,
      lastSeenAt: new Date(started + 600_000).toISOString(),
      reason: `executor pid ${pid} is not running`,
    });
  });

  it("refuses an empty --runs-dir instead of listing the working directory", async () => {
    const workflow = join(REPO, "examples/hello.yaml");
    for (const command of [["ps"], ["logs", "latest"], ["run", workflow]]) {
      const result = await cli([...command, "--runs-dir", ""], {
        runsDir: scratch.runsDir,
        cwd: scratch.directory,
      });
      expect([command[0], result.code]).toEqual([command[0], 2]);
      expect(result.stderr).toContain("error: --runs-dir needs a directory, got an empty value");
    }
  });
});
