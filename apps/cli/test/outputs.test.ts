// Step outputs and a return value through the CLI: `runyard run` prints the return value on
// stdout alone (so a script can capture it), `--json` and `show` carry it, and `show --json`
// gives each step's outputs.
import { describe, expect, it } from "vitest";
import { cli, useScratch } from "./cli.js";

const scratch = useScratch();

describe("outputs and return in the CLI", () => {
  it("prints the return value on stdout, and nothing else there", async () => {
    const result = await cli(["run", "-q", "examples/outputs.yaml"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("app-1.4.2.tar.gz\n");
    const json = await cli(["run", "--json", "examples/outputs.yaml"], {
      runsDir: scratch.runsDir,
    });
    expect(JSON.parse(json.stdout)).toMatchObject({
      finalStatus: "success",
      returnValue: "app-1.4.2.tar.gz",
    });
  });

  it("shows the return value and each step's outputs", async () => {
    await cli(["run", "-q", "examples/outputs.yaml"], { runsDir: scratch.runsDir });
    const text = await cli(["show", "last"], { runsDir: scratch.runsDir });
    expect(text.stdout).toMatch(/^return +app-1\.4\.2\.tar\.gz$/m);
    const json = JSON.parse(
      (await cli(["show", "last", "--json"], { runsDir: scratch.runsDir })).stdout,
    ) as {
      returnValue: string | null;
      steps: { id: string; outputs: Record<string, string> }[];
    };
    expect(json.returnValue).toBe("app-1.4.2.tar.gz");
    expect(json.steps.map((step) => [step.id, step.outputs])).toEqual([
      ["version", { VERSION: "1.4.2", NOTES: "faster meshing\nfewer warnings" }],
      ["build", { ARTIFACT: "app-1.4.2.tar.gz" }],
      ["release-notes", {}],
    ]);
  });

  it("a failed run prints no return value", async () => {
    const result = await cli(["run", "-q", "examples/failing.yaml"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
  });
});
