// `runyard export --bash`, the command: where the script goes, and every way it refuses, each
// before anything is written.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, useScratch } from "./cli.js";

const scratch = useScratch();

describe("runyard export", () => {
  it("writes the script on stdout, or to -o as an executable file", async () => {
    const printed = await cli(["export", "--bash", "examples/hello.yaml"], {
      runsDir: scratch.runsDir,
    });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^#!\/usr\/bin\/env bash\n# The workflow "hello" as a bash/);
    const file = join(scratch.directory, "hello.sh");
    writeFileSync(file, "old", { mode: 0o644 });
    const written = await cli(["export", "--bash", "examples/hello.yaml", "-o", file], {
      runsDir: scratch.runsDir,
    });
    expect(written.code).toBe(0);
    expect(written.stdout).toBe("");
    expect(readFileSync(file, "utf8")).toBe(printed.stdout);
    expect(statSync(file).mode & 0o777).toBe(0o755);
  });

  it("refuses what runyard run would refuse, saying where", async () => {
    const { directory, runsDir } = scratch;
    const write = (name: string, text: string) => {
      writeFileSync(join(directory, name), text);
      return join(directory, name);
    };
    const cases: [string[], number, string][] = [
      [["export", "examples/hello.yaml"], 2, "say which format: --bash"],
      [["export", "--bash"], 2, "missing the workflow file"],
      [["export", "--bash", "nowhere.yaml"], 4, "cannot read workflow nowhere.yaml: no such file"],
      [
        ["export", "--bash", write("bad.yaml", "steps:\n  a:\n    rn: echo\n")],
        3,
        'bad.yaml:3:5: steps.a.rn: unknown key "rn" (did you mean "run"?)',
      ],
      [
        [
          "export",
          "--bash",
          "examples/params.yaml",
          "--params-file",
          write("p.yaml", "mesh: fin\n"),
        ],
        2,
        'p.yaml:1:7: param "mesh": expected one of coarse, medium, fine, got "fin"',
      ],
      [
        ["export", "--bash", write("slurm.yaml", "steps:\n  a:\n    run: x\n    backend: slurm\n")],
        3,
        'step "a"',
      ],
      [
        ["export", "--bash", write("nul.yaml", 'steps:\n  a:\n    run: "echo \\0"\n')],
        3,
        "steps.a.run holds a NUL byte",
      ],
      [
        ["export", "--bash", "examples/hello.yaml", "-o", join(directory, "no/such/dir/x.sh")],
        4,
        `cannot open ${join(directory, "no/such/dir/x.sh")}: no such file or directory`,
      ],
    ];
    for (const [args, code, message] of cases) {
      const result = await cli(args, { runsDir });
      expect(result.code, args.join(" ")).toBe(code);
      expect(result.stderr, args.join(" ")).toContain(message);
      expect(result.stdout).toBe("");
    }
  });
});
