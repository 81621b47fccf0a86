// `runyard run --params-file` and `--dry-run`, as a user meets them: the values steps see,
// the messages (with the params file's lines), the exit statuses, and that a dry run or a
// refused run leaves nothing on disk.
import { existsSync, mkdirSync, readdirSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DryRunJsonSchema } from "../src/index.js";
import { type CliResult, cli, useScratch } from "./cli.js";

const scratch = useScratch();

const SIM = `name: sim
params:
  samples: 10
  mesh:
    description: Mesh resolution
    choices: [coarse, medium, fine]
    default: medium
  debug: false
  case:
    description: Case directory
  label: {required: false}
defaults:
  timeout: 1h
steps:
  report:
    needs: [solve, fallback]
    if: always
    run: echo "report $debug"
  mesh:
    run: echo "mesh $mesh"
  fetch:
    run: echo fetch
    retries: 2
    retryDelay: 30s
    cwd: data
  solve:
    name: Solve it
    needs: [mesh, fetch]
    run: echo "solve $samples $case $mesh"
    timeout: 90s
  fallback:
    needs: solve
    if: failure
    run: echo fallback
`;

function files(): { workflow: string; params: (text: string) => string } {
  const workflow = join(scratch.directory, "sim.yaml");
  writeFileSync(workflow, SIM);
  mkdirSync(join(scratch.directory, "data"));
  return {
    workflow,
    params: (text) => {
      const path = join(scratch.directory, "params.yaml");
      writeFileSync(path, text);
      return path;
    },
  };
}

/** Runs the CLI while watching `directory` (which must exist): every name created in it. */
async function watching(
  directory: string,
  run: () => Promise<CliResult>,
): Promise<{ result: CliResult; created: string[] }> {
  const created: string[] = [];
  const watcher = watch(directory, (_event, name) => {
    if (name !== null) created.push(String(name));
  });
  try {
    const result = await run();
    // Events already queued are delivered before the watcher closes.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { result, created };
  } finally {
    watcher.close();
  }
}

describe("runyard run --params-file", () => {
  it("gives the steps the file's values as written, with -p winning over the file", async () => {
    const { workflow, params } = files();
    const file = params("case: cavity\nsamples: 1e3 # as written\nmesh: coarse\n");
    const result = await cli(
      ["run", workflow, "--params-file", file, "-p", "mesh=fine", "--output"],
      { runsDir: scratch.runsDir, cwd: scratch.directory },
    );
    expect(result.stderr).toMatch(/solve\s+│ solve 1e3 cavity fine/);
    expect(result.code).toBe(0);
  });

  it("names the file, line and column of every value it refuses, before anything is created", async () => {
    const { workflow, params } = files();
    params("case: cavity\nsamples: abc\nmesh: fin\nsampels: 3\n");
    const result = await cli(
      ["run", "sim.yaml", "--params-file", "params.yaml", "-p", "debug=yes"],
      { runsDir: scratch.runsDir, cwd: scratch.directory },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      [
        "error: sim.yaml: 4 problems with the params",
        'params.yaml:4:1: unknown param "sampels" (did you mean "samples"?)',
        'params.yaml:2:10: param "samples": expected a number, got "abc"',
        'params.yaml:3:7: param "mesh": expected one of coarse, medium, fine, got "fin" (did you mean "fine"?)',
        'param "debug": expected true or false, got "yes"',
      ].join("\n"),
    );
    expect(existsSync(scratch.runsDir)).toBe(false);
    expect(existsSync(workflow)).toBe(true);
  });

  it("refuses a file that is not a mapping of names to plain values, saying where", async () => {
    const { workflow, params } = files();
    const cases: Array<[string, string]> = [
      [
        "- case: cavity\n",
        "params.yaml:1:1: expected a mapping of param names to values (name: value), found a list",
      ],
      [
        "case:\n  dir: cavity\n",
        "params.yaml:2:3: case: expected a string, a number or a boolean, found a mapping",
      ],
      [
        "case: [a, b]\n",
        "params.yaml:1:7: case: expected a string, a number or a boolean, found a list",
      ],
      [
        "case:\n",
        "params.yaml:1:1: case: expected a string, a number or a boolean, found an empty value",
      ],
      [
        "case: a\ncase: b\n",
        'params.yaml:2:1: case: duplicate param "case" (first defined at line 1, column 1)',
      ],
      ["case: [a, b\nsamples: 3\n", "params.yaml:2:1: invalid YAML: Flow sequence"],
    ];
    for (const [text, message] of cases) {
      params(text);
      const result = await cli(["run", workflow, "--params-file", "params.yaml"], {
        runsDir: scratch.runsDir,
        cwd: scratch.directory,
      });
      expect([text, result.code]).toEqual([text, 2]);
      expect(result.stderr).toContain(`error: ${message}`);
    }
    const missing = await cli(["run", workflow, "--params-file", "nope.yaml"], {
      runsDir: scratch.runsDir,
      cwd: scratch.directory,
    });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain("error: cannot read params file nope.yaml: no such file");
    expect(existsSync(scratch.runsDir)).toBe(false);
  });

  it("takes JSON, and a file of comments only as no values", async () => {
    const { workflow, params } = files();
    params('{"case": "cavity", "samples": 20, "debug": true}\n');
    const json = await cli(
      ["run", workflow, "--params-file", "params.yaml", "--dry-run", "--json"],
      {
        runsDir: scratch.runsDir,
        cwd: scratch.directory,
      },
    );
    expect(json.code).toBe(0);
    const plan = DryRunJsonSchema.parse(JSON.parse(json.stdout));
    expect(plan.params.map((param) => [param.name, param.value, param.source])).toEqual([
      ["samples", "20", "file"],
      ["mesh", "medium", "default"],
      ["debug", "true", "file"],
      ["case", "cavity", "file"],
      ["label", null, null],
    ]);
    params("# nothing here\n");
    const empty = await cli(["run", workflow, "--params-file", "params.yaml", "--dry-run"], {
      runsDir: scratch.runsDir,
      cwd: scratch.directory,
    });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(
      `error: ${workflow}: missing a value for param "case" (Case directory)`,
    );
  });
});

