// What a rerun takes from an earlier run, read from real run directories: the copy whatever
// the file holds now, the params it was given, and a clear error for each way it cannot be.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { workflowFile } from "../test/helpers.js";
import { RerunError, readRerunSource } from "./rerun-source.js";
import { runWorkflow } from "./run-workflow.js";

const WORKFLOW =
  "params:\n  who: {}\n  mesh: {default: coarse}\nsteps:\n  a:\n    run: echo $who\n";

async function earlierRun() {
  const setup = workflowFile(WORKFLOW);
  const result = await runWorkflow({
    workflowFile: setup.file,
    runsRoot: setup.runsRoot,
    params: { who: "ada" },
  });
  return { ...setup, runId: result.runId, runDirectory: result.runDirectory };
}

/** The launch.json `runyard run` would have left: what the user gave, no defaults. */
function writeLaunch(run: Awaited<ReturnType<typeof earlierRun>>, params: [string, string][]) {
  writeFileSync(
    join(run.runDirectory, "launch.json"),
    JSON.stringify({
      schemaVersion: 1,
      runId: run.runId,
      workflowFile: run.file,
      workflowPath: "workflow.yaml",
      cwd: run.directory,
      env: {},
      params,
      maxParallel: 1,
      killGraceMs: 0,
      launchedBy: { client: "test", pid: 1, host: "h" },
      createdAt: "2026-06-05T14:23:00.000Z",
    }),
  );
}

describe("readRerunSource", () => {
  it("takes the run's copy, not the file as it is now, and the params launch.json gave", async () => {
    const run = await earlierRun();
    writeLaunch(run, [["who", "grace"]]);
    writeFileSync(run.file, "steps:\n  changed:\n    run: echo later\n");
    const source = await readRerunSource(run.runDirectory);
    expect(source).toMatchObject({
      rerunOf: run.runId,
      workflowFile: run.file,
      params: [["who", "grace"]],
    });
    expect(Buffer.from(source.workflowSource).toString()).toBe(WORKFLOW);
    expect(readFileSync(join(run.runDirectory, "workflow.yaml"), "utf8")).toBe(WORKFLOW);
  });

  it("takes every value meta.json recorded when there is no launch.json", async () => {
    const run = await earlierRun();
    const source = await readRerunSource(run.runDirectory);
    expect(source.params).toEqual([
      ["who", "ada"],
      ["mesh", "coarse"],
    ]);
  });

  it("refuses a run whose workflow copy is gone", async () => {
    const run = await earlierRun();
    rmSync(join(run.runDirectory, "workflow.yaml"));
    const error = await readRerunSource(run.runDirectory).catch((caught) => caught);
    expect(error).toBeInstanceOf(RerunError);
    expect(error.code).toBe("E_RERUN_NO_COPY");
    expect(error.message).toBe(
      `run ${run.runId} has no workflow copy to run again: ${join(run.runDirectory, "workflow.yaml")}: no such file`,
    );
    expect(error.hint).toBe(`run the workflow file itself: runyard run ${run.file}`);
  });

  it("refuses a run whose workflow directory is gone, unless given another", async () => {
    const run = await earlierRun();
    // The runs root lives in the workflow's directory here: move the directory, keep the run.
    const moved = `${run.directory}-moved`;
    renameSync(run.directory, moved);
    const runDirectory = join(moved, "runs", run.runId);
    try {
      const error = await readRerunSource(runDirectory).catch((caught) => caught);
      expect(error).toMatchObject({
        code: "E_RERUN_DIRECTORY_GONE",
        message: `the directory run ${run.runId} ran its workflow in is gone: ${run.directory}`,
      });
      expect(error.hint).toMatch(/--workflow-dir DIR/);
      const elsewhere = await readRerunSource(runDirectory, { workflowDirectory: moved });
      expect(elsewhere.workflowFile).toBe(join(moved, "workflow.yaml"));
      const notDirectory = await readRerunSource(runDirectory, {
        workflowDirectory: join(moved, "workflow.yaml"),
      }).catch((caught) => caught);
      expect(notDirectory).toMatchObject({ code: "E_RERUN_DIRECTORY" });
    } finally {
      mkdirSync(run.directory);
      rmSync(moved, { recursive: true, force: true });
    }
  });
});
