// foreach through the CLI: what a user watching `runyard run` sees, then `ps`, `show`, `logs`
// and `graph` of a loop.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, useScratch } from "./cli.js";

const scratch = useScratch();

describe("foreach in the CLI", () => {
  it("runs examples/foreach.yaml: a line per loop and instance, loops counted as their instances", async () => {
    const result = await cli(["run", "examples/foreach.yaml"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(0);
    const lines = result.stderr.split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}⋯ mesh +3 items, 2 at a time$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}⋯ solve +3 items from \$\{RUNYARD_RUN_DIR\}\/samples\.txt$/),
    );
    expect(lines.some((line) => /^ {2}✓ solve\[sample-b\] +completed in /.test(line))).toBe(true);
    expect(
      lines.some((line) => /^ {2}✓ mesh +completed in .* — all 3 items completed$/.test(line)),
    ).toBe(true);
    // 2 plain steps and 9 instances; the 3 loops are not counted beside their instances.
    expect(lines).toContainEqual(expect.stringMatching(/^success in .*: 11 completed$/));

    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.stdout).toMatch(/ 11\/11( |$)/m);
    const show = await cli(["show", "last", "--json"], { runsDir: scratch.runsDir });
    const steps = (JSON.parse(show.stdout) as { steps: { id: string; status: string }[] }).steps;
    expect(steps.map((step) => step.id).slice(0, 5)).toEqual([
      "list",
      "mesh",
      "mesh[coarse]",
      "mesh[medium]",
      "mesh[fine]",
    ]);
    const logs = await cli(["logs", "last", "solve[sample-c]"], { runsDir: scratch.runsDir });
    expect(logs.stdout).toContain("solving sample-c\n");
    // The loop's id gives every instance's output, in the order they started.
    const all = await cli(["logs", "last", "seeds", "--stdout"], { runsDir: scratch.runsDir });
    expect(all.stdout.match(/^seed \d$/gm)).toEqual(["seed 1", "seed 2", "seed 3"]);
    expect(all.stdout).not.toContain("solving");
  });

  it("says which instance failed, and points at its output", async () => {
    const file = join(scratch.directory, "wf.yaml");
    writeFileSync(
      file,
      'steps:\n  mesh:\n    foreach: "1-3"\n    run: test "$RUNYARD_ITEM" != 2 || { echo "diverged at $RUNYARD_ITEM" >&2; exit 4; }\n',
    );
    const result = await cli(["run", file], { runsDir: scratch.runsDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("  ✗ mesh[2]  failed (exit 4) in ");
    expect(result.stderr).toMatch(/✗ mesh +failed in .* — 1 of 3 items failed: mesh\[2\]\n/);
    expect(result.stderr).toMatch(/failed in .*: 2 completed, 1 failed\n/);
    expect(result.stderr).toContain("runyard logs ");
    expect(result.stderr).toMatch(/runyard logs \w+ mesh\[2\]\n/);
    const show = await cli(["show", "last"], { runsDir: scratch.runsDir });
    expect(show.stdout).toMatch(/state +failed: step mesh\[2\] failed \(exit 4\)\n/);
    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.stdout).toMatch(/ 2\/3 \(1 failed\) +mesh\[2\] failed \(exit 4\)/);
    const err = readFileSync(
      join(
        scratch.runsDir,
        (
          JSON.parse(
            (await cli(["show", "last", "--json"], { runsDir: scratch.runsDir })).stdout,
          ) as { runId: string }
        ).runId,
        "000002-mesh[2].err",
      ),
      "utf8",
    );
    expect(err).toBe("diverged at 2\n");
  });

  it("graph draws a loop as one node that says what it runs over", async () => {
    const result = await cli(["graph", "examples/foreach.yaml"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  s1_mesh[["mesh (foreach: 3 items)"]]');
    expect(result.stdout).toContain(
      `  s3_solve[["solve (foreach: each line of ${"$"}{RUNYARD_RUN_DIR}/samples.txt)"]]`,
    );
    const dot = await cli(["graph", "examples/foreach.yaml", "--format", "dot"], {
      runsDir: scratch.runsDir,
    });
    expect(dot.stdout).toContain('  "seeds" [label="seeds (foreach: 3 items)", shape=box3d];');
  });

  it("dry run lists a loop's instances, or its item file with the params put in", async () => {
    const file = join(scratch.directory, "loop.yaml");
    writeFileSync(
      file,
      [
        "params: {dataset: data}",
        "steps:",
        "  sweep: {foreach: '0-20:10', parallel: 2, run: echo $RUNYARD_ITEM}",
        `  per-sample: {foreach: {file: '${"$"}{dataset}/list.txt'}, run: echo $RUNYARD_ITEM}`,
        "",
      ].join("\n"),
    );
    const text = await cli(["run", file, "--dry-run"], { runsDir: scratch.runsDir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      "foreach:  3 items: sweep[0], sweep[10], sweep[20], 2 at a time\n",
    );
    expect(text.stdout).toContain(
      `foreach:  each line of ${join(scratch.directory, "data", "list.txt")}, read when the step is ready\n`,
    );
    const json = await cli(["run", file, "--dry-run", "--json", "-p", "dataset=/d"], {
      runsDir: scratch.runsDir,
    });
    const steps = (JSON.parse(json.stdout) as { steps: { foreach: unknown }[] }).steps;
    expect(steps.map((step) => step.foreach)).toEqual([
      {
        parallel: 2,
        instances: [
          { id: "sweep[0]", item: "0" },
          { id: "sweep[10]", item: "10" },
          { id: "sweep[20]", item: "20" },
        ],
        file: null,
      },
      { parallel: null, instances: null, file: "/d/list.txt" },
    ]);
    expect(existsSync(scratch.runsDir)).toBe(false);
  });
});
