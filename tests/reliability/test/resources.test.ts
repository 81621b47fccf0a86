// Resources: the machine runs short, and the run ends in its documented state all the same.
// - Descriptors: the CLI under a limit too low to load it says so in words (exit 74). The
//   executor under `ulimit -n 128` with 40 parallel steps. The steps it has
//   no descriptors for fail with the reason (EMFILE); the rest run; the executor lives until
//   run-end and leaves no step process behind.
// - Disk: a runs root on a 2 MiB tmpfs that a step (or another process) fills. The run stops
//   in order: "failed: disk full", run-end with E_DISK_FULL, a final status.json, and
//   executor.log saying so — never "crashed".
// (The IPC connection flood of the same suite lives with the IPC server's tests.)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, cli, isAlive, REPO, sleep, useScratch } from "./support.js";

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

function summaryOf(directory: string): Record<string, unknown>[] {
  return readFileSync(join(directory, "run_summary.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line));
}

function onlyRun(runsDir: string): string {
  const runs = readdirSync(runsDir).filter((name) => !name.startsWith("."));
  expect(runs).toHaveLength(1);
  return join(runsDir, runs[0] as string);
}

/** Pids of every live process whose environment names this run (its steps). */
function stepProcessesOf(runId: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, "utf8");
      if (environ.includes(`RUNYARD_RUN_ID=${runId}\0`) && isAlive(Number(name)))
        pids.push(Number(name));
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return pids;
}

function psLine(runsDir: string, runId: string) {
  const output = execFileSync(process.execPath, [BIN, "ps", "--json"], {
    env: { ...process.env, RUNYARD_RUNS_DIR: runsDir, NO_COLOR: "1" },
    encoding: "utf8",
  });
  const lines = output
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as { runId: string; state: string; reason: string });
  return lines.find((line) => line.runId === runId);
}

describe("resources: open files", () => {
  const scratch = useScratch("ry-rel-fd-");

  it("under a limit too low to load runyard at all, says so in words and what to do, exit 74", async () => {
    // The bundled CLI loads with few files: 32 descriptors are enough to run a workflow.
    for (const limit of [20, 24]) {
      const result = await cli(["run", "--quiet", join(REPO, "examples/hello.yaml")], {
        runsDir: scratch.runsDir,
        shell: `ulimit -n ${limit}`,
      });
      expect(result.code, result.stderr).toBe(74);
      // Out of files while loading; or, when loading squeezed through (the machine's timing),
      // at the executor's spawn: either way said in words, with the limit and what to do.
      expect(result.stderr).toMatch(
        new RegExp(
          `^(runyard: cannot start: too many open files while loading|error: cannot start the run: too many open files) \\(ulimit -n is ${limit}\\)\n` +
            "( {2})?hint: runyard needs at least 128 open files, and each running step a few more; raise the limit \\(ulimit -n 1024\\) and try again\n$",
        ),
      );
    }
    // Nothing was started, so nothing was left behind.
    expect(existsSync(scratch.runsDir) ? readdirSync(scratch.runsDir) : []).toEqual([]);
  });

  // Each running step holds two descriptors in the executor (its captures, read while someone
  // watches): 100 at once do not fit in 128.
  it("100 parallel steps under ulimit -n 128: each completes or fails with EMFILE, and the run ends in order", async () => {
    const steps = Array.from(
      { length: 100 },
      (_, index) => `  s${String(index).padStart(2, "0")}:\n    run: sleep 1\n`,
    );
    const file = join(scratch.directory, "fan-out.yaml");
    writeFileSync(file, `name: fan-out\nsteps:\n${steps.join("")}`);
    const result = await cli(["run", "--max-parallel", "100", "--quiet", file], {
      runsDir: scratch.runsDir,
      shell: "ulimit -n 128",
    });
    const directory = onlyRun(scratch.runsDir);
    const runId = directory.slice(directory.lastIndexOf("/") + 1);
    const events = summaryOf(directory);
    const last = events.at(-1);
    expect(last, "run-end is the last event").toMatchObject({ type: "run-end" });
    const ends = events.filter((event) => event.type === "step-end");
    expect(ends).toHaveLength(100);
    const failed = ends.filter((event) => event.status !== "completed");
    for (const end of failed) {
      expect(end).toMatchObject({
        status: "failed",
        reason: expect.stringMatching(/^could not start: .*too many open files \(EMFILE\)$/),
      });
    }
    // The limit is real: some steps did not get descriptors, and some ran.
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(100);
    expect(last).toMatchObject({ finalStatus: "failed" });
    expect(result.code, result.stderr).toBe(1);
    // The executor lived to the end: meta.json and status.json are final.
    expect(readJson(join(directory, "meta.json"))).toMatchObject({ finalStatus: "failed" });
    const status = readJson(join(directory, "status.json"));
    expect(status.outcome).toMatchObject({ finalStatus: "failed" });
    expect(
      status.steps.filter((step: { status: string }) => step.status === "completed"),
    ).toHaveLength(100 - failed.length);
    expect(readFileSync(join(directory, "executor.log"), "utf8")).not.toMatch(/Unhandled|Error:/);
    expect(psLine(scratch.runsDir, runId)).toMatchObject({ state: "failed" });
    expect(stepProcessesOf(runId)).toEqual([]);
  });
});

