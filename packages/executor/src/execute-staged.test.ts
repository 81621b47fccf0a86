// The executor's side of the launch contract, called directly: what it does with the path it
// is given when it refuses. Only a staged run directory is its to remove.
import { execFileSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { newRunId, shortHostname, stageRunDirectory } from "@runyard/store";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";
import { describe, expect, it } from "vitest";
import { executeStagedRun } from "./execute-staged.js";
import { ExecutorStartError, launchRun } from "./launch.js";

const scratch = useScratchDirectory("ry-staged-");

async function stage(runsRoot: string, yaml: string, runId = newRunId()) {
  return stageRunDirectory(runsRoot, {
    workflowSource: Buffer.from(yaml),
    launch: {
      schemaVersion: 1,
      runId,
      workflowFile: join(runsRoot, "..", "workflow.yaml"),
      workflowPath: "workflow.yaml",
      cwd: runsRoot,
      env: {},
      params: [],
      maxParallel: 1,
      killGraceMs: 100,
      launchedBy: { client: "test", pid: process.pid, host: shortHostname() },
      createdAt: new Date().toISOString(),
    },
  });
}

describe("executeStagedRun refusing", () => {
  it("leaves alone a directory that is not a staged run directory", async () => {
    const directory = join(scratch(), "project");
    mkdirSync(join(directory, "src"), { recursive: true });
    writeFileSync(join(directory, "src", "main.c"), "int main(void) { return 0; }\n");
    await expect(executeStagedRun(directory)).rejects.toThrow(/not a staged run directory/);
    expect(readFileSync(join(directory, "src", "main.c"), "utf8")).toContain("main");
  });

  it("leaves alone a file it was given by mistake", async () => {
    const file = join(scratch(), "pipeline.yaml");
    writeFileSync(file, "steps: {}\n");
    await expect(executeStagedRun(file)).rejects.toThrow(/not a staged run directory/);
    expect(existsSync(file)).toBe(true);
  });

  it("leaves alone a .launch- directory whose launch.json names another run", async () => {
    const runsRoot = join(scratch(), "runs");
    const staged = await stage(runsRoot, "steps:\n  a:\n    run: true\n");
    const other = join(runsRoot, `.launch-${newRunId()}`);
    mkdirSync(other);
    writeFileSync(join(other, "launch.json"), readFileSync(join(staged.staging, "launch.json")));
    writeFileSync(join(other, "notes.txt"), "mine\n");
    await expect(executeStagedRun(other)).rejects.toThrow(/does not match/);
    expect(readFileSync(join(other, "notes.txt"), "utf8")).toBe("mine\n");
  });

  it("does not wait on a named pipe in the workflow copy's place", async () => {
    const runsRoot = join(scratch(), "runs");
    const staged = await stage(runsRoot, "steps:\n  a:\n    run: true\n");
    const copy = join(staged.staging, "workflow.yaml");
    rmSync(copy);
    execFileSync("mkfifo", [copy]);
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("still waiting after 3000 ms")), 3000),
    );
    try {
      await expect(Promise.race([executeStagedRun(staged.staging), timeout])).rejects.toThrow(
        /staged copy cannot be read: not a regular file \(a named pipe\)/,
      );
      expect(existsSync(staged.staging)).toBe(false);
    } finally {
      // Without the fix, the read is stuck in open(2): give it a writer, so the test ends.
      if (existsSync(copy)) closeSync(openSync(copy, "r+"));
    }
  });

  it("removes a staged run directory whose workflow it refuses", async () => {
    const runsRoot = join(scratch(), "runs");
    const staged = await stage(runsRoot, "steps:\n  a:\n    needs: [nowhere]\n    run: true\n");
    await expect(executeStagedRun(staged.staging)).rejects.toThrow();
    expect(existsSync(staged.staging)).toBe(false);
    expect(existsSync(staged.directory)).toBe(false);
  });
});

describe("launchRun when the executor dies before it reports", () => {
  it("says what the executor's log said, since the log goes with the staged directory", async () => {
    const directory = scratch();
    const file = join(directory, "workflow.yaml");
    writeFileSync(file, "steps:\n  a:\n    run: true\n");
    const runsRoot = join(directory, "runs");
    // The executor inherits the launcher's environment: a broken NODE_OPTIONS kills it at once.
    const env = { ...process.env, NODE_OPTIONS: `--require=${join(directory, "missing.cjs")}` };
    const error = await launchRun({ workflowFile: file, runsRoot, env }).catch((e) => e);
    expect(error).toBeInstanceOf(ExecutorStartError);
    expect(error.message).toMatch(/exited before the run started/);
    expect(error.hint).toContain("missing.cjs");
    expect(readdirSync(runsRoot)).toEqual([]);
  });
});
