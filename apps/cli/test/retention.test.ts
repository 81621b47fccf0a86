// runyard rm, gc and du on real run directories: every outcome, symlinks in and out of the runs
// root, removals cut short, a live run cancelled by rm --force. The user's view is checked:
// what is printed, what is left on disk, and that nothing outside the runs root changed.
import { once } from "node:events";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { createIpcServer } from "@runyard/ipc";
import { LenientRunMetaSchema, LenientRunStatusSchema } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import { DuResultJsonSchema, GcResultJsonSchema, RmResultJsonSchema } from "../src/index.js";
import { cli, startCli, useScratch } from "./cli.js";
import { realRun, runIdFor } from "./fixtures.js";
import { type RunState, runInState } from "./run-states.js";

const scratch = useScratch();
const DAY = 86_400_000;

/** A tree outside the runs root that links point into; it must never change. */
function outsideTree(): { directory: string; check: () => void } {
  const directory = join(scratch.directory, "outside");
  mkdirSync(join(directory, "data"), { recursive: true });
  writeFileSync(join(directory, "precious.txt"), "keep me\n");
  writeFileSync(join(directory, "data", "results.csv"), "1,2,3\n");
  return {
    directory,
    check: () => {
      expect(readdirSync(directory).sort()).toEqual(["data", "precious.txt"]);
      expect(readFileSync(join(directory, "precious.txt"), "utf8")).toBe("keep me\n");
      expect(readFileSync(join(directory, "data", "results.csv"), "utf8")).toBe("1,2,3\n");
    },
  };
}

/** A runs root holding a run in each state, ids in this order (the last is the newest). */
async function runsInEveryState(states: readonly RunState[]): Promise<Record<RunState, string>> {
  const source = await realRun(join(scratch.directory, "source-runs"));
  const ids = {} as Record<RunState, string>;
  states.forEach((state, index) => {
    ids[state] = runIdFor(index + 1);
    runInState(source, scratch.runsDir, ids[state], state);
  });
  return ids;
}

const short = (runId: string) => runId.slice(-8);

describe("help", () => {
  it("lists rm, gc and du, and says how to use each", async () => {
    const help = await cli(["--help"], { runsDir: scratch.runsDir });
    for (const command of ["rm", "gc", "du"])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    const gc = await cli(["gc", "--help"], { runsDir: scratch.runsDir });
    expect(gc.stdout).toContain("Usage: runyard gc [options]");
    expect(gc.stdout).toContain("    maxTotalSize: 10GiB");
    const rm = await cli(["rm"], { runsDir: scratch.runsDir });
    expect(rm.code).toBe(2);
    expect(rm.stderr).toBe(
      "error: missing the run to remove\nhint: usage: runyard rm <run>... [options]\n",
    );
  });
});

