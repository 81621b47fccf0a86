import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ValidateLineJsonSchema } from "../src/index.js";
import { cli, useScratch } from "./cli.js";

const scratch = useScratch();

describe("runyard validate --json", () => {
  it("gives one line per file: valid or not, each problem with its line and column", async () => {
    writeFileSync(
      join(scratch.directory, "broken.yaml"),
      "steps:\n  a: { run: x, needs: b }\n  b: { run: y, needs: a }\n",
    );
    writeFileSync(
      join(scratch.directory, "slurm.yaml"),
      "steps:\n  prep: {run: make}\n  x:\n    run: make big\n    backend: slurm\n",
    );
    const hello = join(process.cwd(), "examples/hello.yaml");
    const result = await cli(
      ["validate", "--json", hello, "broken.yaml", "missing.yaml", "slurm.yaml"],
      {
        runsDir: scratch.runsDir,
        cwd: scratch.directory,
        env: { RUNYARD_SLURM_BIN: join(scratch.directory, "no-slurm") },
      },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toBe("");
    const lines = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => ValidateLineJsonSchema.parse(JSON.parse(line)));
    expect(lines.map((line) => [line.file, line.valid])).toEqual([
      [hello, true],
      ["broken.yaml", false],
      ["missing.yaml", false],
      ["slurm.yaml", true],
    ]);
    expect(lines[0]).toMatchObject({ workflowName: "hello", steps: 3, errors: [], warnings: [] });
    expect(lines[1]?.errors[0]).toMatchObject({ line: 2, column: expect.any(Number) });
    expect(lines[1]?.errors[0]?.message).toMatch(/cycle/);
    expect(lines[2]?.errors).toEqual([
      {
        path: "",
        message: expect.stringMatching(/^cannot read workflow .*missing\.yaml: /),
        line: null,
        column: null,
      },
    ]);
    expect(lines[3]?.warnings).toEqual([
      {
        path: "steps.x.backend",
        message: '"slurm" needs sbatch, which is not on PATH here; run will refuse it',
        line: 3,
        column: 3,
      },
    ]);
  });
});
