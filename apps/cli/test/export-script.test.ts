// The exported bash script on its own: what a comparison with `runyard run` cannot show well —
// a timeout that reaches processes ignoring SIGTERM, retries that wait their delay, parallel
// limits measured with marker files, Ctrl-C, the script's options, and bash's version guard.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { useScratch } from "./cli.js";
import { exportScript, readStatusFile, runScript } from "./export-run.js";

const scratch = useScratch();

/** Exports `yaml` (written as wf.yaml in the scratch directory) to a script; returns its path. */
async function scriptOf(yaml: string, args: string[] = []): Promise<string> {
  const file = join(scratch.directory, "wf.yaml");
  writeFileSync(file, yaml);
  const script = join(scratch.directory, "wf.sh");
  await exportScript(file, script, args);
  return script;
}

/**
 * Whether process `pid` is gone, waiting up to 2 s for it: a process killed with its parent
 * gone is a zombie until the system's reaper collects it, which kill(pid, 0) still finds.
 */
async function gone(pid: number): Promise<boolean> {
  for (let tries = 0; tries < 40; tries++) {
    let state: string | undefined;
    try {
      state = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "")[0];
    } catch {
      return true;
    }
    if (state === "Z") return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** The numbers a file holds, one a line. */
function numbers(path: string): number[] {
  return readFileSync(path, "utf8").trim().split("\n").map(Number);
}

/**
 * A run script that counts the steps running at once: each adds a marker to running/ and notes
 * how many it sees; the first `meet` instances of a loop wait for each other, so that the limit
 * is reached, not just respected.
 */
const COUNTING = `
      d="$RUNYARD_RUN_DIR/running"; mkdir -p "$d"; touch "$d/$RUNYARD_STEP_ID"
      ls "$d" | wc -l >> "$RUNYARD_RUN_DIR/seen"
      if [ "\${RUNYARD_ITEM_INDEX:-9}" -lt "\${MEET:-0}" ]; then
        for i in $(seq 200); do [ "$(ls "$d" | wc -l)" -ge "$MEET" ] && break; sleep 0.02; done
      fi
      sleep 0.1
      rm "$d/$RUNYARD_STEP_ID"`;

describe("an exported script", () => {
  it("stops a step at its timeout: its whole session, SIGKILL for what ignores SIGTERM", async () => {
    const script = await scriptOf(`steps:
  hang:
    timeout: 500ms
    run: |
      (trap '' TERM; exec sleep 300) &
      echo $! > "$RUNYARD_RUN_DIR/stubborn.pid"
      set -m
      sleep 300 &
      echo $! > "$RUNYARD_RUN_DIR/other-group.pid"
      echo started
      wait
  after:
    needs: hang
    run: echo never
`);
    const directory = join(scratch.directory, "run");
    const result = await runScript(script, ["--dir", directory, "--grace", "1"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /✗ hang +failed \(killed by SIGTERM\) in \d+\.\ds — timeout: the step ran longer than 500ms/,
    );
    const status = readStatusFile(directory);
    expect(status.get("hang")).toEqual(["failed", "1", "timeout: the step ran longer than 500ms"]);
    expect(status.get("after")).toEqual(["skipped", "0", 'needs "hang", which failed']);
    expect(readFileSync(join(directory, "000001-hang.out"), "utf8")).toBe("started\n");
    for (const name of ["stubborn.pid", "other-group.pid"]) {
      const pid = Number(readFileSync(join(directory, name), "utf8"));
      expect(await gone(pid), name).toBe(true);
    }
  });

  it("without setsid, stops the step's process group", async () => {
    // A PATH of every command there is but setsid, pkill and pgrep.
    const bin = join(scratch.directory, "bin");
    mkdirSync(bin);
    for (const directory of (process.env.PATH ?? "").split(delimiter).reverse()) {
      let names: string[];
      try {
        names = readdirSync(directory);
      } catch {
        continue;
      }
      for (const name of names) {
        if (["setsid", "pkill", "pgrep"].includes(name)) continue;
        try {
          symlinkSync(join(directory, name), join(bin, name));
        } catch {
          // Taken by an earlier directory of PATH, as PATH would have it.
        }
      }
    }
    const script = await scriptOf(`steps:
  hang:
    timeout: 300ms
    run: |
      (trap '' TERM; exec sleep 300) &
      echo $! > "$RUNYARD_RUN_DIR/stubborn.pid"
      sleep 300
`);
    const directory = join(scratch.directory, "run");
    const result = await runScript(script, ["--dir", directory, "--grace", "1"], {
      env: { PATH: bin },
    });
    expect(result.code, result.stderr).toBe(1);
    expect(readStatusFile(directory).get("hang")?.[2]).toBe(
      "timeout: the step ran longer than 300ms",
    );
    expect(await gone(Number(readFileSync(join(directory, "stubborn.pid"), "utf8")))).toBe(true);
  });

  it("retries a failed step after its delay, each attempt with its own captures", async () => {
    const script = await scriptOf(`steps:
  flaky:
    retries: 3
    retryDelay: 400ms
    run: |
      date +%s%N >> "$RUNYARD_RUN_DIR/times"
      echo "attempt $RUNYARD_STEP_ATTEMPT, capture $RUNYARD_STEP_SEQ"
      [ "$RUNYARD_STEP_ATTEMPT" -eq 3 ]
  after:
    needs: flaky
    run: echo after
`);
    const directory = join(scratch.directory, "run");
    const result = await runScript(script, ["--dir", directory]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      "· flaky    pending — attempt 1 of 4 failed; attempt 2 in 400ms",
    );
    expect(result.stderr).toContain("▶ flaky    started (attempt 3)");
    expect(readStatusFile(directory).get("flaky")).toEqual([
      "completed",
      "3",
      "exited with code 0",
    ]);
    for (const attempt of [1, 2, 3]) {
      expect(readFileSync(join(directory, `00000${attempt}-flaky.out`), "utf8")).toBe(
        `attempt ${attempt}, capture ${attempt}\n`,
      );
    }
    const times = numbers(join(directory, "times"));
    expect(times).toHaveLength(3);
    for (const [index, time] of times.slice(1).entries()) {
      expect(time - (times[index] as number)).toBeGreaterThanOrEqual(400_000_000);
    }
  });

  it("runs a loop's instances at most `parallel` at once, and reaches that", async () => {
    const script = await scriptOf(`steps:
  sweep:
    foreach: "1-6"
    parallel: 2
    env: { MEET: "2" }
    run: |${COUNTING}
`);
    const directory = join(scratch.directory, "run");
    const result = await runScript(script, ["--dir", directory, "-j", "8"]);
    expect(result.code, result.stderr).toBe(0);
    const seen = numbers(join(directory, "seen"));
    expect(seen).toHaveLength(6);
    expect(Math.max(...seen)).toBe(2);
  });

  it("runs at most -j steps at once, over plain steps and loops alike", async () => {
    const script = await scriptOf(`steps:
  a:
    run: |${COUNTING}
  b:
    run: |${COUNTING}
  loop:
    foreach: [x, y, z]
    env: { MEET: "2" }
    run: |${COUNTING}
  c:
    needs: a
    run: |${COUNTING}
`);
    const directory = join(scratch.directory, "run");
    const result = await runScript(script, ["--dir", directory, "-j", "2"]);
    expect(result.code, result.stderr).toBe(0);
    const seen = numbers(join(directory, "seen"));
    expect(seen).toHaveLength(6);
    expect(Math.max(...seen)).toBe(2);
  });

  it("cancels on Ctrl-C: running steps stopped, the rest not started, exit 130", async () => {
    // Ctrl-C as a terminal sends it: to the script's whole process group, its jobs included.
    const script = await scriptOf(`steps:
  long:
    run: |
      echo $$ > "$RUNYARD_RUN_DIR/long.pid"
      sleep 300
  after:
    needs: long
    run: echo never
  sweep:
    foreach: [a, b, c]
    parallel: 1
    run: |
      echo $$ > "$RUNYARD_RUN_DIR/sweep.pid"
      sleep 300
`);
    const directory = join(scratch.directory, "run");
    const ready = ["long.pid", "sweep.pid"].map((name) => join(directory, name));
    const result = await runScript(script, ["--dir", directory, "-j", "4"], {
      group: true,
      onStart: (pid) => {
        const poll = setInterval(() => {
          if (ready.every((path) => existsSync(path))) {
            clearInterval(poll);
            process.kill(-pid, "SIGINT");
          }
        }, 50);
      },
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain("runyard: interrupted; cancelling the run");
    expect(result.stderr).toMatch(/cancelled in \d+\.\ds: 5 cancelled\n$/);
    const status = readStatusFile(directory);
    const notStarted = "not started: the run was cancelled (interrupted (Ctrl-C))";
    expect(Object.fromEntries(status)).toEqual({
      long: ["cancelled", "1", "interrupted (Ctrl-C)"],
      after: ["cancelled", "0", notStarted],
      sweep: ["cancelled", "0", "3 of 3 items cancelled"],
      "sweep[a]": ["cancelled", "1", "interrupted (Ctrl-C)"],
      "sweep[b]": ["cancelled", "0", notStarted],
      "sweep[c]": ["cancelled", "0", notStarted],
    });
    for (const path of ready) expect(await gone(Number(readFileSync(path, "utf8")))).toBe(true);
  });

  it("gives its steps a runyard that logs to stderr and hands other commands on", async () => {
    const script = await scriptOf(`steps:
  talk:
    run: |
      runyard log --warn "careful: it's $HOME"
      runyard --version; echo "other commands: $?"
`);
    const directory = join(scratch.directory, "run");
    const alone = await runScript(script, ["--dir", directory, "--output"]);
    expect(alone.code, alone.stderr).toBe(0);
    expect(readFileSync(join(directory, "000001-talk.out"), "utf8")).toBe("other commands: 127\n");
    const err = readFileSync(join(directory, "000001-talk.err"), "utf8");
    expect(err).toContain(`» talk warn: careful: it's ${process.env.HOME}\n`);
    expect(err).toContain("error: runyard is not installed here");
    // --output shows what each attempt wrote once it ended, after its id.
    expect(alone.stderr).toContain("    talk     │ other commands: 127\n");
    // With a runyard further along PATH, every other command is that one's.
    const bin = join(scratch.directory, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "runyard"), '#!/bin/sh\necho "the real one: $*"\n', { mode: 0o755 });
    const other = join(scratch.directory, "run-2");
    const result = await runScript(script, ["--dir", other], {
      env: { PATH: `${bin}${delimiter}${process.env.PATH}` },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(other, "000001-talk.out"), "utf8")).toBe(
      "the real one: --version\nother commands: 0\n",
    );
  });

  it("says what it is and takes only its own options", async () => {
    const script = await scriptOf(
      `params:
  mesh: { default: coarse, choices: [coarse, fine] }
steps:
  a:
    run: echo "$mesh"
`,
      ["-p", "mesh=fine"],
    );
    const help = await runScript(script, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`Params, fixed when it was exported:\n  mesh="fine"`);
    expect(help.stdout).toContain("-j, --max-parallel N");
    for (const [args, message] of [
      [["--bogus"], 'unknown option "--bogus"'],
      [["-j", "0"], '--max-parallel expects a whole number of at least 1, got "0"'],
      [["--grace", "soon"], '--grace expects a whole number of seconds, got "soon"'],
      [["mesh=coarse"], 'unexpected argument "mesh=coarse"'],
      [["--dir", scratch.directory], "is not empty"],
    ] as const) {
      const result = await runScript(script, [...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });

  it("refuses a shell that is not bash 4 before it reads further", async () => {
    const script = await scriptOf("steps:\n  a:\n    run: echo a\n");
    const result = spawnSync("sh", [script], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error: this script needs bash 4 or newer/);
  });
});
