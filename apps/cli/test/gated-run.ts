// A real `runyard run` whose first step prints, then waits for the test to open a gate (a file
// appearing), then prints again: a step that is running for as long as a test needs it to.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { onTestFinished, vi } from "vitest";
import { type CliResult, type Scratch, startCli } from "./cli.js";

export interface GatedRun {
  directory: string;
  /** Lets the step go on: it prints its second part and ends, and so does the run. */
  open(): void;
  /** The `runyard run` process's end. */
  done: Promise<CliResult>;
}

/** Starts the run and resolves once the step has printed its first part. */
export async function startGatedRun(scratch: Scratch): Promise<GatedRun> {
  const gate = join(scratch.directory, "gate");
  const file = join(scratch.directory, "gated.yaml");
  writeFileSync(
    file,
    `name: gated
steps:
  talk:
    run: |
      echo first part
      i=0; while [ ! -e '${gate}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
      echo second part
      echo talk says bye >&2
  after:
    needs: talk
    run: echo after done
`,
  );
  const { child, done } = startCli(["run", file, "-q"], { runsDir: scratch.runsDir });
  const open = () => writeFileSync(gate, "");
  // Whatever the test did, the run must not outlive it (and the step gives up after 30 s).
  onTestFinished(async () => {
    if (child.exitCode !== null) return;
    child.kill("SIGINT");
    await done;
  });
  const directory = await vi.waitFor(
    () => {
      const [runId] = existsSync(scratch.runsDir) ? readdirSync(scratch.runsDir) : [];
      if (runId === undefined) throw new Error("no run directory yet");
      const path = join(scratch.runsDir, runId);
      const out = join(path, "000001-talk.out");
      if (!existsSync(out) || !readFileSync(out, "utf8").includes("first part"))
        throw new Error("the step has not printed yet");
      return path;
    },
    { timeout: 10_000, interval: 50 },
  );
  return { directory, open, done };
}
