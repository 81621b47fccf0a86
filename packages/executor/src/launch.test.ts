// The launch contract on real processes: launchRun stages the run, the detached executor
// (the built runyard-executor) commits and runs it, and a run that is refused or whose
// executor dies before its report leaves nothing under the runs root.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENV, RunyardError } from "@runyard/schema";
import { describe, expect, it, vi } from "vitest";
import { environmentOf, watchdogsOf, workflowFile } from "../test/helpers.js";
import { EXECUTOR_BIN, ExecutorStartError, launchRun } from "./launch.js";

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

async function ended(directory: string) {
  return vi.waitFor(
    () => {
      const meta = readJson(join(directory, "meta.json"));
      if (meta.finalStatus === null) throw new Error("still running");
      return meta;
    },
    { timeout: 15_000, interval: 50 },
  );
}

describe("launchRun", () => {
  it("starts a detached executor that commits the staged run under its id and runs it", async () => {
    const { file, runsRoot } = workflowFile(
      'params:\n  who: {}\nsteps:\n  hello:\n    run: echo "hello $who from $RUNYARD_RUN_ID"\n',
    );
    const launched = await launchRun({
      workflowFile: file,
      runsRoot,
      params: { who: "ada" },
      env: { PATH: process.env.PATH, ONLY_THIS: "1" },
      client: "test/1",
    });
    expect(launched.directory).toBe(join(runsRoot, launched.runId));
    // Nothing staged is left: the run is there under its id, whole.
    expect(readdirSync(runsRoot)).toEqual([launched.runId]);
    const meta = await ended(launched.directory);
    expect(meta).toMatchObject({
      pid: launched.pid,
      finalStatus: "success",
      params: { who: "ada" },
    });
    expect(meta.pid).not.toBe(process.pid);
    expect(readFileSync(join(launched.directory, "000001-hello.out"), "utf8")).toBe(
      `hello ada from ${launched.runId}\n`,
    );
    const launch = readJson(join(launched.directory, "launch.json"));
    expect(launch).toMatchObject({
      runId: launched.runId,
      workflowFile: file,
      params: [["who", "ada"]],
      env: { ONLY_THIS: "1" },
      launchedBy: { client: "test/1", pid: process.pid },
    });
    expect(readFileSync(join(launched.directory, "workflow.yaml"), "utf8")).toBe(
      readFileSync(file, "utf8"),
    );
  });

  it("runs the workflowSource given instead of the file's bytes, anchored at the file, and records rerunOf", async () => {
    const { file, runsRoot, directory } = workflowFile(
      "steps:\n  a:\n    run: echo from the file\n",
    );
    mkdirSync(join(directory, "data"));
    const source = Buffer.from("steps:\n  a:\n    run: echo from the copy; pwd\n    cwd: data\n");
    const rerunOf = "01a20000-0000-7000-8000-000000000001";
    const launched = await launchRun({
      workflowFile: file,
      workflowSource: source,
      runsRoot,
      rerunOf,
    });
    const meta = await ended(launched.directory);
    expect(meta).toMatchObject({ finalStatus: "success", workflowFile: file, rerunOf });
    expect(readJson(join(launched.directory, "launch.json"))).toMatchObject({ rerunOf });
    expect(readFileSync(join(launched.directory, "workflow.yaml"))).toEqual(source);
    expect(readFileSync(join(launched.directory, "000001-a.out"), "utf8")).toBe(
      `from the copy\n${join(directory, "data")}\n`,
    );
  });

  it("gives the executor and its watchdog none of an enclosing step's RUNYARD_* variables", async () => {
    const { file, runsRoot, directory } = workflowFile("steps:\n  a:\n    run: sleep 30\n");
    // As `runyard run` sees it when called from a step of another run.
    const enclosing = {
      ...process.env,
      [ENV.runId]: "01a20000-0000-7000-8000-00000000000e",
      [ENV.stepSeq]: "3",
      [ENV.stepId]: "outer",
      [ENV.runDir]: "/elsewhere/run",
      [ENV.summaryFile]: "/elsewhere/run/run_summary.jsonl",
      [ENV.runsDir]: runsRoot,
      [ENV.home]: directory,
      [ENV.config]: join(directory, "config.yaml"),
    };
    const launched = await launchRun({ workflowFile: file, runsRoot, env: enclosing });
    try {
      const watchdog = await vi.waitFor(() => {
        const [pid] = watchdogsOf(launched.runId);
        if (pid === undefined) throw new Error("no watchdog yet");
        return pid;
      }, 5000);
      for (const pid of [launched.pid, watchdog]) {
        const env = environmentOf(pid);
        expect(env.size).toBeGreaterThan(0);
        for (const name of [ENV.runId, ENV.stepSeq, ENV.stepId, ENV.runDir, ENV.summaryFile])
          expect(env.has(name), `${name} of pid ${pid}`).toBe(false);
        expect(env.get(ENV.runsDir)).toBe(runsRoot);
        expect(env.get(ENV.home)).toBe(directory);
        expect(env.get(ENV.config)).toBe(join(directory, "config.yaml"));
      }
    } finally {
      process.kill(launched.pid, "SIGTERM");
      await ended(launched.directory);
    }
  });

  it("runs the hooks launch.json names, and exits only once its run-end hook is done", async () => {
    const { file, runsRoot, directory } = workflowFile("steps:\n  a:\n    run: exit 1\n");
    const launched = await launchRun({
      workflowFile: file,
      runsRoot,
      hooks: [
        {
          name: "notify",
          on: ["run-failed"],
          run: "cat > run-end.json; sleep 0.5; touch drained",
          timeoutMs: 10_000,
          cwd: directory,
          source: join(directory, "config.yaml"),
        },
      ],
      hooksParallel: 1,
    });
    expect(readJson(join(launched.directory, "launch.json"))).toMatchObject({
      hooks: [{ name: "notify", on: ["run-failed"], cwd: directory }],
      hooksParallel: 1,
    });
    expect(await ended(launched.directory)).toMatchObject({ finalStatus: "failed" });
    // The run is over as soon as meta.json says so; the executor lives on for its hook.
    await vi.waitFor(
      () => {
        if (existsSync(`/proc/${launched.pid}`)) throw new Error("executor still running");
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(existsSync(join(directory, "drained"))).toBe(true);
    expect(readJson(join(directory, "run-end.json"))).toMatchObject({
      type: "run-end",
      runId: launched.runId,
      finalStatus: "failed",
    });
    expect(readFileSync(join(launched.directory, "hooks.log"), "utf8")).toMatch(
      / info hook notify on run-failed \(seq \d+\): ok in /,
    );
  });

  it("reports a refused run as the executor's error, and leaves nothing behind", async () => {
    const { file, runsRoot } = workflowFile("steps:\n  a:\n    run: echo\n    needs: [b]\n");
    const refused = await launchRun({ workflowFile: file, runsRoot }).catch((error) => error);
    expect(refused).toBeInstanceOf(RunyardError);
    expect(refused).toMatchObject({ code: "E_WORKFLOW_INVALID" });
    expect(refused.message).toMatch(/workflow\.yaml:4:\d+: steps\.a\.needs/);
    expect(existsSync(runsRoot)).toBe(false);
  });

  it("says the executor died before it reported, and removes the staged directory", async () => {
    const { file, runsRoot } = workflowFile("steps:\n  a:\n    run: echo\n");
    mkdirSync(runsRoot);
    const failed = await launchRun({
      workflowFile: file,
      runsRoot,
      // The executor inherits the environment it is spawned with: this one stops Node at once.
      env: { ...process.env, NODE_OPTIONS: "--require /nonexistent/preload.js" },
    }).catch((error) => error);
    expect(failed).toBeInstanceOf(ExecutorStartError);
    expect(failed.message).toMatch(/the executor exited before the run started \(exit \d+\)/);
    expect(readdirSync(runsRoot)).toEqual([]);
  });
});

describe("runyard-executor", () => {
  it("refuses a staged directory whose launch.json is not one, naming the field; gc's to remove", () => {
    const { runsRoot } = workflowFile("steps:\n  a:\n    run: echo\n");
    const runId = "01a20000-0000-7000-8000-000000000001";
    const staging = join(runsRoot, `.launch-${runId}`);
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, "workflow.yaml"), "steps:\n  a:\n    run: echo\n");
    writeFileSync(join(staging, "launch.json"), JSON.stringify({ schemaVersion: 1, runId }));
    const result = spawnSync(process.execPath, [EXECUTOR_BIN, staging], { encoding: "utf8" });
    expect(result.status).toBe(70);
    expect(result.stderr).toContain("launch.json");
    expect(result.stderr).toContain("workflowFile");
    // Not provably the run's own staging (launch.json does not say so): left for gc, which
    // removes a launch abandoned an hour ago; no run was made of it.
    expect(readdirSync(runsRoot)).toEqual([`.launch-${runId}`]);
  });

  it("refuses a directory that is not a staged run, and touches nothing", () => {
    const { directory } = workflowFile("steps:\n  a:\n    run: echo\n");
    const result = spawnSync(process.execPath, [EXECUTOR_BIN, directory], { encoding: "utf8" });
    expect(result.status).toBe(70);
    expect(result.stderr).toContain("is not a staged run directory");
    expect(existsSync(join(directory, "workflow.yaml"))).toBe(true);
  });
});
