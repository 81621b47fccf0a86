// Steps as real Slurm jobs, against the project's test cluster (tooling/slurm).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createIpcClient } from "@runyard/ipc";
import { readRun } from "@runyard/store";
import { afterAll, describe, expect, it, vi } from "vitest";
import { launchRun, resumeRun, runWorkflow } from "../src/index.js";
import { EventLog, started, workflowFile } from "./helpers.js";
import { flakySlurmBin, hasSlurm, slurmEnv, slurmJob, slurmJobsNamed } from "./slurm-cluster.js";

const scratch = mkdtempSync(join(tmpdir(), "runyard-slurm-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let count = 0;
function run(source: string, options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}) {
  count += 1;
  return runWorkflow({
    workflowFile: join(scratch, `wf${count}.yaml`),
    workflowSource: source,
    runsRoot: join(scratch, "runs"),
    env: options.env ?? slurmEnv(),
    killGraceMs: 1000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

function statusOf(runDirectory: string) {
  return JSON.parse(readFileSync(join(runDirectory, "status.json"), "utf8")) as {
    steps: {
      nodeId: string;
      status: string;
      backend?: string;
      jobId?: string;
      exitCode?: number | null;
      reason?: string;
    }[];
  };
}

/** Launches `yaml` detached against the cluster, with $MARKS a directory its steps read. */
async function launchAgainstSlurm(yaml: string, maxParallel?: number) {
  const { file, runsRoot, directory: marks } = workflowFile(yaml);
  const launched = await launchRun({
    workflowFile: file,
    runsRoot,
    env: slurmEnv({ MARKS: marks }),
    ...(maxParallel === undefined ? {} : { maxParallel }),
  });
  return { launched, marks, directory: launched.directory };
}

/** Waits for `read` to return, polling (it throws while what it waits for has not happened). */
const waitFor = <T>(read: () => T | Promise<T>, timeout = 60_000) =>
  vi.waitFor(read, { timeout, interval: 100 });

/** SIGKILLs the run's executor and waits until readers call the run crashed. */
async function crash(launched: { pid: number; directory: string }) {
  process.kill(launched.pid, "SIGKILL");
  await waitFor(
    async () => expect((await readRun(launched.directory)).classification).toBe("crashed"),
    15_000,
  );
}

/** meta.json once the run has ended. */
const endedMeta = (directory: string) =>
  waitFor(() => {
    const meta = JSON.parse(readFileSync(join(directory, "meta.json"), "utf8"));
    if (meta.finalStatus === null) throw new Error("still running");
    return meta;
  });

const timelineOf = (directory: string) =>
  readFileSync(join(directory, "run_summary.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));

describe.skipIf(!hasSlurm)("the Slurm backend", () => {
  it("runs a mixed local and Slurm workflow: the job's output in its captures, outputs passed on", async () => {
    const result = await run(`name: mixed
steps:
  prepare: { run: 'echo "N=7" >> "$RUNYARD_OUTPUT"; echo local' }
  compute:
    needs: prepare
    backend: slurm
    slurm: { time: "00:05:00", cpusPerTask: 1 }
    run: 'echo "on $SLURM_JOB_ID with N=$N"; echo "SQUARE=$((N*N))" >> "$RUNYARD_OUTPUT"; echo oops >&2'
  report: { needs: compute, run: 'echo "square $SQUARE"' }
`);
    expect(result.finalStatus).toBe("success");
    const compute = statusOf(result.runDirectory).steps.find((step) => step.nodeId === "compute");
    expect(compute).toMatchObject({ status: "completed", backend: "slurm", exitCode: 0 });
    expect(compute?.jobId).toMatch(/^\d+$/);
    const jobId = compute?.jobId ?? "";
    expect(readFileSync(join(result.runDirectory, "000002-compute.out"), "utf8")).toBe(
      `on ${jobId} with N=7\n`,
    );
    expect(readFileSync(join(result.runDirectory, "000002-compute.err"), "utf8")).toBe("oops\n");
    expect(readFileSync(join(result.runDirectory, "000003-report.out"), "utf8")).toBe(
      "square 49\n",
    );
    expect(slurmJob(jobId)).toEqual({ state: "COMPLETED", exitCode: "0:0" });
    // The timeline has the job id: queued, then running, then the end.
    const events = timelineOf(result.runDirectory).filter((event) => event.stepId === "compute");
    expect(events.map((event) => [event.type, event.status ?? "", event.jobId ?? ""])).toEqual(
      expect.arrayContaining([
        ["step-start", "", ""],
        ["step-status", "pending", jobId],
        ["step-end", "completed", ""],
      ]),
    );
    expect(events[0].type).toBe("step-start");
  });

  it("keeps up to maxSlurmJobs jobs queued, whatever maxParallel (which bounds the steps here)", async () => {
    const gate = join(scratch, "jobs-gate");
    const log = new EventLog();
    const running = runWorkflow({
      workflowFile: join(scratch, "wide.yaml"),
      workflowSource: `name: wide
steps:
  each:
    backend: slurm
    foreach: [1, 2, 3, 4]
    run: 'until [ -f "${gate}" ]; do sleep 0.2; done'
`,
      runsRoot: join(scratch, "runs"),
      env: slurmEnv(),
      maxParallel: 1,
      maxSlurmJobs: 3,
      onEvent: log.onEvent,
    });
    const submitted = () =>
      new Set(
        log.events.flatMap((event) =>
          event.type === "step-status" && event.jobId !== undefined ? [event.stepId] : [],
        ),
      );
    await vi.waitFor(() => expect(submitted().size).toBe(3), { timeout: 30_000, interval: 50 });
    // The fourth waits for one of the three to end, however long.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect([...submitted()].sort()).toEqual(["each[1]", "each[2]", "each[3]"]);
    writeFileSync(gate, "");
    const result = await running;
    expect(result.finalStatus).toBe("success");
    expect(submitted().size).toBe(4);
  });

  it("retries a failed job as a new job, and waits out a Slurm that does not answer", {
    timeout: 120_000,
  }, async () => {
    // Slurm's commands through wrappers that fail, as an unreachable controller makes them,
    // while a file named "down" exists.
    const bin = flakySlurmBin(join(scratch, "flaky-slurm"), join(scratch, "flaky-slurm/down"));
    const gate = join(scratch, "retry-gate");
    const log = new EventLog();
    const running = runWorkflow({
      workflowFile: join(scratch, "retry.yaml"),
      workflowSource: `name: retry
steps:
  flaky:
    backend: slurm
    retries: 1
    run: 'if [ "$RUNYARD_STEP_ATTEMPT" = 1 ]; then exit 3; fi; until [ -f "${gate}" ]; do sleep 0.2; done; echo second'
`,
      runsRoot: join(scratch, "runs"),
      env: slurmEnv({ RUNYARD_SLURM_BIN: bin }),
      onEvent: log.onEvent,
    });
    await log.next(
      (event) =>
        event.type === "step-status" && event.status === "running" && event.stepId === "flaky",
    );
    await vi.waitFor(
      () => expect(log.events.filter((event) => event.type === "step-start")).toHaveLength(2),
      { timeout: 30_000, interval: 50 },
    );
    // Slurm stops answering, and the job ends meanwhile: the step waits, it does not fail.
    writeFileSync(join(bin, "down"), "");
    writeFileSync(gate, "");
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(log.events.filter((event) => event.type === "step-end")).toHaveLength(1);
    rmSync(join(bin, "down"));
    const result = await running;
    expect(result.finalStatus).toBe("success");
    const jobs = log.events.flatMap((event) =>
      event.type === "step-status" && event.jobId !== undefined ? [event.jobId] : [],
    );
    const [first, second] = [...new Set(jobs)];
    expect(slurmJob(first ?? "")).toEqual({ state: "FAILED", exitCode: "3:0" });
    expect(slurmJob(second ?? "").state).toBe("COMPLETED");
    expect(statusOf(result.runDirectory).steps[0]).toMatchObject({
      status: "completed",
      attempt: 2,
      jobId: second,
    });
    expect(readFileSync(join(result.runDirectory, "000002-flaky.out"), "utf8")).toBe("second\n");
  });

  it("ends a cancelled step when Slurm does not confirm its job ended, saying it may run on", {
    timeout: 60_000,
  }, async () => {
    const bin = flakySlurmBin(join(scratch, "mute-slurm"), join(scratch, "mute-slurm/down"));
    const abort = new AbortController();
    const log = new EventLog();
    const running = runWorkflow({
      workflowFile: join(scratch, "mute.yaml"),
      workflowSource: "name: mute\nsteps:\n  long: { backend: slurm, run: 'sleep 300' }\n",
      runsRoot: join(scratch, "runs"),
      env: slurmEnv({ RUNYARD_SLURM_BIN: bin }),
      killGraceMs: 500,
      signal: abort.signal,
      onEvent: log.onEvent,
    });
    const queued = await log.next(
      (event) => event.type === "step-status" && event.status === "running",
    );
    const jobId = queued.type === "step-status" ? (queued.jobId ?? "") : "";
    writeFileSync(join(bin, "down"), "");
    abort.abort();
    // scancel fails and no poll answers: the run still ends, within the grace and six polls.
    const result = await running;
    rmSync(join(bin, "down"));
    expect(result.finalStatus).toBe("cancelled");
    expect(statusOf(result.runDirectory).steps[0]?.reason).toMatch(
      new RegExp(
        `; Slurm did not confirm that job ${jobId} ended: it may still run \\(scancel ${jobId}\\)$`,
      ),
    );
    // It did run on: Runyard said so rightly. (The test's own cleanup.)
    expect(slurmJob(jobId).state).toBe("RUNNING");
    execFileSync("scancel", [jobId], { env: slurmEnv() });
  });

  it("fails a step with its job's exit code, and runs a loop of jobs", async () => {
    const result = await run(`name: loop
steps:
  each:
    backend: slurm
    foreach: [1, 2, 3]
    run: 'test "$RUNYARD_ITEM" != 2 || exit 3'
`);
    expect(result.finalStatus).toBe("failed");
    const steps = statusOf(result.runDirectory).steps;
    expect(
      steps
        .filter((step) => step.nodeId.startsWith("each["))
        .map((step) => [step.nodeId, step.status, step.exitCode]),
    ).toEqual([
      ["each[1]", "completed", 0],
      ["each[2]", "failed", 3],
      ["each[3]", "completed", 0],
    ]);
    const failed = steps.find((step) => step.nodeId === "each[2]");
    expect(slurmJob(failed?.jobId ?? "")).toEqual({ state: "FAILED", exitCode: "3:0" });
  });

  it("cancels a running job in Slurm when the run is cancelled", async () => {
    const abort = new AbortController();
    const running = run(
      `name: cancel
steps:
  long: { backend: slurm, run: 'echo started; sleep 300' }
`,
      { signal: abort.signal },
    );
    // Cancel once the job runs (its first line is in its capture).
    const runs = join(scratch, "runs");
    await expect
      .poll(
        () => {
          try {
            return execOut(runs);
          } catch {
            return "";
          }
        },
        { timeout: 30_000 },
      )
      .toContain("started");
    abort.abort();
    const result = await running;
    expect(result.finalStatus).toBe("cancelled");
    const long = statusOf(result.runDirectory).steps[0];
    expect(long?.status).toBe("cancelled");
    await expect
      .poll(() => slurmJob(long?.jobId ?? "").state, { timeout: 30_000 })
      .toBe("CANCELLED");
  });

  it("sends a Slurm step's output live to an IPC client, as the job writes it", async () => {
    const log = new EventLog();
    const workflow = join(scratch, "live.yaml");
    const running = runWorkflow({
      workflowFile: workflow,
      workflowSource: `name: live
steps:
  talk: { backend: slurm, run: 'for i in 1 2 3; do echo "line $i"; sleep 0.4; done' }
`,
      runsRoot: join(scratch, "runs"),
      env: slurmEnv(),
      onEvent: log.onEvent,
    });
    const start = await log.next(started("talk"));
    const client = await createIpcClient(join(scratch, "runs", start.runId, "ipc.sock"), {
      client: "test",
    });
    client.subscribe({ fromSeq: 1, output: ["talk"] });
    const output: string[] = [];
    for await (const message of client) {
      if (message.type === "output") output.push(message.event.data);
    }
    const result = await running;
    expect(result.finalStatus).toBe("success");
    // At least the lines written after the client subscribed came live; all are in the capture.
    expect(output.join("")).toMatch(/line 3\n$/);
    expect(readFileSync(join(result.runDirectory, "000001-talk.out"), "utf8")).toBe(
      "line 1\nline 2\nline 3\n",
    );
  });

  it("cancels the job when the step's own timeout runs out", async () => {
    const result = await run(`name: timeout
steps:
  slow: { backend: slurm, timeout: 2s, run: 'sleep 120' }
`);
    expect(result.finalStatus).toBe("failed");
    const slow = statusOf(result.runDirectory).steps[0];
    expect(slow).toMatchObject({
      status: "failed",
      reason: "timeout: the step ran longer than 2s",
    });
    await expect
      .poll(() => slurmJob(slow?.jobId ?? "").state, { timeout: 30_000 })
      .toBe("CANCELLED");
  });

  it("ends a step cancelled when its job is scancelled outside Runyard", async () => {
    const log = new EventLog();
    const running = runWorkflow({
      workflowFile: join(scratch, "outside.yaml"),
      workflowSource:
        "name: outside\nsteps:\n  long: { backend: slurm, run: 'sleep 300' }\n  after: { needs: long, run: 'true' }\n",
      runsRoot: join(scratch, "runs"),
      env: slurmEnv(),
      onEvent: log.onEvent,
    });
    const queued = await log.next(
      (event) =>
        event.type === "step-status" && event.stepId === "long" && event.jobId !== undefined,
    );
    const jobId = queued.type === "step-status" ? (queued.jobId ?? "") : "";
    execFileSync("scancel", [jobId], { env: slurmEnv() });
    const result = await running;
    expect(result.finalStatus).toBe("cancelled");
    const [long, after] = statusOf(result.runDirectory).steps;
    expect(long).toMatchObject({
      status: "cancelled",
      reason: `the job was cancelled in Slurm, outside Runyard (scancel ${jobId})`,
    });
    expect(after?.status).toBe("skipped");
  });

  // Slurm's smallest limit is a minute, and it fires up to a minute late: this test is slow.
  it("fails a step whose job reaches its Slurm time limit", { timeout: 240_000 }, async () => {
    const result = await run(`name: limit
steps:
  slow: { backend: slurm, slurm: { time: "00:01:00" }, run: 'sleep 600' }
`);
    expect(result.finalStatus).toBe("failed");
    const slow = statusOf(result.runDirectory).steps[0];
    expect(slow?.status).toBe("failed");
    expect(slow?.reason).toMatch(/the job reached its Slurm time limit \(TIMEOUT\)/);
    expect(slurmJob(slow?.jobId ?? "").state).toBe("TIMEOUT");
  });

  it("shows sbatch's refusal on the step", async () => {
    const result = await run(`name: refused
steps:
  nowhere: { backend: slurm, slurm: { partition: no-such-partition }, run: 'true' }
`);
    expect(result.finalStatus).toBe("failed");
    expect(statusOf(result.runDirectory).steps[0]?.reason).toMatch(
      /sbatch refused the job: .*invalid partition/i,
    );
  });

  it("adopts the jobs of a crashed executor on resume: watched again, not submitted again", {
    timeout: 120_000,
  }, async () => {
    // When the executor dies, "quick" and "long" run and "queued" is held in the queue;
    // "quick" ends while no executor watches, "long" runs on until told, "queued" runs once
    // released after the resume.
    const { launched, marks, directory } = await launchAgainstSlurm(
      `name: adopt
steps:
  prepare: { run: echo local }
  quick:
    needs: prepare
    backend: slurm
    run: 'until [ -f "$MARKS/quick-go" ]; do sleep 0.2; done; echo quick; echo "Q=1" >> "$RUNYARD_OUTPUT"'
  long:
    needs: prepare
    backend: slurm
    run: 'echo "long $SLURM_JOB_ID"; until [ -f "$MARKS/go" ]; do sleep 0.2; done; echo "L=2" >> "$RUNYARD_OUTPUT"'
  queued:
    needs: prepare
    backend: slurm
    slurm: { extraArgs: [--hold] }
    run: 'echo queued ran'
  after: { needs: [quick, long, queued], run: 'echo "after $Q $L"' }
`,
      4,
    );
    const jobsOf = (steps: ReturnType<typeof statusOf>["steps"]) =>
      Object.fromEntries(steps.filter((step) => step.jobId).map((s) => [s.nodeId, s.jobId]));
    // Every job submitted, two of them running.
    const before = await waitFor(() => {
      const steps = statusOf(directory).steps;
      const jobs = jobsOf(steps);
      if (Object.keys(jobs).length < 3) throw new Error("not submitted yet");
      const running = steps.filter((step) => step.status === "running").map((s) => s.nodeId);
      if (!running.includes("quick") || !running.includes("long"))
        throw new Error("not running yet");
      return jobs;
    });
    await crash(launched);
    // The crash watchdog has run by now; the jobs go on. "quick" ends with nobody watching.
    writeFileSync(join(marks, "quick-go"), "");
    await expect
      .poll(() => slurmJob(before.quick ?? "").state, { timeout: 30_000 })
      .toBe("COMPLETED");
    const name = `runyard-${launched.runId.slice(-8)}-`;
    expect(slurmJobsNamed(name)).toEqual(
      Object.values(before).sort((a, b) => Number(a) - Number(b)),
    );

    await resumeRun({ directory });
    // The long job is still the one that runs, taken over; then it is let go, and the held
    // one released.
    await expect.poll(() => slurmJob(before.long ?? "").state, { timeout: 30_000 }).toBe("RUNNING");
    expect(slurmJob(before.queued ?? "").state).toBe("PENDING");
    writeFileSync(join(marks, "go"), "");
    execFileSync("scontrol", ["release", before.queued ?? ""], { env: slurmEnv() });
    const meta = await endedMeta(directory);
    expect(meta.finalStatus).toBe("success");
    expect(meta.resumes[0].previous).toBe("crashed");
    // No job was submitted again: the same three, each step with its job and its one attempt.
    expect(slurmJobsNamed(name)).toEqual(
      Object.values(before).sort((a, b) => Number(a) - Number(b)),
    );
    const steps = statusOf(directory).steps;
    expect(jobsOf(steps)).toEqual(before);
    for (const id of ["quick", "long", "queued"])
      expect(steps.find((step) => step.nodeId === id)).toMatchObject({
        status: "completed",
        exitCode: 0,
        attempt: 1,
      });
    expect(
      readdirSync(directory)
        .filter((entry) => entry.endsWith(".out"))
        .sort(),
    ).toEqual([
      "000001-prepare.out",
      "000002-quick.out",
      "000003-long.out",
      "000004-queued.out",
      "000005-after.out",
    ]);
    expect(readFileSync(join(directory, "000003-long.out"), "utf8")).toBe(`long ${before.long}\n`);
    // The outputs of adopted jobs reach the steps after them.
    expect(readFileSync(join(directory, "000005-after.out"), "utf8")).toBe("after 1 2\n");
    const events = timelineOf(directory);
    const resume = events.find((event) => event.type === "run-resume");
    expect(resume.lost).toBeUndefined();
    expect([...resume.adopted].sort((a, b) => a.captureSeq - b.captureSeq)).toEqual([
      { stepId: "quick", captureSeq: 2, jobId: before.quick },
      { stepId: "long", captureSeq: 3, jobId: before.long },
      { stepId: "queued", captureSeq: 4, jobId: before.queued },
    ]);
    // One step-start per attempt: an adopted one has no second.
    expect(
      events
        .filter((event) => event.type === "step-start")
        .map((event) => event.stepId)
        .sort(),
    ).toEqual(["after", "long", "prepare", "queued", "quick"]);
    expect((await readRun(directory, { timeline: "full" })).timeline?.state).toBe("intact");
  });

  it("watches adopted jobs with the run's own environment, whatever the resume's shell has", {
    timeout: 120_000,
  }, async () => {
    // The run was launched with the cluster's SLURM_CONF; runyard resume is typed in a shell
    // without it. The adopted job and the next step's are the run's cluster's, as its steps'
    // sbatch is: asked about there, not waited for forever on a cluster that does not answer.
    const { launched, marks, directory } = await launchAgainstSlurm(`name: otherenv
steps:
  long:
    backend: slurm
    run: 'until [ -f "$MARKS/go" ]; do sleep 0.2; done; echo long'
  next: { needs: long, backend: slurm, run: 'echo next' }
`);
    const jobId = await waitFor(() => {
      const long = statusOf(directory).steps.find((step) => step.nodeId === "long");
      if (long?.status !== "running" || !long.jobId) throw new Error("not running yet");
      return long.jobId;
    });
    await crash(launched);
    await resumeRun({
      directory,
      env: { ...process.env, SLURM_CONF: join(scratch, "no-such-slurm.conf") },
    });
    writeFileSync(join(marks, "go"), "");
    const meta = await endedMeta(directory);
    expect(meta.finalStatus).toBe("success");
    expect(statusOf(directory).steps.find((step) => step.nodeId === "long")).toMatchObject({
      status: "completed",
      jobId,
    });
    expect(readFileSync(join(directory, "000002-next.out"), "utf8")).toBe("next\n");
  });

  it("cancels on resume the jobs of steps that run again, and the run's jobs it has no id of", {
    timeout: 120_000,
  }, async () => {
    // "report" runs whatever "check" did (if: always); "check" failed and runs again on resume,
    // so the job "report" had running must not go on: it is cancelled, and "report" runs anew.
    const { launched, marks, directory } = await launchAgainstSlurm(`name: lost
steps:
  check: { run: 'test -f "$MARKS/fixed"' }
  report:
    needs: check
    if: always
    backend: slurm
    run: 'if [ -f "$MARKS/fixed" ]; then echo second; else echo first; sleep 300; fi'
`);
    const first = await waitFor(() => {
      const report = statusOf(directory).steps.find((step) => step.nodeId === "report");
      if (report?.status !== "running" || !report.jobId) throw new Error("not running yet");
      return report.jobId;
    });
    await crash(launched);
    // A job of the run whose id never reached the timeline (sbatch answered as the executor
    // died): found by its name.
    const name = `runyard-${launched.runId.slice(-8)}-`;
    const ghost = execFileSync(
      "sbatch",
      ["--parsable", `--job-name=${name}report`, "--output=/dev/null", "--wrap", "sleep 300"],
      { env: slurmEnv(), encoding: "utf8" },
    ).trim();
    writeFileSync(join(marks, "fixed"), "");

    await resumeRun({ directory });
    expect((await endedMeta(directory)).finalStatus).toBe("success");
    await expect.poll(() => slurmJob(first).state, { timeout: 30_000 }).toBe("CANCELLED");
    await expect.poll(() => slurmJob(ghost).state, { timeout: 30_000 }).toBe("CANCELLED");
    const report = statusOf(directory).steps.find((step) => step.nodeId === "report");
    expect(report).toMatchObject({ status: "completed", attempt: 2 });
    expect(report?.jobId).not.toBe(first);
    expect(readFileSync(join(directory, "000004-report.out"), "utf8")).toBe("second\n");
    const resume = timelineOf(directory).find((event) => event.type === "run-resume");
    expect(resume.lost).toEqual([{ stepId: "report", captureSeq: 2, jobId: first }]);
    expect(resume.adopted).toBeUndefined();
    expect(readFileSync(join(directory, "executor.log"), "utf8")).toMatch(
      new RegExp(
        `cancelled Slurm job\\(s\\) (${first}, ${ghost}|${ghost}, ${first}) the crashed executor left`,
      ),
    );
  });

  it("refuses to resume while the jobs the crashed executor left cannot be looked for", {
    timeout: 120_000,
  }, async () => {
    // Slurm's commands through wrappers that fail ("Slurm down") while $MARKS/down exists.
    const {
      file,
      runsRoot,
      directory: marks,
    } = workflowFile(`name: down
steps:
  wait: { run: 'until [ -f "$MARKS/go" ]; do sleep 0.2; done' }
  solve: { needs: wait, backend: slurm, run: 'echo solved' }
`);
    const bin = flakySlurmBin(join(marks, "bin"), join(marks, "down"));
    const launched = await launchRun({
      workflowFile: file,
      runsRoot,
      env: slurmEnv({ MARKS: marks, RUNYARD_SLURM_BIN: bin }),
    });
    const { directory } = launched;
    await waitFor(() => {
      const wait = statusOf(directory).steps.find((step) => step.nodeId === "wait");
      if (wait?.status !== "running") throw new Error("not running yet");
    });
    await crash(launched);
    // A job of the run whose id never reached the timeline (sbatch answered as it died).
    const ghost = execFileSync(
      "sbatch",
      [
        "--parsable",
        `--job-name=runyard-${launched.runId.slice(-8)}-solve`,
        "--output=/dev/null",
        "--wrap",
        "sleep 300",
      ],
      { env: slurmEnv(), encoding: "utf8" },
    ).trim();
    const lines = timelineOf(directory).length;
    writeFileSync(join(marks, "down"), "");
    writeFileSync(join(marks, "go"), "");

    await expect(resumeRun({ directory })).rejects.toThrow(
      /the Slurm jobs the crashed executor left cannot be found and cancelled \(squeue failed: .*Unable to contact slurm controller\)/,
    );
    // Nothing changed: the job goes on, the run is still the crashed one.
    expect(slurmJob(ghost).state).toMatch(/PENDING|RUNNING/);
    expect(timelineOf(directory)).toHaveLength(lines);
    expect((await readRun(directory)).classification).toBe("crashed");

    // Once Slurm answers, the resume cancels the job, and the step runs once.
    rmSync(join(marks, "down"));
    await resumeRun({ directory });
    expect((await endedMeta(directory)).finalStatus).toBe("success");
    await expect.poll(() => slurmJob(ghost).state, { timeout: 30_000 }).toBe("CANCELLED");
  });

  it("refuses a Slurm step before any step runs when sbatch is not on PATH", async () => {
    await expect(
      run("name: nosbatch\nsteps:\n  a: { run: 'true' }\n  b: { backend: slurm, run: 'true' }\n", {
        env: slurmEnv({ PATH: "/nonexistent" }),
      }),
    ).rejects.toThrow(/step "b" runs on Slurm \(backend: slurm\), but sbatch is not on PATH here/);
  });
});

/** The newest run's long step's stdout, while it runs. */
function execOut(runs: string): string {
  const newest = readdirSync(runs).sort().at(-1) ?? "";
  return readFileSync(join(runs, newest, "000001-long.out"), "utf8");
}