describe("resources: a full disk", () => {
  const scratch = useScratch("ry-rel-disk-");
  let mounted: string | undefined;
  const root = process.getuid?.() === 0;
  if (!root) console.log("resources: a full disk: skipped, mounting a tmpfs needs root");

  beforeEach(() => {
    if (!root) return;
    mounted = join(scratch.directory, "small");
    mkdirSync(mounted);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mounted]);
  });

  afterEach(() => {
    if (mounted === undefined) return;
    // A step process left in there would keep the mount busy: wait it out, then detach.
    execFileSync("umount", ["-l", mounted]);
    mounted = undefined;
  });

  /** Asserts the documented end of a run that filled its disk; returns its directory. */
  function expectDiskFull(runsDir: string, result: { code: number | null; stderr: string }) {
    const directory = onlyRun(runsDir);
    const runId = directory.slice(directory.lastIndexOf("/") + 1);
    expect(result.code, result.stderr).toBe(74);
    expect(result.stderr).toMatch(/disk full/);
    const events = summaryOf(directory);
    const end = events.at(-1);
    expect(end).toMatchObject({
      type: "run-end",
      finalStatus: "failed",
      reason: expect.stringMatching(/^disk full: /),
      error: { code: "E_DISK_FULL", system: { code: "ENOSPC" } },
    });
    const status = readJson(join(directory, "status.json"));
    expect(status.seq).toBe(end?.seq);
    expect(status.outcome).toMatchObject({ finalStatus: "failed", code: "E_DISK_FULL" });
    expect(
      status.steps.filter((step: { status: string }) =>
        ["pending", "running"].includes(step.status),
      ),
      "every step has ended in status.json",
    ).toEqual([]);
    expect(readJson(join(directory, "meta.json"))).toMatchObject({ finalStatus: "failed" });
    expect(readFileSync(join(directory, "executor.log"), "utf8")).toMatch(
      /^\S+ error run stopped: disk full \(E_DISK_FULL\): /,
    );
    expect(psLine(runsDir, runId)).toMatchObject({
      state: "failed",
      reason: expect.stringMatching(/^disk full: /),
    });
    return { directory, runId, events, status };
  }

  it.skipIf(!root)(
    "a step that fills the disk fails with 'disk full', the rest are not started",
    async () => {
      const runsDir = join(mounted as string, "runs");
      const file = join(scratch.directory, "fill.yaml");
      writeFileSync(
        file,
        `name: fill
steps:
  small:
    run: echo small
  big:
    needs: small
    run: head -c 4000000 /dev/zero | tr '\\0' x
  after:
    needs: big
    run: echo never
`,
      );
      const result = await cli(["run", "--quiet", file], { runsDir });
      const { status, runId } = expectDiskFull(runsDir, result);
      const steps = Object.fromEntries(
        status.steps.map((step: { nodeId: string }) => [step.nodeId, step]),
      );
      expect(steps.small).toMatchObject({ status: "completed" });
      expect(steps.big).toMatchObject({
        status: "failed",
        reason: expect.stringMatching(/^disk full: cannot write 000002-big\.out/),
      });
      expect(steps.after).toMatchObject({
        status: "cancelled",
        reason: "not started: the run was cancelled (disk full)",
      });
      const show = await cli(["show", runId], { runsDir });
      expect(show.stdout).toMatch(/^state\s+failed: disk full: /m);
      expect(stepProcessesOf(runId)).toEqual([]);
    },
  );

  it.skipIf(!root)(
    "a disk filled by another process during the run stops it in order",
    async () => {
      const runsDir = join(mounted as string, "runs");
      const file = join(scratch.directory, "slow.yaml");
      const gate = join(scratch.directory, "filled");
      // `wait` holds until the disk is full, then writes; `other` would run for 30 s.
      writeFileSync(
        file,
        `name: slow
steps:
  wait:
    run: while [ ! -e "${gate}" ]; do sleep 0.05; done; echo "after the disk filled up"
  other:
    run: sleep 30
  later:
    needs: wait
    run: echo never
`,
      );
      const run = cli(["run", "--quiet", file], { runsDir });
      // Fill the disk once the run is under way, from outside it.
      for (let tries = 0; tries < 200; tries += 1) {
        const runs = (() => {
          try {
            return readdirSync(runsDir).filter((name) => !name.startsWith("."));
          } catch {
            return [];
          }
        })();
        if (
          runs.length === 1 &&
          readdirSync(join(runsDir, runs[0] as string)).includes("000002-other.out")
        )
          break;
        await sleep(50);
      }
      try {
        execFileSync("dd", ["if=/dev/zero", `of=${join(mounted as string, "filler")}`, "bs=4k"], {
          stdio: "ignore",
        });
      } catch {
        // dd ends with ENOSPC: the point.
      }
      writeFileSync(gate, "");
      const result = await run;
      const { status, runId } = expectDiskFull(runsDir, result);
      const steps = Object.fromEntries(
        status.steps.map((step: { nodeId: string }) => [step.nodeId, step]),
      );
      // The first write to find no room may be `wait`'s output (it fails) or a status.json
      // snapshot of the steps' start (then every running step is stopped with the run).
      expect(steps.wait).toMatchObject({
        status: expect.stringMatching(/^(failed|cancelled)$/),
        reason: expect.stringMatching(/^disk full/),
      });
      expect(steps.other).toMatchObject({ status: "cancelled", reason: "disk full" });
      expect(steps.later).toMatchObject({
        status: "cancelled",
        reason: "not started: the run was cancelled (disk full)",
      });
      expect(stepProcessesOf(runId)).toEqual([]);
    },
  );
});
