// `runyard graph`: the DAG of a workflow file as Mermaid or DOT, nothing run.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, useScratch } from "./cli.js";

const scratch = useScratch();

describe("runyard graph", () => {
  it("prints a decision as Mermaid: a dashed failure edge, labelled always edges", async () => {
    const result = await cli(["graph", "examples/decision.yaml"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        "%% decision",
        "flowchart TD",
        '  s0_solve["solve"]',
        '  s1_refine["refine"]',
        '  s2_fallback["fallback"]',
        '  s3_report["report"]',
        "  s0_solve --> s1_refine",
        "  s0_solve -. failure .-> s2_fallback",
        "  s1_refine -- always --> s3_report",
        "  s2_fallback -- always --> s3_report",
        "",
      ].join("\n"),
    );
    // Nothing ran.
    expect(existsSync(scratch.runsDir)).toBe(false);
  });

  it("prints DOT for Graphviz, names escaped, ids with dots and dashes quoted", async () => {
    const file = join(scratch.directory, "wf.yaml");
    writeFileSync(
      file,
      'name: my "flow"\nsteps:\n  10-mesh.v2:\n    name: Mesh "fine"\n    run: echo\n  solve:\n    needs: 10-mesh.v2\n    run: echo\n',
    );
    const result = await cli(["graph", file, "--format", "dot"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'digraph "my \\"flow\\"" {',
        "  rankdir=TB;",
        "  node [shape=box];",
        '  "10-mesh.v2" [label="Mesh \\"fine\\""];',
        '  "solve" [label="solve"];',
        '  "10-mesh.v2" -> "solve";',
        "}",
        "",
      ].join("\n"),
    );
    const mermaid = await cli(["graph", file], { runsDir: scratch.runsDir });
    expect(mermaid.stdout).toContain('  s0_10_mesh_v2["Mesh #34;fine#34;"]');
    expect(mermaid.stdout).toContain("  s0_10_mesh_v2 --> s1_solve");
  });

  it("refuses an invalid workflow with its problems, and an unknown format", async () => {
    const file = join(scratch.directory, "bad.yaml");
    writeFileSync(file, "steps:\n  a:\n    run: echo\n    needs: b\n");
    const invalid = await cli(["graph", file], { runsDir: scratch.runsDir });
    expect(invalid.code).toBe(3);
    expect(invalid.stdout).toBe("");
    expect(invalid.stderr).toContain(`${file}:4:12: steps.a.needs: unknown step "b"`);
    const format = await cli(["graph", "examples/hello.yaml", "--format", "svg"], {
      runsDir: scratch.runsDir,
    });
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format expects mermaid or dot, got "svg"');
  });
});
