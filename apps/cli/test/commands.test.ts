import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, REPO, unprivilegedUser, useScratch } from "./cli.js";
import { fabricateRun } from "./fabricate.js";
import { runIdFor } from "./fixtures.js";

const scratch = useScratch();

describe("help and usage", () => {
  it("lists the commands on --help and exits 0", async () => {
    const result = await cli(["--help"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(0);
    for (const command of ["run", "ps", "show", "logs", "validate", "gui"])
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
  });

  it("prints help on stderr and exits 2 when no command is given", async () => {
    const result = await cli([], { runsDir: scratch.runsDir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("Usage: runyard <command> [options]");
  });

  it("shows a command's options and examples", async () => {
    const result = await cli(["run", "--help"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: runyard run <workflow.yaml> [options]");
    expect(result.stdout).toContain("--max-parallel");
    expect(result.stdout).toContain("--max-slurm-jobs <n>");
    expect(result.stdout).toContain("Examples:");
  });

  it("refuses a --max-slurm-jobs that is not a whole number of at least 1, starting nothing", async () => {
    for (const command of [
      ["run", "examples/hello.yaml"],
      ["resume", "latest"],
    ]) {
      const result = await cli([...command, "--max-slurm-jobs", "0"], {
        runsDir: scratch.runsDir,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        '--max-slurm-jobs expects a whole number of at least 1, got "0"',
      );
    }
  });

  it("exits 2 with a hint on an unknown command or flag", async () => {
    const unknown = await cli(["rnu"], { runsDir: scratch.runsDir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: unknown command "rnu"');
    expect(unknown.stderr).toContain("commands: run, rerun, attach");
    // Internal plumbing is not offered to people.
    expect(unknown.stderr).not.toContain("__complete");
    const flag = await cli(["ps", "--bogus"], { runsDir: scratch.runsDir });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("--bogus");
    expect(flag.stderr).toContain("hint: see 'runyard ps --help'");
  });

  it("says that the current directory no longer exists, when it was removed", async () => {
    const gone = join(scratch.directory, "gone");
    mkdirSync(gone);
    const result = await cli(["ps"], {
      runsDir: scratch.runsDir,
      cwd: gone,
      shell: 'rmdir "$PWD"',
    });
    expect(result.stderr).toContain("error: the current directory no longer exists");
    expect(result.stderr).not.toContain("cannot use");
    expect(result.code).toBe(4);
  });

  it("exits 4 when the workflow file does not exist", async () => {
    const result = await cli(["run", "nope.yaml"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("error: workflow file not found: nope.yaml");
  });

  it("prints the version", async () => {
    const result = await cli(["--version"], { runsDir: scratch.runsDir });
    expect(result.stdout).toMatch(/^runyard \d+\.\d+\.\d+/);
  });
});

describe("config", () => {
  it("puts runs where the config file's runsDir says, and names a broken config's line", async () => {
    const home = join(scratch.directory, "home");
    mkdirSync(home);
    writeFileSync(join(home, "config.yaml"), "runsDir: ../from-config\n");
    const env = { RUNYARD_RUNS_DIR: "", RUNYARD_HOME: home };
    const run = await cli(["run", "examples/hello.yaml", "-q"], { runsDir: scratch.runsDir, env });
    expect(run.code).toBe(0);
    expect(readdirSync(join(scratch.directory, "from-config"))).toHaveLength(1);
    expect(
      (await cli(["ps", "--json"], { runsDir: scratch.runsDir, env })).stdout
        .split("\n")
        .filter(Boolean),
    ).toHaveLength(1);

    writeFileSync(join(home, "config.yaml"), "runsDirectory: x\n");
    const broken = await cli(["ps"], { runsDir: scratch.runsDir, env });
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain(
      `${join(home, "config.yaml")}:1:1: runsDirectory: unknown key "runsDirectory" (expected one of runsDir, retention, hooks, hooksParallel)`,
    );
  });
});

describe("params", () => {
  it("passes --param values to the steps, and names a missing one", async () => {
    const file = join(scratch.directory, "align.yaml");
    writeFileSync(
      file,
      "params:\n  sample: {description: the sample}\n  threads: 2\nsteps:\n  show: {run: 'echo $sample/$threads'}\n",
    );
    const ok = await cli(
      ["run", file, "--param", "sample=NA12878", "-p", "threads=8", "--output"],
      { runsDir: scratch.runsDir },
    );
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/show\s+│ NA12878\/8/);
    const missing = await cli(["run", file], { runsDir: scratch.runsDir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing a value for param "sample" (the sample)');
    expect(missing.stderr).toContain("hint: give values with --param NAME=VALUE");
    const malformed = await cli(["run", file, "-p", "sample"], { runsDir: scratch.runsDir });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--param expects NAME=VALUE, got "sample"');
  });

  it("refuses values not of a param's type or not among its choices, all at once, before anything runs", async () => {
    const file = join(scratch.directory, "typed.yaml");
    writeFileSync(
      file,
      "params:\n  samples: 10\n  debug: false\n  mesh: {choices: [coarse, medium, fine], default: medium}\nsteps:\n  show: {run: 'echo $samples/$debug/$mesh'}\n",
    );
    const bad = await cli(["run", file, "-p", "samples=abc", "-p", "debug=yes", "-p", "mesh=fin"], {
      runsDir: scratch.runsDir,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`error: ${file}: 3 problems with the params\n`);
    expect(bad.stderr).toContain('param "samples": expected a number, got "abc"\n');
    expect(bad.stderr).toContain('param "debug": expected true or false, got "yes"\n');
    expect(bad.stderr).toContain(
      'param "mesh": expected one of coarse, medium, fine, got "fin" (did you mean "fine"?)',
    );
    expect(existsSync(scratch.runsDir)).toBe(false);
    const ok = await cli(["run", file, "-p", "samples=1e3", "-p", "debug=true", "--output"], {
      runsDir: scratch.runsDir,
    });
    expect(ok.code).toBe(0);
    // As given, not rewritten: 1e3 stays 1e3.
    expect(ok.stderr).toMatch(/show\s+│ 1e3\/true\/medium/);
  });

  it("refuses __proto__ as a param like any other unknown name", async () => {
    const file = join(scratch.directory, "show.yaml");
    writeFileSync(file, "params:\n  sample: x\nsteps:\n  show: {run: 'echo $sample'}\n");
    for (const name of ["bogus", "__proto__", "constructor"]) {
      const result = await cli(["run", file, "-p", `${name}=zz`], { runsDir: scratch.runsDir });
      expect([name, result.code]).toEqual([name, 2]);
      expect(result.stderr).toContain(`unknown param "${name}"`);
    }
    expect(existsSync(scratch.runsDir)).toBe(false);
  });
});

describe("ps, logs, validate", () => {
  it("lists runs newest first with their state, and prints their logs", async () => {
    expect(
      (await cli(["run", "examples/hello.yaml", "-q"], { runsDir: scratch.runsDir })).code,
    ).toBe(0);
    expect(
      (await cli(["run", "examples/failing.yaml", "-q"], { runsDir: scratch.runsDir })).code,
    ).toBe(1);
    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.code).toBe(0);
    const lines = ps.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+WORKFLOW\s+STATE\s+STARTED/);
    expect(lines[1]).toMatch(/failing\s+failed\s/);
    expect(lines[1]).toMatch(/1\/3 \(1 failed\)\s+compile failed \(exit 2\)$/);
    expect(lines[2]).toMatch(/hello\s+success\s/);
    expect(lines[2]).toMatch(/3\/3$/);

    const json = (await cli(["ps", "--json"], { runsDir: scratch.runsDir })).stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(
      json.map((run: { workflowName: string; state: string }) => [run.workflowName, run.state]),
    ).toEqual([
      ["failing", "failed"],
      ["hello", "success"],
    ]);

    const logs = await cli(["logs", "latest", "compile"], { runsDir: scratch.runsDir });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(
      /==> \d{6}-compile\.out <==\ncompiling\.\.\.\n\n==> \d{6}-compile\.err <==\nerror: main\.c:3: expected ';'\n/,
    );

    const suffix = (json[1] as { runId: string }).runId.slice(-8);
    const hello = await cli(["logs", suffix, "--stdout"], { runsDir: scratch.runsDir });
    expect(hello.stdout).toContain("count 1\ncount 2\ncount 3\n");
    expect(hello.stdout).not.toContain("counting done");

    // UUIDv7 ids start with the time: two runs a moment apart share their first digits.
    const ambiguous = await cli(
      ["logs", (json[0] as { runId: string }).runId.slice(0, 4), "--stdout"],
      { runsDir: scratch.runsDir },
    );
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain("matches several runs");

    // Not found (4), not "the run failed" (1).
    const missing = await cli(["logs", "latest", "nosuchstep"], { runsDir: scratch.runsDir });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('has no output from a step "nosuchstep"');
  });

  it("says there are no runs yet, and rejects an unknown run", async () => {
    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.code).toBe(0);
    expect(ps.stderr).toContain("no runs in");
    const logs = await cli(["logs", "0123abcd"], { runsDir: scratch.runsDir });
    expect(logs.code).toBe(4);
    expect(logs.stderr).toContain("error: no run 0123abcd in");
    const traversal = await cli(["logs", "../../etc"], { runsDir: scratch.runsDir });
    expect(traversal.code).toBe(2);
    expect(traversal.stderr).toContain('not a run id: "../../etc"');
  });

  it("validates workflow files, reporting every problem with its position", async () => {
    const good = await cli(["validate", "examples/hello.yaml"], { runsDir: scratch.runsDir });
    expect(good.code).toBe(0);
    expect(good.stdout).toBe("ok examples/hello.yaml: hello, 3 steps\n");
    const file = join(scratch.directory, "cycle.yaml");
    writeFileSync(file, "steps:\n  a: { run: x, needs: b }\n  b: { run: y, needs: a }\n");
    const bad = await cli(["validate", file], { runsDir: scratch.runsDir });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("a → b → a");
  });

  it("warns that run will refuse Slurm steps where Slurm's commands are missing", async () => {
    writeFileSync(
      join(scratch.directory, "wf.yaml"),
      "steps:\n  prep: {run: make}\n  x:\n    run: make big\n    backend: slurm\n",
    );
    // No Slurm here: RUNYARD_SLURM_BIN names where its commands would be.
    const options = {
      runsDir: scratch.runsDir,
      cwd: scratch.directory,
      env: { RUNYARD_SLURM_BIN: join(scratch.directory, "no-slurm") },
    };
    const validate = await cli(["validate", "wf.yaml"], options);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toBe("ok wf.yaml: wf, 2 steps\n");
    expect(validate.stderr).toBe(
      'warning: wf.yaml:3:3: steps.x.backend: "slurm" needs sbatch, which is not on PATH here; run will refuse it\n',
    );
    // What the warning foretells, before any step runs.
    const run = await cli(["run", "wf.yaml"], options);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      'step "x" runs on Slurm (backend: slurm), but sbatch is not on PATH here',
    );
    expect(run.stdout).not.toContain("prep");

    writeFileSync(
      join(scratch.directory, "wf.yaml"),
      "defaults: {backend: slurm}\nsteps:\n  a: {run: make}\n",
    );
    expect((await cli(["validate", "wf.yaml"], options)).stderr).toBe(
      'warning: wf.yaml:3:3: steps.a: backend "slurm" (from defaults.backend) needs sbatch, which is not on PATH here; run will refuse it\n',
    );
  });

  it("names an unreadable workflow once, and goes on to the next file", async () => {
    const result = await cli(["validate", scratch.directory, "examples/hello.yaml"], {
      runsDir: scratch.runsDir,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`cannot read workflow ${scratch.directory}: it is a directory\n`);
    expect(result.stdout).toBe("ok examples/hello.yaml: hello, 3 steps\n");
  });
});

describe("terminal escapes in validate, rm and gc", () => {
  const ESC = "\u001b";

  it("shows a name or path with control characters instead of sending them", async () => {
    const options = { runsDir: scratch.runsDir, cwd: scratch.directory };
    // A workflow's name defaults to its file's: both come back in validate's line.
    writeFileSync(join(scratch.directory, `${ESC}[31mred.yaml`), "steps:\n  a: {run: x}\n");
    const good = await cli(["validate", `${ESC}[31mred.yaml`], options);
    expect(good.code).toBe(0);
    expect(good.stdout).toBe("ok \\e[31mred.yaml: \\e[31mred, 1 step\n");
    writeFileSync(
      join(scratch.directory, `${ESC}]0;title\u0007.yaml`),
      "steps:\n  a: {run: x, needs: b}\n  b: {run: y, needs: a}\n",
    );
    const bad = await cli(["validate", `${ESC}]0;title\u0007.yaml`, `${ESC}[2Jgone.yaml`], options);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("\\e]0;title\\x07.yaml");
    expect(bad.stderr).toContain("\\e[2Jgone.yaml");
    expect(bad.stderr).not.toContain(ESC);

    const runId = runIdFor(7);
    fabricateRun(scratch.runsDir, {
      runId,
      startedAt: "2026-06-05T14:23:00.000Z",
      meta: {
        workflowName: `${ESC}[2J${ESC}]0;pwned\u0007evil`,
        finalStatus: "success",
        endedAt: "2026-06-05T14:25:00.000Z",
      },
      steps: [],
    });
    const rm = await cli(["rm", runId.slice(-8)], options);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toMatch(/^removed \w+ \(\\e\[2J\\e\]0;pwned\\x07evil, success, /);
    expect(rm.stdout + rm.stderr).not.toContain(ESC);

    const runsDir = join(scratch.directory, `runs${ESC}[2J`);
    const gc = await cli(["gc"], { ...options, runsDir });
    expect(gc.code).toBe(0);
    expect(gc.stdout).toContain(`nothing to remove in ${join(scratch.directory, "runs\\e[2J")};`);
    expect(gc.stdout + gc.stderr).not.toContain(ESC);
  });
});

describe("errors a user can act on", () => {
  const unprivileged = unprivilegedUser();

  it("names a config file that is a directory, exit 3, no talk of a bug", async () => {
    const result = await cli(["ps"], {
      runsDir: scratch.runsDir,
      env: { RUNYARD_RUNS_DIR: "", RUNYARD_CONFIG: scratch.directory },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `error: cannot read config ${scratch.directory}: it is a directory`,
    );
    expect(result.stderr).not.toContain("bug");
  });

  it("refuses a RUNYARD_CONFIG that names no file instead of ignoring it, exit 4", async () => {
    const missing = join(scratch.directory, "nonexistent", "x.yaml");
    const result = await cli(["ps"], {
      runsDir: scratch.runsDir,
      env: { RUNYARD_RUNS_DIR: "", RUNYARD_CONFIG: missing },
    });
    expect(result.stderr).toBe(
      `error: cannot read config ${missing}: no such file\n` +
        `hint: create ${missing}, or unset RUNYARD_CONFIG to use the default config\n`,
    );
    expect(result.code).toBe(4);
    // A missing config where it is looked for by default is an empty config.
    const home = join(scratch.directory, "home");
    const fine = await cli(["ps"], {
      runsDir: scratch.runsDir,
      env: { RUNYARD_RUNS_DIR: "", RUNYARD_CONFIG: "", RUNYARD_HOME: home },
    });
    expect(fine.code).toBe(0);
    expect(fine.stderr).toContain(`no runs in ${join(home, "runs")}`);
  });

  it.runIf(unprivileged)("names a config file it may not read, exit 77", async () => {
    chmodSync(scratch.directory, 0o755);
    const config = join(scratch.directory, "config.yaml");
    writeFileSync(config, "runsDir: runs\n", { mode: 0o600 });
    chmodSync(config, 0o000);
    const result = await cli(["ps"], {
      runsDir: scratch.runsDir,
      env: { RUNYARD_RUNS_DIR: "", RUNYARD_CONFIG: config },
      ...unprivileged,
    });
    expect(result.stderr).toContain(`error: cannot read config ${config}: permission denied`);
    expect(result.stderr).not.toContain("bug");
    expect(result.code).toBe(77);
  });

  it.runIf(unprivileged)(
    "says a read-only runs root cannot take a run, and how to choose another",
    async () => {
      chmodSync(scratch.directory, 0o755);
      mkdirSync(scratch.runsDir, { mode: 0o555 });
      chmodSync(scratch.runsDir, 0o555);
      const result = await cli(["run", join(REPO, "examples/hello.yaml")], {
        runsDir: scratch.runsDir,
        ...unprivileged,
      });
      expect(result.stderr).toContain(
        `error: cannot create the run directory in ${scratch.runsDir}: permission denied\n` +
          "hint: set RUNYARD_RUNS_DIR or pass --runs-dir to use a directory you can write\n",
      );
      expect(result.code).toBe(77);
      expect(readdirSync(scratch.runsDir)).toEqual([]);
    },
  );

  it("says a workflow path that is a directory is not a file, exit 3", async () => {
    const directory = join(scratch.directory, "pipeline.yaml");
    mkdirSync(directory);
    const result = await cli(["run", directory], { runsDir: scratch.runsDir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: not a file: ${directory} (it is a directory)`);
    expect(existsSync(scratch.runsDir)).toBe(false);
  });

  it("says a --port in use is in use, exit 2", async () => {
    const server = createServer();
    await new Promise<void>((resolvePromise) => server.listen(0, "127.0.0.1", resolvePromise));
    const { port } = server.address() as { port: number };
    try {
      const result = await cli(["gui", "--port", String(port)], { runsDir: scratch.runsDir });
      expect(result.stderr).toBe(
        `error: port ${port} is in use\nhint: choose another with --port or leave it out\n`,
      );
      expect(result.code).toBe(2);
    } finally {
      await new Promise((resolvePromise) => server.close(resolvePromise));
    }
  });
});