describe("runyard gc", () => {
  it("removes what the default policy says and nothing else, after a dry run that removes nothing", async () => {
    const ids = await runsInEveryState([
      "success",
      "failed",
      "cancelled",
      "crashed",
      "running",
      "unknown",
    ]);
    const outside = outsideTree();
    // Links from inside a run to outside: removed as links, never followed.
    const artifacts = join(scratch.runsDir, ids.success, "artifacts");
    symlinkSync(join(outside.directory, "precious.txt"), join(artifacts, "file-link"));
    symlinkSync(outside.directory, join(artifacts, "directory-link"));
    // A run id entry that is a link to a directory outside, and a removal cut short.
    const linked = "019ab3c2-5e1f-7a40-9c3d-0123456789ab";
    symlinkSync(outside.directory, join(scratch.runsDir, linked));
    const unfinished = `.removing-${runIdFor(99)}-0a1b2c3d`;
    mkdirSync(join(scratch.runsDir, unfinished, "artifacts"), { recursive: true });
    const unreadable = runIdFor(50);
    mkdirSync(join(scratch.runsDir, unreadable));
    writeFileSync(join(scratch.runsDir, unreadable, "meta.json"), "{");
    const before = readdirSync(scratch.runsDir).sort();

    const dry = await cli(["gc", "--dry-run"], { runsDir: scratch.runsDir });
    expect(dry.code).toBe(0);
    expect(dry.stderr).toBe(
      "policy (the default): success delete, cancelled delete, failed keep, crashed keep\n",
    );
    const lines = dry.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("would remove 2 runs:");
    expect(lines[1]).toMatch(/^RUN\s+WORKFLOW\s+STATE\s+ENDED\s+SIZE\s+WHY$/);
    expect(lines[2]).toMatch(
      new RegExp(
        `^${short(ids.success)}\\s+hello\\s+success\\s+1h ago\\s+[\\d.]+ kB\\s+retention\\.success: delete$`,
      ),
    );
    expect(lines[3]).toMatch(new RegExp(`^${short(ids.cancelled)}\\s+hello\\s+cancelled\\s`));
    expect(lines[4]).toMatch(/^would finish 1 removal cut short earlier \(/);
    expect(lines[5]).toMatch(
      /^would free [\d.]+ kB; 5 runs kept \([\d.]+ kB\); nothing was removed \(--dry-run\)$/,
    );
    expect(readdirSync(scratch.runsDir).sort()).toEqual(before);

    const plan = GcResultJsonSchema.parse(
      JSON.parse((await cli(["gc", "-n", "--json"], { runsDir: scratch.runsDir })).stdout),
    );
    expect(plan.dryRun).toBe(true);
    expect(plan.removed.map((run) => [run.runId, run.state])).toEqual([
      [ids.success, "success"],
      [ids.cancelled, "cancelled"],
    ]);
    expect(Object.fromEntries(plan.kept.map((run) => [run.state, run.runId]))).toEqual({
      failed: ids.failed,
      crashed: ids.crashed,
      running: ids.running,
      unknown: ids.unknown,
      unreadable,
    });
    expect(plan.pendingRemovals.map((removal) => removal.name)).toEqual([unfinished]);
    expect(readdirSync(scratch.runsDir).sort()).toEqual(before);

    const gc = await cli(["gc", "--json"], { runsDir: scratch.runsDir });
    expect(gc.code).toBe(0);
    const done = GcResultJsonSchema.parse(JSON.parse(gc.stdout));
    expect(done.removed.map((run) => run.runId)).toEqual([ids.success, ids.cancelled]);
    expect(done.failed).toEqual([]);
    expect(done.freedBytes).toBe(plan.freedBytes);
    expect(readdirSync(scratch.runsDir).sort()).toEqual(
      [ids.failed, ids.crashed, ids.running, ids.unknown, unreadable, linked].sort(),
    );
    outside.check();

    const again = await cli(["gc"], { runsDir: scratch.runsDir });
    expect(again.stdout).toMatch(/^nothing to remove in .*; 5 runs kept \([\d.]+ kB\)\n$/);
  });

  it("takes the policy from the config's retention block, and names a wrong line", async () => {
    const home = join(scratch.directory, "home");
    mkdirSync(home);
    const env = { RUNYARD_HOME: home };
    const source = await realRun(join(scratch.directory, "source-runs"));
    const oldFailure = runInState(
      source,
      scratch.runsDir,
      runIdFor(1),
      "failed",
      Date.now() - 3 * DAY,
    );
    runInState(source, scratch.runsDir, runIdFor(2), "failed", Date.now() - DAY);
    runInState(source, scratch.runsDir, runIdFor(3), "success");
    writeFileSync(join(home, "config.yaml"), "retention:\n  success: keep\n  failed: 2d\n");

    const gc = await cli(["gc"], { runsDir: scratch.runsDir, env });
    expect(gc.code).toBe(0);
    expect(gc.stderr).toBe(
      `policy (from ${join(home, "config.yaml")}): success keep, cancelled delete, failed 2d, crashed keep\n`,
    );
    expect(gc.stdout).toMatch(
      new RegExp(
        `^${short(runIdFor(1))}\\s+hello\\s+failed\\s+3d ago\\s+.*ended 3d ago, past retention\\.failed: 2d$`,
        "m",
      ),
    );
    expect(existsSync(oldFailure)).toBe(false);
    expect(readdirSync(scratch.runsDir).sort()).toEqual([runIdFor(2), runIdFor(3)]);

    writeFileSync(join(home, "config.yaml"), "retention:\n  success: keep\n  failed: 2 days\n");
    const broken = await cli(["gc"], { runsDir: scratch.runsDir, env });
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain(
      `${join(home, "config.yaml")}:3:11: retention.failed: expected keep, delete or a duration such as "7d" or "12h", found "2 days"`,
    );
    expect(readdirSync(scratch.runsDir)).toHaveLength(2);
  });
});

describe("runyard du", () => {
  it("lists runs largest first with their size, and the total", async () => {
    const source = await realRun(join(scratch.directory, "source-runs"));
    runInState(source, scratch.runsDir, runIdFor(1), "failed");
    const big = runInState(source, scratch.runsDir, runIdFor(2), "success");
    writeFileSync(join(big, "artifacts", "model.bin"), Buffer.alloc(3_000_000, 1));
    const du = await cli(["du"], { runsDir: scratch.runsDir });
    expect(du.code).toBe(0);
    const lines = du.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^RUN\s+WORKFLOW\s+STATE\s+STARTED\s+SIZE$/);
    expect(lines[1]).toMatch(
      new RegExp(`^${short(runIdFor(2))}\\s+hello\\s+success\\s+1h ago\\s+3\\.\\d MB$`),
    );
    expect(lines[2]).toMatch(new RegExp(`^${short(runIdFor(1))}\\s+hello\\s+failed\\s`));
    expect(lines[3]).toMatch(/^total 3\.\d MB in 2 runs, in /);

    const json = DuResultJsonSchema.parse(
      JSON.parse((await cli(["du", "--json"], { runsDir: scratch.runsDir })).stdout),
    );
    expect(json.runs.map((run) => run.runId)).toEqual([runIdFor(2), runIdFor(1)]);
    expect(json.totalBytes).toBe(json.runs.reduce((sum, run) => sum + run.bytes, 0));
  });
});

