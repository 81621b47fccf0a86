// Hooks through the CLI: `runyard run` reads the user's config (even with --runs-dir) and a
// trusted project's .runyard.yaml, and the detached executor runs their hooks; an untrusted or
// edited project config is ignored with one warning; `runyard trust` records, lists and takes
// back the trust; a broken config is refused, naming its file, line and field.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { cli, useScratch } from "./cli.js";

const scratch = useScratch();

/** A git project with a workflow, and a Runyard home whose config is `config` (if given). */
function setUp(config?: string) {
  const home = join(scratch.directory, "home");
  const project = join(scratch.directory, "project");
  mkdirSync(join(project, ".git"), { recursive: true });
  mkdirSync(join(project, "flows"));
  const workflow = join(project, "flows", "flow.yaml");
  writeFileSync(workflow, "steps:\n  greet:\n    run: echo hello\n");
  mkdirSync(home);
  if (config !== undefined) writeFileSync(join(home, "config.yaml"), config);
  const options = { runsDir: scratch.runsDir, cwd: project, env: { RUNYARD_HOME: home } };
  return { home, project, workflow, options };
}

/** Waits for `path` to exist (a hook writes it, maybe after `runyard run` has returned). */
async function written(path: string): Promise<string> {
  return vi.waitFor(() => readFileSync(path, "utf8"), { timeout: 15_000, interval: 50 });
}

describe("hooks in runyard run", () => {
  it("runs the user's hooks with the event's JSON on stdin, --runs-dir or not", async () => {
    const out = join(scratch.directory, "run-end.json");
    const { workflow, options } = setUp(
      `hooks:\n  - name: record\n    on: run-end\n    run: cat > ${out}\n`,
    );
    const result = await cli(["run", "-q", "--runs-dir", scratch.runsDir, workflow], options);
    expect(result.code, result.stderr).toBe(0);
    const event = JSON.parse(await written(out));
    const timeline = readFileSync(join(scratch.runsDir, event.runId, "run_summary.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(event).toEqual(timeline.at(-1));
    expect(event).toMatchObject({ type: "run-end", finalStatus: "success" });
  });

  it("ignores an untrusted project config with a warning; trusted it runs; edited it is untrusted again", async () => {
    const { project, workflow, options } = setUp();
    const config = join(project, ".runyard.yaml");
    writeFileSync(config, "hooks:\n  - on: step-end\n    run: cat >> ../hooked.jsonl\n");
    const hooked = join(scratch.directory, "hooked.jsonl");

    const untrusted = await cli(["run", workflow], options);
    expect(untrusted.code, untrusted.stderr).toBe(0);
    expect(untrusted.stderr).toContain(
      `warning: ignoring the hooks of ${config}: you have not trusted it\n` +
        `hint: read it, then trust it: runyard trust ${project}\n`,
    );

    const trust = await cli(["trust", "flows"], options);
    expect(trust.code, trust.stderr).toBe(0);
    expect(trust.stdout).toMatch(new RegExp(`^trusted: ${config} \\(sha256 [0-9a-f]{12}…\\)\\n`));
    expect(trust.stdout).toContain(
      `its hooks run in your runs of the workflows under ${project}:\n`,
    );
    expect(trust.stdout).toMatch(/^ {2}on step-end {2}cat >> \.\.\/hooked\.jsonl\n$/m);

    const trusted = await cli(["run", workflow], options);
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stderr).not.toContain("warning");
    // The hook ran in the project config's directory, on the step's end.
    expect(JSON.parse(await written(hooked))).toMatchObject({ type: "step-end", stepId: "greet" });

    appendFileSync(config, "  - on: run-start\n    run: touch ../sneaked-in\n");
    const edited = await cli(["run", "-q", workflow], options);
    expect(edited.stderr).toBe("");
    const noisy = await cli(["run", workflow], options);
    expect(noisy.stderr).toContain(
      `warning: ignoring the hooks of ${config}: it changed since you trusted it\n`,
    );
    expect(existsSync(join(scratch.directory, "sneaked-in"))).toBe(false);
    expect((await cli(["trust", "--list"], options)).stdout).toMatch(
      new RegExp(`^${config} {2}changed since: its hooks do not run {2}\\S+Z\\n$`),
    );

    expect((await cli(["trust", "--remove"], options)).stdout).toBe(
      `no longer trusted: ${config}; its hooks do not run\n`,
    );
    expect((await cli(["trust", "--list"], options)).stdout).toBe("you trust no project config\n");
  });

  it("refuses a config that is not valid, naming the file, the line and the field", async () => {
    const { home, project, workflow, options } = setUp(
      "hooks:\n  - on: run-end\n    run: echo\n    timeout: soon\n",
    );
    const result = await cli(["run", "--runs-dir", scratch.runsDir, workflow], options);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      `error: ${join(home, "config.yaml")}:4:14: hooks[0].timeout: expected a duration such as "30s", "10m" or "1h30m", found "soon"\n`,
    );

    // A project config that is not valid is not trusted, and nothing is recorded.
    writeFileSync(join(home, "config.yaml"), "");
    writeFileSync(join(project, ".runyard.yaml"), "hooks:\n  - on: [run-end]\n    rn: echo\n");
    const trust = await cli(["trust"], options);
    expect(trust.code).toBe(3);
    expect(trust.stderr).toContain(
      `error: ${join(project, ".runyard.yaml")}: 2 problems\n` +
        `${join(project, ".runyard.yaml")}:2:5: hooks[0]: missing required key "run"\n`,
    );
    expect(existsSync(join(home, "trusted.json"))).toBe(false);
  });
});

describe("runyard trust", () => {
  it("says where it looked when there is no project config", async () => {
    const { options } = setUp();
    const result = await cli(["trust", "flows"], options);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(
      `error: no .runyard.yaml in ${join(scratch.directory, "project", "flows")}, or above it up to its repository's root\n`,
    );
  });

  it("explains itself in --help: what a hook is, where the trust is kept, when it lapses", async () => {
    const { stdout, code } = await cli(["trust", "--help"], { runsDir: scratch.runsDir });
    expect(code).toBe(0);
    for (const words of [
      "Usage: runyard trust [<dir> | <file>] [--remove] [--list]",
      "~/.runyard/trusted.json",
      "it is untrusted again",
      "--remove",
      "--list",
      "docs/config.md",
    ]) {
      expect(stdout.replace(/\s+/g, " ")).toContain(words);
    }
  });
});
