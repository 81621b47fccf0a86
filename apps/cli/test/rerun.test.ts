// `runyard rerun RUN` on real runs: a new run of the earlier run's workflow copy, with its
// params under those given now, where its workflow file was; and each way it is refused.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DryRunJsonSchema, RunEndedJsonSchema, ShowJsonSchema } from "../src/index.js";
import { cli, useScratch } from "./cli.js";

const scratch = useScratch();

const SWEEP = `name: sweep
params:
  mesh: {choices: [coarse, fine], default: coarse}
  case: {}
  steps: 3
steps:
  prepare:
    cwd: data
    run: echo "prepare $case in $(pwd)"
  solve:
    needs: prepare
    run: echo "solve $case on $mesh for $steps steps"
`;

/** The workflow in `flow/` (with its data/), and a directory elsewhere to run runyard from. */
function layout() {
  const flow = join(scratch.directory, "flow");
  const elsewhere = join(scratch.directory, "elsewhere");
  mkdirSync(join(flow, "data"), { recursive: true });
  mkdirSync(elsewhere);
  const file = join(flow, "sweep.yaml");
  writeFileSync(file, SWEEP);
  return { flow, elsewhere, file };
}

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

/** `runyard <args> --json` that runs to success: its RunEndedJson. */
async function runJson(args: string[], cwd: string) {
  const result = await cli([...args, "--json", "-q"], { runsDir: scratch.runsDir, cwd });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return RunEndedJsonSchema.parse(JSON.parse(result.stdout));
}

function output(runDirectory: string, capture: string): string {
  return readFileSync(join(runDirectory, capture), "utf8");
}

