// A crashed run whose Slurm jobs go on, as a user meets it: `ps` and `show` say the jobs still
// run (and `show` how to take them over or stop them), `rm` leaves the run to them unless
// --force (which cancels them), and `runyard resume` adopts them — the run ends with the same
// jobs, none submitted again. Against the project's test cluster.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import {
  hasSlurm,
  SLURM_CONF,
  slurmJob,
  slurmJobsNamed,
} from "../../../packages/executor/test/slurm-cluster.js";
import { RunStartedJsonSchema } from "../src/index.js";
import { cli, REPO, useScratch } from "./cli.js";

const scratch = useScratch();
const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

/** The job id of step `stepId` once status.json says its job runs. */
const runningJob = (runDirectory: string, stepId: string) =>
  vi.waitFor(
    () => {
      const step = readJson(join(runDirectory, "status.json")).steps.find(
        (entry: { nodeId: string }) => entry.nodeId === stepId,
      );
      if (step?.status !== "running" || !step.jobId) throw new Error("not running yet");
      return step.jobId as string;
    },
    { timeout: 60_000, interval: 100 },
  );

describe.skipIf(!hasSlurm)("examples/slurm.yaml", () => {
  it("runs its jobs between the steps here, and show names each job", {
    timeout: 120_000,
  }, async () => {
    const options = { runsDir: scratch.runsDir, env: { SLURM_CONF, RUNYARD_SLURM_POLL_MS: "200" } };
    const result = await cli(["run", join(REPO, "examples/slurm.yaml")], options);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^success in [^\n]*: 5 completed$/m);
    const show = JSON.parse((await cli(["show", "latest", "--json"], options)).stdout);
    const jobs = show.steps.filter((step: { id: string }) => step.id.startsWith("simulate["));
    expect(jobs.map((step: { status: string }) => step.status)).toEqual([
      "completed",
      "completed",
      "completed",
    ]);
    const logs = await cli(["logs", "latest", "simulate[mid]"], options);
    expect(logs.stdout).toMatch(/^case mid: job \d+ on \S+, 40 steps$/m);
  });
});