describe("runyard rm", () => {
  it("removes runs by the end of their id or 'latest', and refuses a running one", async () => {
    const ids = await runsInEveryState(["success", "failed", "running"]);
    const refused = await cli(["rm", "latest"], { runsDir: scratch.runsDir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `error: run ${ids.running} is running (executor pid ${process.pid} is running)\n` +
        `hint: wait for it to end, or cancel it and remove it at once with: runyard rm --force ${ids.running}\n`,
    );
    expect(readdirSync(scratch.runsDir)).toHaveLength(3);

    const rm = await cli(["rm", short(ids.success), short(ids.failed)], {
      runsDir: scratch.runsDir,
    });
    expect(rm.code).toBe(0);
    expect(rm.stdout).toMatch(
      new RegExp(
        `^removed ${short(ids.success)} \\(hello, success, [\\d.]+ kB\\)\\nremoved ${short(ids.failed)} \\(hello, failed, [\\d.]+ kB\\)\\nfreed [\\d.]+ kB\\n$`,
      ),
    );
    expect(readdirSync(scratch.runsDir)).toEqual([ids.running]);
  });

  it("removes nothing when one run given is not there, and never a link in a run's place", async () => {
    const ids = await runsInEveryState(["success"]);
    const outside = outsideTree();
    const linked = "019ab3c2-5e1f-7a40-9c3d-0123456789ab";
    symlinkSync(outside.directory, join(scratch.runsDir, linked));
    const rm = await cli(["rm", short(ids.success), "0123456789ab"], { runsDir: scratch.runsDir });
    expect(rm.code).toBe(4);
    expect(rm.stderr).toContain(
      `${join(scratch.runsDir, linked)} is a symbolic link, which is never read as a run`,
    );
    expect(readdirSync(scratch.runsDir).sort()).toEqual([ids.success, linked].sort());
    outside.check();
  });

  it("--force cancels a live run, waits for it to end cancelled, then removes it", async () => {
    const workflow = join(scratch.directory, "sleepy.yaml");
    const pidFile = join(scratch.directory, "step.pid");
    writeFileSync(
      workflow,
      `name: sleepy\nsteps:\n  nap:\n    run: echo $$ > ${pidFile}; exec sleep 60\n`,
    );
    const run = startCli(["run", workflow], { runsDir: scratch.runsDir });
    let stderr = "";
    run.child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    while (!/nap\s+started/.test(stderr))
      await once(run.child.stderr as NodeJS.ReadableStream, "data");
    const [runId] = readdirSync(scratch.runsDir);

    const rm = await cli(["rm", "--force", "--json", "latest"], { runsDir: scratch.runsDir });
    expect(rm.stderr).toBe(`cancelling run ${short(runId as string)} (sleepy)…\n`);
    expect(rm.code).toBe(0);
    const result = RmResultJsonSchema.parse(JSON.parse(rm.stdout));
    expect(result.removed).toMatchObject([
      { runId, workflowName: "sleepy", state: "cancelled", cancelled: true },
    ]);
    expect(readdirSync(scratch.runsDir)).toEqual([]);
    const ran = await run.done;
    expect(ran.code).toBe(130);
    expect(ran.stderr).toContain("cancelled");
    const stepPid = Number(readFileSync(pidFile, "utf8"));
    expect(() => process.kill(stepPid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
  });

  it("--force says so, and leaves the run, when the run does not end in time", async () => {
    const ids = await runsInEveryState(["running"]);
    const directory = join(scratch.runsDir, ids.running);
    const meta = LenientRunMetaSchema.parse(
      JSON.parse(readFileSync(join(directory, "meta.json"), "utf8")),
    );
    const status = LenientRunStatusSchema.parse(
      JSON.parse(readFileSync(join(directory, "status.json"), "utf8")),
    );
    // An executor that takes the cancel and never ends the run.
    const requests: unknown[] = [];
    const server = await createIpcServer(join(directory, "ipc.sock"), {
      snapshot: () => ({ meta, status, lastSeq: 0 }),
      replay: async function* () {},
      cancel: (request) => {
        requests.push(request);
      },
    });
    try {
      const rm = await cli(["rm", "--force", "--wait", "1s", short(ids.running)], {
        runsDir: scratch.runsDir,
      });
      expect(rm.code).toBe(1);
      expect(rm.stderr).toContain(
        `error: run ${ids.running} did not end within 1 s of the cancel\n`,
      );
      expect(rm.stderr).toContain(`or stop its executor (pid ${process.pid})`);
      expect(requests).toMatchObject([{ reason: "runyard rm --force", force: false }]);
      expect(readdirSync(scratch.runsDir)).toEqual([ids.running]);
    } finally {
      await server.close(null);
    }
  });
});