describe("runyard rerun", () => {
  it("runs the earlier run's copy again with its params, where its workflow was, whatever the file is now", async () => {
    const { flow, elsewhere, file } = layout();
    const first = await runJson(["run", "sweep.yaml", "-p", "case=cavity"], flow);
    // The file changes after the run, then goes: the rerun runs the copy all the same.
    writeFileSync(file, "steps:\n  other:\n    run: echo edited\n");
    rmSync(file);
    const second = await runJson(["rerun", first.runId.slice(-8)], elsewhere);
    expect(second.runId).not.toBe(first.runId);
    expect(second.finalStatus).toBe("success");
    for (const capture of ["000001-prepare.out", "000002-solve.out"]) {
      expect(output(second.runDirectory, capture)).toBe(output(first.runDirectory, capture));
    }
    // The relative cwd resolved against the workflow's directory, not where rerun ran.
    expect(output(second.runDirectory, "000001-prepare.out")).toBe(
      `prepare cavity in ${join(flow, "data")}\n`,
    );
    expect(output(second.runDirectory, "000002-solve.out")).toBe(
      "solve cavity on coarse for 3 steps\n",
    );
    expect(readFileSync(join(second.runDirectory, "workflow.yaml"), "utf8")).toBe(SWEEP);
    const meta = readJson(join(second.runDirectory, "meta.json"));
    expect(meta).toMatchObject({
      rerunOf: first.runId,
      workflowFile: file,
      cwd: elsewhere,
      params: { mesh: "coarse", case: "cavity", steps: "3" },
    });
    expect(readJson(join(first.runDirectory, "meta.json")).rerunOf).toBeUndefined();
    const launch = readJson(join(second.runDirectory, "launch.json"));
    expect(launch).toMatchObject({ rerunOf: first.runId, params: [["case", "cavity"]] });

    const show = await cli(["show", second.runId], { runsDir: scratch.runsDir });
    expect(show.stdout).toContain(
      `\nrerun of  ${first.runId}  (runyard show ${first.runId.slice(-8)})\n`,
    );
    const json = await cli(["show", second.runId, "--json"], { runsDir: scratch.runsDir });
    expect(ShowJsonSchema.parse(JSON.parse(json.stdout)).rerunOf).toBe(first.runId);
    const firstJson = await cli(["show", first.runId, "--json"], { runsDir: scratch.runsDir });
    expect(ShowJsonSchema.parse(JSON.parse(firstJson.stdout)).rerunOf).toBeNull();
  });

  it("takes -p and --params-file over the earlier run's values, and --dry-run says where each came from", async () => {
    const { flow, elsewhere } = layout();
    const first = await runJson(["run", "sweep.yaml", "-p", "case=cavity", "-p", "steps=5"], flow);
    writeFileSync(join(elsewhere, "fine.yaml"), "mesh: fine\nsteps: 7\n");
    const overrides = ["--params-file", "fine.yaml", "-p", "steps=9"];
    const dry = await cli(["rerun", "latest", ...overrides, "--dry-run", "--json"], {
      runsDir: scratch.runsDir,
      cwd: elsewhere,
    });
    expect(dry.code).toBe(0);
    const plan = DryRunJsonSchema.parse(JSON.parse(dry.stdout));
    expect(plan.params.map(({ name, value, source }) => [name, value, source])).toEqual([
      ["mesh", "fine", "file"],
      ["case", "cavity", "run"],
      ["steps", "9", "flag"],
    ]);
    expect(plan.steps.map((step) => [step.id, step.cwd])).toEqual([
      ["prepare", join(flow, "data")],
      ["solve", flow],
    ]);
    const text = await cli(["rerun", "latest", "--dry-run"], {
      runsDir: scratch.runsDir,
      cwd: elsewhere,
    });
    expect(text.stdout).toMatch(
      new RegExp(`case\\s+"cavity"\\s+string\\s+from run ${first.runId.slice(-8)}\\n`),
    );
    expect(text.stdout).toMatch(/mesh\s+"coarse"\s+string\s+default\n/);

    const second = await runJson(["rerun", "latest", ...overrides], elsewhere);
    expect(output(second.runDirectory, "000002-solve.out")).toBe(
      "solve cavity on fine for 9 steps\n",
    );
    // A value the copy refuses is refused before anything starts, named by the copy.
    const refused = await cli(["rerun", first.runId, "-p", "mesh=huge"], {
      runsDir: scratch.runsDir,
      cwd: elsewhere,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(join(first.runDirectory, "workflow.yaml"));
    expect(refused.stderr).toContain('"huge"');
  });

  it("refuses an unknown run, a run without its workflow copy, and one whose directory is gone unless given --workflow-dir", async () => {
    const { flow, elsewhere } = layout();
    const first = await runJson(["run", "sweep.yaml", "-p", "case=cavity"], flow);
    const options = { runsDir: scratch.runsDir, cwd: elsewhere };

    const unknown = await cli(["rerun", "0123abcd"], options);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain(`error: no run 0123abcd in ${scratch.runsDir}\n`);

    const moved = join(scratch.directory, "flow-moved");
    renameSync(flow, moved);
    const gone = await cli(["rerun", first.runId], options);
    expect(gone.code).toBe(4);
    expect(gone.stderr).toContain(
      `error: the directory run ${first.runId} ran its workflow in is gone: ${flow}\n`,
    );
    expect(gone.stderr).toContain("--workflow-dir DIR");
    const there = await runJson(
      ["rerun", first.runId, "--workflow-dir", "../flow-moved"],
      elsewhere,
    );
    expect(output(there.runDirectory, "000001-prepare.out")).toBe(
      `prepare cavity in ${join(moved, "data")}\n`,
    );
    expect(readJson(join(there.runDirectory, "meta.json")).workflowFile).toBe(
      join(moved, "sweep.yaml"),
    );
    const notDirectory = await cli(["rerun", first.runId, "--workflow-dir", "nowhere"], options);
    expect(notDirectory.code).toBe(2);
    expect(notDirectory.stderr).toContain(
      `error: not a directory: ${join(elsewhere, "nowhere")}\n`,
    );

    rmSync(join(first.runDirectory, "workflow.yaml"));
    const noCopy = await cli(["rerun", first.runId, "--workflow-dir", moved], options);
    expect(noCopy.code).toBe(4);
    expect(noCopy.stderr).toContain(`run ${first.runId} has no workflow copy to run again`);
    expect(noCopy.stderr).toContain(
      `hint: run the workflow file itself: runyard run ${join(flow, "sweep.yaml")}`,
    );
    // Refused runs leave nothing: the runs root holds the two runs that did run.
    expect(existsSync(scratch.runsDir)).toBe(true);
    expect(
      (await cli(["ps", "-n", "0", "--json"], options)).stdout.trimEnd().split("\n"),
    ).toHaveLength(2);
  });
});
