// Shell completion: the script `runyard completion bash` prints, sourced into a real bash and
// asked what it would offer, the way bash's programmable completion asks it; the zsh script is
// checked by zsh itself (installed by .ci/run).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, cli, REPO, useScratch } from "./cli.js";

const scratch = useScratch();

/** What bash's completion would offer for `words`, the last being the word being typed. */
function complete(script: string, words: string[], cwd = REPO, prelude = ""): string[] {
  // A `runyard` on PATH, as an installed CLI would be, pointed at the scratch runs root.
  const bin = join(scratch.directory, "bin");
  mkdirSync(bin, { recursive: true });
  const wrapper = join(bin, "runyard");
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(wrapper, 0o755);
  const file = join(scratch.directory, "completion.bash");
  writeFileSync(file, script);
  const quoted = words.map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(" ");
  const result = spawnSync(
    "bash",
    [
      "-c",
      `${prelude}source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _runyard; printf '%s\\n' "\${COMPREPLY[@]}"`,
      "bash",
      file,
    ],
    {
      cwd,
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        RUNYARD_RUNS_DIR: scratch.runsDir,
      },
    },
  );
  expect(result.stderr).toBe("");
  return result.stdout.split("\n").filter((line) => line !== "");
}

describe("runyard completion", () => {
  it("bash: completes commands, each command's flags, workflow files and run ids", async () => {
    const { stdout, code } = await cli(["completion", "bash"], { runsDir: scratch.runsDir });
    expect(code).toBe(0);
    expect(complete(stdout, ["runyard", "at"])).toEqual(["attach"]);
    expect(complete(stdout, ["runyard", "run", "--de"])).toEqual(["--detach"]);
    expect(complete(stdout, ["runyard", "run", "examples/"]).sort()).toEqual(
      readdirSync(join(REPO, "examples"))
        .filter((name) => name.endsWith(".yaml"))
        .map((name) => `examples/${name}`)
        .sort(),
    );
    expect(complete(stdout, ["runyard", "run", "examples/he"])).toEqual(["examples/hello.yaml"]);
    expect(complete(stdout, ["runyard", "run", "x.yaml", "--params-file", "examples/he"])).toEqual([
      "examples/hello.yaml",
    ]);
    expect(complete(stdout, ["runyard", "export", "--bash", "examples/he"])).toEqual([
      "examples/hello.yaml",
    ]);
    expect(complete(stdout, ["runyard", "export", "--b"])).toEqual(["--bash"]);
    // export -o takes the file to write, of any name; run -o takes no value.
    expect(complete(stdout, ["runyard", "export", "x.yaml", "-o", "examples/RE"])).toEqual([
      "examples/README.md",
    ]);
    // No runs yet: only "latest"; after a run, its short id too.
    expect(complete(stdout, ["runyard", "attach", ""])).toEqual(["latest"]);
    const run = await cli(["run", "-d", "examples/hello.yaml", "-q"], {
      runsDir: scratch.runsDir,
    });
    const runId = run.stdout.trim();
    expect(complete(stdout, ["runyard", "logs", ""])).toEqual(["latest", runId.slice(-8)]);
    // A --runs-dir typed before the run: its runs are offered, not the default root's.
    const elsewhere = join(scratch.directory, "other-runs");
    const other = await cli(["run", "-d", "examples/hello.yaml", "-q", "--runs-dir", elsewhere], {
      runsDir: scratch.runsDir,
    });
    expect(complete(stdout, ["runyard", "attach", "--runs-dir", elsewhere, ""])).toEqual([
      "latest",
      other.stdout.trim().slice(-8),
    ]);
    // Hidden plumbing is not offered.
    expect(complete(stdout, ["runyard", "__"])).toEqual([]);
  });

  it("bash: offers names with spaces as one word each, for bash to quote", async () => {
    const { stdout } = await cli(["completion", "bash"], { runsDir: scratch.runsDir });
    const here = join(scratch.directory, "here");
    mkdirSync(join(here, "sub dir"), { recursive: true });
    writeFileSync(join(here, "my flow.yaml"), "");
    // Outside a completion, compopt fails: record what it is asked instead.
    const prelude = `compopt() { printf 'compopt %s\\n' "$*"; }; `;
    expect(complete(stdout, ["runyard", "run", "--runs-dir", "su"], here, prelude)).toEqual([
      "compopt -o filenames",
      "sub dir",
    ]);
    expect(complete(stdout, ["runyard", "run", "m"], here, prelude)).toEqual([
      "compopt -o filenames",
      "my flow.yaml",
    ]);
  });

  it("zsh: a script zsh accepts, naming every command", async () => {
    const { stdout } = await cli(["completion", "zsh"], { runsDir: scratch.runsDir });
    const file = join(scratch.directory, "_runyard");
    writeFileSync(file, stdout);
    const check = spawnSync("zsh", ["-n", file], { encoding: "utf8" });
    expect(check.error, "zsh is not installed (apt-get install zsh)").toBeUndefined();
    expect(check.status, check.stderr).toBe(0);
    expect(stdout).toContain("'attach:Follow a run started earlier, live'");
    expect(stdout).not.toContain("__complete:");
  });

  it("refuses a shell it does not know, naming the ones it does", async () => {
    const result = await cli(["completion", "fish"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no completion for "fish"');
    expect(result.stderr).toContain("bash|zsh");
  });
});