describe("runyard run --dry-run", () => {
  it("prints the plan: params with their sources, steps in the order they can start", async () => {
    const { workflow, params } = files();
    params("case: cavity\nsamples: 1e3\n");
    const result = await cli(
      ["run", workflow, "--dry-run", "--params-file", "params.yaml", "-p", "mesh=fine"],
      { runsDir: scratch.runsDir, cwd: scratch.directory },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const text = result.stdout;
    expect(text).toMatch(/^dry run of sim \(.*sim\.yaml\): 5 steps; nothing was started\n/);
    expect(text).toContain(
      [
        "params:",
        '  samples  "1e3"     number   from params.yaml',
        '  mesh     "fine"    string   from -p',
        '  debug    "false"   boolean  default',
        '  case     "cavity"  string   from params.yaml',
        "  label    -         string   not set (optional)",
      ].join("\n"),
    );
    // By stage, then in file order: report is listed first in the file but starts last.
    expect([...text.matchAll(/^ {2}\d+\. (\S+)/gm)].map((match) => match[1])).toEqual([
      "mesh",
      "fetch",
      "solve",
      "fallback",
      "report",
    ]);
    expect(text).toContain(
      [
        "  2. fetch  stage 1",
        "       needs:    -",
        "       if:       success",
        "       timeout:  1h",
        "       retries:  2, 30s apart",
        "       backend:  local",
        `       cwd:      ${join(scratch.directory, "data")}`,
      ].join("\n"),
    );
    expect(text).toContain("  3. solve (Solve it)  stage 2\n       needs:    mesh, fetch\n");
    expect(text).toContain("       timeout:  1m30s\n");
    expect(text).toContain(
      "  5. report  stage 4\n       needs:    solve, fallback\n       if:       always\n",
    );
  });

  it("creates nothing: no runs root, nothing in an existing one, no executor", async () => {
    const { workflow } = files();
    // No runs root: none is made, not even for a moment (an executor started early would make
    // its staging directory there).
    const fresh = await watching(scratch.directory, () =>
      cli(["run", workflow, "--dry-run", "-p", "case=x"], { runsDir: scratch.runsDir }),
    );
    expect(fresh.result.code).toBe(0);
    expect(fresh.created).toEqual([]);
    expect(existsSync(scratch.runsDir)).toBe(false);
    // An existing runs root is left as it was.
    mkdirSync(scratch.runsDir);
    const existing = await watching(scratch.runsDir, () =>
      cli(["run", workflow, "--dry-run", "--json", "-p", "case=x"], { runsDir: scratch.runsDir }),
    );
    expect(existing.result.code).toBe(0);
    expect(existing.created).toEqual([]);
    expect(readdirSync(scratch.runsDir)).toEqual([]);
    // A runs root that could not even be made does not matter: it is never looked at.
    const blocked = join(scratch.directory, "sim.yaml", "runs");
    const unusable = await cli(
      ["run", workflow, "--dry-run", "-p", "case=x", "--runs-dir", blocked],
      {
        runsDir: scratch.runsDir,
      },
    );
    expect(unusable.code).toBe(0);
  });

  it("gives the plan as JSON, every field there", async () => {
    const { workflow } = files();
    const result = await cli(["run", workflow, "--dry-run", "--json", "-p", "case=x"], {
      runsDir: scratch.runsDir,
    });
    expect(result.code).toBe(0);
    const plan = DryRunJsonSchema.parse(JSON.parse(result.stdout));
    expect(plan.workflowName).toBe("sim");
    expect(plan.workflowFile).toBe(workflow);
    expect(plan.steps.map((step) => [step.id, step.stage])).toEqual([
      ["mesh", 1],
      ["fetch", 1],
      ["solve", 2],
      ["fallback", 3],
      ["report", 4],
    ]);
    expect(plan.steps[2]).toEqual({
      id: "solve",
      name: "Solve it",
      stage: 2,
      needs: ["mesh", "fetch"],
      condition: "success",
      timeoutMs: 90_000,
      retries: 0,
      retryDelayMs: 0,
      backend: "local",
      cwd: scratch.directory,
      run: 'echo "solve $samples $case $mesh"',
      foreach: null,
    });
    expect(plan.steps[1]).toMatchObject({ retries: 2, retryDelayMs: 30_000, timeoutMs: 3_600_000 });
    expect(plan.params[0]).toEqual({
      name: "samples",
      type: "number",
      choices: null,
      value: "10",
      source: "default",
    });
    expect(plan.params[1]).toMatchObject({ choices: ["coarse", "medium", "fine"] });
  });

  it("exits as run would: 3 for an invalid workflow, 2 for params, nothing on stdout", async () => {
    const { workflow } = files();
    const invalid = join(scratch.directory, "broken.yaml");
    writeFileSync(invalid, "steps:\n  a: {run: x, needs: b}\n");
    const broken = await cli(["run", invalid, "--dry-run"], { runsDir: scratch.runsDir });
    expect(broken.code).toBe(3);
    expect(broken.stdout).toBe("");
    expect(broken.stderr).toContain('broken.yaml:2:22: steps.a.needs: unknown step "b"');
    const params = await cli(["run", workflow, "--dry-run", "--json", "-p", "samples=x"], {
      runsDir: scratch.runsDir,
    });
    expect(params.code).toBe(2);
    expect(params.stdout).toBe("");
    expect(params.stderr).toContain(
      `error: ${workflow}: 2 problems with the params\nparam "samples": expected a number, got "x"\nmissing a value for param "case" (Case directory)\n`,
    );
    const detach = await cli(["run", workflow, "--dry-run", "-d"], { runsDir: scratch.runsDir });
    expect(detach.code).toBe(2);
    expect(detach.stderr).toContain("--dry-run starts nothing, so it cannot --detach");
    expect(existsSync(scratch.runsDir)).toBe(false);
  });
});

describe("examples/params.yaml", () => {
  it("runs with its defaults, and refuses a misspelt choice and a word for a number", async () => {
    const ok = await cli(["run", "examples/params.yaml", "-o", "-p", "mesh=fine"], {
      runsDir: scratch.runsDir,
    });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/mesh\s+│ meshing at fine resolution: 64000 cells/);
    expect(ok.stderr).toMatch(/report\s+│ report \(no label\): mesh=fine samples=100 debug=false/);
    const bad = await cli(["run", "examples/params.yaml", "-p", "mesh=fin", "-p", "samples=many"], {
      runsDir: join(scratch.directory, "other-runs"),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'param "mesh": expected one of coarse, medium, fine, got "fin" (did you mean "fine"?)\nparam "samples": expected a number, got "many"\n',
    );
    expect(existsSync(join(scratch.directory, "other-runs"))).toBe(false);
  });
});
