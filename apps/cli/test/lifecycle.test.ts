// How `runyard run` ends when it is told to: a hangup, a second Ctrl-C, and a workflow it
// cannot run as written. Real processes throughout; the run directory is what is checked.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cli, startCli, useScratch } from "./cli.js";

const scratch = useScratch();

/** Process groups of the steps a test started: whatever is left is killed after the test. */
const groups: number[] = [];
afterEach(() => {
  for (const group of groups.splice(0)) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // ESRCH: nothing left, as it should be
    }
  }
});

/** Pids of live (not zombie) processes in process group `pgid`, read from /proc. */
function livingGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    const [state, , group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(group) === pgid && state !== "Z" && state !== "X") members.push(Number(entry));
  }
  return members;
}

/** Waits for the step to write its process group id (`echo $$ > pgid`) and returns it. */
async function stepGroup(): Promise<number> {
  const path = join(scratch.directory, "pgid");
  const group = await vi.waitFor(
    () => {
      const text = existsSync(path) ? readFileSync(path, "utf8") : "";
      if (!text.endsWith("\n")) throw new Error("the step has not started yet");
      return Number(text);
    },
    { timeout: 10_000, interval: 20 },
  );
  groups.push(group);
  return group;
}

function onlyRun(): string {
  const entries = readdirSync(scratch.runsDir);
  expect(entries).toHaveLength(1);
  return join(scratch.runsDir, entries[0] as string);
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8"));
}

function lastEvent(directory: string): Record<string, unknown> {
  const lines = readFileSync(join(directory, "run_summary.jsonl"), "utf8").trimEnd().split("\n");
  return JSON.parse(lines.at(-1) as string);
}

describe("runyard run, ended from outside", () => {
  it("cancels the run cleanly on SIGHUP, even though its terminal is gone", async () => {
    writeFileSync(
      join(scratch.directory, "wf.yaml"),
      "steps:\n  nap:\n    run: echo $$ > pgid; sleep 300\n  after:\n    needs: nap\n    run: echo never\n",
    );
    const { child, done } = startCli(["run", "wf.yaml"], {
      runsDir: scratch.runsDir,
      cwd: scratch.directory,
    });
    const group = await stepGroup();
    // The ssh session drops: nobody reads the output any more, then the hangup arrives.
    // Every later write of runyard's fails (EPIPE here, EIO on a real terminal).
    child.stdout?.destroy();
    child.stderr?.destroy();
    child.kill("SIGHUP");
    const result = await done;

    expect({ code: result.code, signal: result.signal }).toEqual({ code: 130, signal: null });
    expect(livingGroupMembers(group)).toEqual([]);
    const directory = onlyRun();
    expect(readJson(join(directory, "meta.json"))).toMatchObject({ finalStatus: "cancelled" });
    expect(existsSync(join(directory, "ipc.sock"))).toBe(false);
    expect(lastEvent(directory)).toMatchObject({
      type: "run-end",
      finalStatus: "cancelled",
      reason: "SIGHUP",
    });
    const status = readJson(join(directory, "status.json")) as {
      steps: { nodeId: string; status: string }[];
    };
    expect(status.steps.map((step) => [step.nodeId, step.status])).toEqual([
      ["nap", "cancelled"],
      ["after", "cancelled"],
    ]);
  });

  it("on a second Ctrl-C, kills the steps before exiting and records the run as cancelled", async () => {
    // The step ignores SIGTERM, so the first Ctrl-C's cancel would wait out the grace period.
    writeFileSync(
      join(scratch.directory, "wf.yaml"),
      "steps:\n  stubborn:\n    run: trap '' TERM; echo $$ > pgid; sleep 120\n",
    );
    const { child, done } = startCli(["run", "wf.yaml"], {
      runsDir: scratch.runsDir,
      cwd: scratch.directory,
    });
    const group = await stepGroup();
    const cancelling = new Promise<void>((resolve) => {
      child.stderr?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("cancelling")) resolve();
      });
    });
    child.kill("SIGINT");
    await cancelling;
    child.kill("SIGINT");
    const result = await done;

    expect(result.code).toBe(130);
    expect(result.stderr).toContain("interrupted again, exiting now");
    // runyard sent SIGKILL before it exited; the kernel finishes the processes off at once.
    await vi.waitFor(() => expect(livingGroupMembers(group)).toEqual([]), { timeout: 2000 });
    const directory = onlyRun();
    expect(readJson(join(directory, "meta.json"))).toMatchObject({ finalStatus: "cancelled" });
    expect(existsSync(join(directory, "ipc.sock"))).toBe(false);
    expect(lastEvent(directory)).toMatchObject({ type: "run-end", finalStatus: "cancelled" });
    const status = readJson(join(directory, "status.json")) as {
      steps: { status: string; reason: string }[];
    };
    expect(status.steps).toMatchObject([
      { status: "cancelled", reason: "interrupted again: exited at once" },
    ]);
  });
});

describe("fields the format accepts but this version cannot run yet", () => {
  const WORKFLOW = `steps:
  build:
    run: make
    timeout: 10m
  test: {needs: build, run: make test, if: "false"}
`;

  it("validate calls the file valid and warns about each field, with its position", async () => {
    writeFileSync(join(scratch.directory, "wf.yaml"), WORKFLOW);
    const result = await cli(["validate", "wf.yaml"], {
      runsDir: scratch.runsDir,
      cwd: scratch.directory,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("ok wf.yaml: wf, 2 steps\n");
    expect(result.stderr).toBe(
      [
        "warning: wf.yaml:4:5: steps.build.timeout: not supported yet by this executor (coming with timeouts); remove it to run",
        "warning: wf.yaml:5:40: steps.test.if: not supported yet by this executor (coming with conditions); remove it to run",
        "",
      ].join("\n"),
    );
  });

  it("run refuses the workflow before creating anything, naming each field", async () => {
    writeFileSync(join(scratch.directory, "wf.yaml"), WORKFLOW);
    const result = await cli(["run", "wf.yaml"], {
      runsDir: scratch.runsDir,
      cwd: scratch.directory,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      "wf.yaml:4:5: steps.build.timeout: not supported yet by this executor (coming with timeouts); remove it to run",
    );
    expect(result.stderr).toContain("wf.yaml:5:40: steps.test.if:");
    expect(existsSync(scratch.runsDir)).toBe(false);
  });
});
