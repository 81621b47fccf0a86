import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ShowJson, ShowJsonSchema } from "../src/index.js";
import { cli, useScratch } from "./cli.js";
import { deadPid, fabricateRun } from "./fabricate.js";
import { runIdFor } from "./fixtures.js";
import { startGatedRun } from "./gated-run.js";

const scratch = useScratch();

async function showJson(reference: string, env: Record<string, string> = {}): Promise<ShowJson> {
  const result = await cli(["show", reference, "--json"], { runsDir: scratch.runsDir, env });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return ShowJsonSchema.parse(JSON.parse(result.stdout));
}

/** The lines of show's header, by label: `state` → `failed: step compile failed (exit 2)`. */
function labelled(stdout: string): Record<string, string> {
  const header = stdout.slice(0, stdout.indexOf("\n\n"));
  return Object.fromEntries(
    header.split("\n").map((line) => [line.slice(0, 10).trim(), line.slice(10)]),
  );
}

describe("runyard show", () => {
  it("shows a failed run: why it ended, each step with its exit code and captures", async () => {
    expect(
      (await cli(["run", "examples/failing.yaml", "-q"], { runsDir: scratch.runsDir })).code,
    ).toBe(1);
    const show = await cli(["show", "latest"], { runsDir: scratch.runsDir });
    expect(show.code).toBe(0);
    const header = labelled(show.stdout);
    expect(header.state).toBe("failed: step compile failed (exit 2)");
    expect(header.workflow).toMatch(/^failing {2}\/.*examples\/failing\.yaml$/);
    expect(header.started).toMatch(/ on \S+ by \S+ in /);
    expect(header.ended).toMatch(/^\d{4}-\d\d-\d\dT.*, after \d+\.\ds$/);
    const json = await showJson("latest");
    expect(header.directory).toBe(json.directory);
    const table = show.stdout
      .slice(show.stdout.indexOf("\n\n") + 2)
      .trimEnd()
      .split("\n");
    expect(table[0]).toMatch(/^STEP\s+STATUS\s+ATTEMPT\s+EXIT\s+DURATION\s+OUTPUT\s+NOTE$/);
    expect(table[1]).toMatch(
      /^compile\s+failed\s+1\s+2\s+\d+\.\ds\s+000001-compile\.out 13 B, 000001-compile\.err 30 B$/,
    );
    expect(table[2]).toMatch(/^test\s+skipped\s+-\s+-\s+-\s+-\s+needs "compile", which failed$/);
    expect(table[3]).toMatch(/^lint\s+completed\s+1\s+0\s+/);
    expect(show.stderr).toBe(`output: runyard logs ${json.shortId} compile\n`);

    expect(json).toMatchObject({
      state: "failed",
      reason: "step compile failed (exit 2)",
      workflowName: "failing",
      otherHost: false,
      lastSeenAt: expect.any(String),
    });
    expect(json.durationMs).toBe(Date.parse(json.endedAt ?? "") - Date.parse(json.startedAt));
    const [compile] = json.steps;
    expect(compile).toMatchObject({ id: "compile", status: "failed", attempt: 1, exitCode: 2 });
    for (const capture of compile?.captures ?? [])
      expect(capture.size).toBe(statSync(capture.path).size);
    expect(compile?.captures.map((capture) => capture.name)).toEqual([
      "000001-compile.out",
      "000001-compile.err",
    ]);
    expect(json.steps[1]).toMatchObject({
      id: "test",
      attempt: null,
      durationMs: null,
      captures: [],
    });
    // The short id is what the other commands take.
    expect((await showJson(json.shortId)).runId).toBe(json.runId);
  });

  it("shows a successful run with its params and says every step completed", async () => {
    const file = join(scratch.directory, "params.yaml");
    writeFileSync(file, "params:\n  sample: x\nsteps:\n  show: {run: 'echo $sample'}\n");
    const run = await cli(["run", file, "-q", "-p", "sample=NA12878"], {
      runsDir: scratch.runsDir,
    });
    expect(run.code).toBe(0);
    const show = await cli(["show", "latest"], { runsDir: scratch.runsDir });
    const header = labelled(show.stdout);
    expect(header.state).toBe("success: its step completed");
    expect(header.params).toBe("sample=NA12878");
    expect(show.stdout).toMatch(
      /\nshow\s+completed\s+1\s+0\s+\d+\.\ds\s+000001-show\.out 8 B, 000001-show\.err 0 B\n/,
    );
    expect((await showJson("latest")).params).toEqual({ sample: "NA12878" });
  });

  it("shows a crashed run's duration frozen at its last heartbeat, and why it is crashed", async () => {
    const pid = await deadPid();
    const started = Date.now() - 3_600_000;
    const startedAt = new Date(started).toISOString();
    const stepStartedAt = new Date(started + 1000).toISOString();
    fabricateRun(scratch.runsDir, {
      runId: runIdFor(1),
      startedAt,
      meta: { pid },
      heartbeat: started + 600_000,
      updatedAt: stepStartedAt,
      steps: [
        {
          name: "build",
          nodeId: "build",
          status: "running",
          seq: 1,
          attempt: 1,
          startedAt: stepStartedAt,
        },
        { name: "test", nodeId: "test", status: "pending" },
      ],
      events: [
        {
          type: "step-start",
          ts: stepStartedAt,
          stepId: "build",
          name: "build",
          nodeId: "build",
          captureSeq: 1,
          attempt: 1,
          out: "000001-build.out",
          err: "000001-build.err",
          backend: "local",
        },
      ],
      captures: { "000001-build.out": "compiling\n", "000001-build.err": "" },
    });
    const show = await cli(["show", "latest"], { runsDir: scratch.runsDir });
    const header = labelled(show.stdout);
    expect(header.state).toBe(`crashed: executor pid ${pid} is not running`);
    expect(header["last seen"]).toBe(`${new Date(started + 600_000).toISOString()}, after 10m00s`);
    expect(show.stdout).toMatch(/\nbuild\s+running\s+1\s+-\s+9m59s\s+000001-build\.out 10 B/);
    const json = await showJson("latest");
    expect(json).toMatchObject({ state: "crashed", endedAt: null, durationMs: 600_000 });
    expect(json.steps[0]?.durationMs).toBe(599_000);
  });

  it("shows a running run, and says when it was started on another host", async () => {
    const run = await startGatedRun(scratch);
    const json = await showJson("latest");
    expect(json).toMatchObject({ state: "running", endedAt: null, otherHost: false });
    expect(json.reason).toMatch(/^executor pid \d+ is running$/);
    const show = await cli(["show", "latest"], { runsDir: scratch.runsDir });
    expect(labelled(show.stdout).running).toMatch(/^for \d+\.\ds$/);

    const elsewhere = await cli(["show", "latest"], {
      runsDir: scratch.runsDir,
      env: { RUNYARD_HOSTNAME: "login02" },
    });
    expect(labelled(elsewhere.stdout).started).toContain(
      "(another host than login02: live updates only there)",
    );
    expect((await showJson("latest", { RUNYARD_HOSTNAME: "login02" })).otherHost).toBe(true);
    run.open();
    expect((await run.done).code).toBe(0);
    expect((await showJson("latest")).state).toBe("success");
  });

  it("attach to a run stopped by a full disk says so, from its run-end event", async () => {
    // As a view that reads the end from the file finds it (the run ended before it connected).
    const startedAt = "2026-06-05T14:23:00.000Z";
    const endedAt = "2026-06-05T14:23:01.000Z";
    const reason = "disk full: cannot write 000001-big.out: no space left on device (ENOSPC)";
    fabricateRun(scratch.runsDir, {
      runId: runIdFor(2),
      startedAt,
      meta: { finalStatus: "failed", endedAt },
      steps: [
        {
          name: "big",
          nodeId: "big",
          status: "failed",
          seq: 1,
          attempt: 1,
          startedAt,
          endedAt,
          exitCode: 1,
          signal: null,
          reason,
        },
      ],
      events: [
        {
          type: "run-end",
          ts: endedAt,
          finalStatus: "failed",
          durationMs: 1000,
          reason,
          error: { code: "E_DISK_FULL", message: reason, system: { code: "ENOSPC" } },
        },
      ],
    });
    const attach = await cli(["attach", runIdFor(2)], { runsDir: scratch.runsDir });
    expect(attach.code).toBe(1);
    expect(attach.stderr).toContain(
      `error: the executor could not keep the run's record: ${reason}\n`,
    );
  });

  it("says why a run was cancelled, from its run-end event", async () => {
    const startedAt = "2026-06-05T14:23:00.000Z";
    const endedAt = "2026-06-05T14:25:00.000Z";
    fabricateRun(scratch.runsDir, {
      runId: runIdFor(1),
      startedAt,
      meta: { finalStatus: "cancelled", endedAt },
      steps: [
        {
          name: "build",
          nodeId: "build",
          status: "cancelled",
          seq: 1,
          attempt: 1,
          startedAt,
          endedAt,
          exitCode: null,
          signal: "SIGTERM",
          reason: "cancelled by a client",
        },
      ],
      events: [
        {
          type: "run-end",
          ts: endedAt,
          finalStatus: "cancelled",
          durationMs: 120_000,
          reason: "cancelled by a client",
        },
      ],
    });
    const show = await cli(["show", "00000001"], { runsDir: scratch.runsDir });
    expect(labelled(show.stdout).state).toBe("cancelled: cancelled by a client");
    expect(labelled(show.stdout).ended).toBe(`${endedAt}, after 2m00s`);
    expect(show.stdout).toMatch(/\nbuild\s+cancelled\s+1\s+SIGTERM\s+2m00s\s+-$/m);
  });

  it("names a run that does not exist, exit 4", async () => {
    const show = await cli(["show", "0123abcd"], { runsDir: scratch.runsDir });
    expect(show.code).toBe(4);
    expect(show.stderr).toContain("error: no run 0123abcd in");
  });
});