describe.skipIf(!hasSlurm)("a crashed run's Slurm jobs", () => {
  it("are shown as live by ps and show, and adopted by runyard resume", {
    timeout: 120_000,
  }, async () => {
    const gate = join(scratch.directory, "go");
    const file = join(scratch.directory, "sim.yaml");
    writeFileSync(
      file,
      `name: sim
steps:
  mesh: { run: echo meshed }
  solve:
    needs: mesh
    backend: slurm
    run: 'echo "solving on $SLURM_JOB_ID"; until [ -f "${gate}" ]; do sleep 0.2; done; echo solved'
  report: { needs: solve, run: echo reported }
`,
    );
    const env = { SLURM_CONF, RUNYARD_SLURM_POLL_MS: "200" };
    const options = { runsDir: scratch.runsDir, env };
    const started = await cli(["run", "-d", file, "--json"], options);
    expect(started.code, started.stderr).toBe(0);
    const { runId, runDirectory, pid } = RunStartedJsonSchema.parse(JSON.parse(started.stdout));
    const jobId = await runningJob(runDirectory, "solve");
    process.kill(pid, "SIGKILL");
    const short = runId.slice(-8);

    const ps = await vi.waitFor(
      async () => {
        const result = await cli(["ps"], options);
        expect(result.stdout).toMatch(new RegExp(`${short} +sim +crashed .*1 Slurm job live`));
        return result;
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(ps.code).toBe(0);
    const psJson = JSON.parse((await cli(["ps", "--json"], options)).stdout);
    expect(psJson.slurmJobs).toEqual([{ stepId: "solve", jobId, state: "RUNNING" }]);

    const show = await cli(["show", short], options);
    expect(show.stdout).toMatch(
      new RegExp(`^jobs +1 Slurm job still runs: ${jobId} \\(solve, RUNNING\\)$`, "m"),
    );
    expect(show.stderr).toContain(
      `runyard resume ${short} takes them over (watched again, not submitted again); scancel ${jobId} stops them`,
    );

    // rm does not remove the directory from under a job that writes into it.
    const rm = await cli(["rm", short], options);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toContain(
      `error: run ${runId} crashed, but 1 Slurm job still runs: ${jobId} (solve, RUNNING): they write into its directory`,
    );
    expect(rm.stderr).toContain("--force cancels them and removes the run");

    // Resume follows the run; the job is let go once it has been adopted.
    const resuming = cli(["resume", short], options);
    await vi.waitFor(
      () => {
        const log = readFileSync(join(runDirectory, "executor.log"), "utf8");
        if (!log.includes(`adopting Slurm job(s) ${jobId} (solve)`)) throw new Error("not yet");
      },
      { timeout: 30_000, interval: 100 },
    );
    writeFileSync(gate, "");
    const resumed = await resuming;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(
      `(it was crashed; completed steps are kept; Slurm jobs taken over: solve (${jobId}))`,
    );
    expect(resumed.stderr).toMatch(/^success in /m);
    expect(readFileSync(join(runDirectory, "000002-solve.out"), "utf8")).toBe(
      `solving on ${jobId}\nsolved\n`,
    );
    expect(slurmJobsNamed(`runyard-${short}-`)).toEqual([jobId]);
    const after = JSON.parse((await cli(["show", short, "--json"], options)).stdout);
    expect(after.state).toBe("success");
    expect(after.slurmJobs).toEqual([]);
    expect(after.steps[1]).toMatchObject({ id: "solve", status: "completed", attempt: 1 });
  });

  /** A detached run of a long Slurm step whose executor was killed while the job runs. */
  async function crashedWithJob() {
    const file = join(scratch.directory, "long.yaml");
    writeFileSync(file, "name: long\nsteps:\n  solve: { backend: slurm, run: 'sleep 300' }\n");
    const options = { runsDir: scratch.runsDir, env: { SLURM_CONF, RUNYARD_SLURM_POLL_MS: "200" } };
    const started = await cli(["run", "-d", file, "--json"], options);
    const { runId, runDirectory, pid } = RunStartedJsonSchema.parse(JSON.parse(started.stdout));
    const jobId = await runningJob(runDirectory, "solve");
    process.kill(pid, "SIGKILL");
    await vi.waitFor(
      async () => expect((await cli(["ps", "--json"], options)).stdout).toContain('"crashed"'),
      { timeout: 15_000, interval: 200 },
    );
    return { options, short: runId.slice(-8), jobId };
  }

  const cancelledInSlurm = (jobId: string) =>
    vi.waitFor(() => expect(slurmJob(jobId).state).toBe("CANCELLED"), {
      timeout: 30_000,
      interval: 200,
    });

  it("are cancelled by rm --force before the run is removed", { timeout: 120_000 }, async () => {
    const { options, short, jobId } = await crashedWithJob();
    const rm = await cli(["rm", "--force", short], options);
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.stderr).toContain(`cancelling Slurm job(s) ${jobId} of run ${short}`);
    expect(rm.stdout).toMatch(/^removed /);
    await cancelledInSlurm(jobId);
  });

  it("keep their run from runyard gc until they end", { timeout: 120_000 }, async () => {
    const { options, short, jobId } = await crashedWithJob();
    const config = join(scratch.directory, "config.yaml");
    writeFileSync(config, "retention:\n  crashed: delete\n");
    const gc = { ...options, env: { ...options.env, RUNYARD_CONFIG: config } };
    const kept = await cli(["gc"], gc);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toContain("nothing to remove");
    expect(kept.stderr).toContain(
      `kept crashed run ${short}: 1 Slurm job still runs: ${jobId} (solve, RUNNING): kept while they write into it`,
    );
    expect((await cli(["cancel", short], options)).code).toBe(0);
    await cancelledInSlurm(jobId);
    const removed = await cli(["gc"], gc);
    expect(removed.stdout).toMatch(new RegExp(`removed 1 run:[\\s\\S]*${short}`));
  });

  it("are cancelled by runyard cancel, and the run stays crashed", {
    timeout: 120_000,
  }, async () => {
    const { options, short, jobId } = await crashedWithJob();
    const cancel = await cli(["cancel", short], options);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stderr).toContain(
      `cancelled Slurm job(s) ${jobId} (solve) of run ${short}, which went on after its executor died; the run stays crashed`,
    );
    await cancelledInSlurm(jobId);
    const show = JSON.parse((await cli(["show", short, "--json"], options)).stdout);
    expect(show.state).toBe("crashed");
    expect(show.slurmJobs).toEqual([{ stepId: "solve", jobId, state: "CANCELLED" }]);
  });
});
