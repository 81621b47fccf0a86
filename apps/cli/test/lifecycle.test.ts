// How `runyard run` ends when it is told to: a hangup, a second Ctrl-C, and a workflow it
// cannot run as written. Real processes throughout; the run directory is what is checked.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BIN, cli, startCli, useScratch } from "./cli.js";

const scratch = useScratch();

/** Live (not zombie) processes of session `sid`, with their process group, read from /proc. */
function livingSessionMembers(sid: number): { pid: number; group: number }[] {
  const members: { pid: number; group: number }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    const [state, , group, session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(session) === sid && state !== "Z" && state !== "X") {
      members.push({ pid: Number(entry), group: Number(group) });
    }
  }
  return members;
}

/** Sessions of the steps a test started: whatever is left is killed after the test. */
const sessions: number[] = [];
afterEach(() => {
  for (const session of sessions.splice(0)) {
    const groups = new Set([
      session,
      ...livingSessionMembers(session).map((member) => member.group),
    ]);
    for (const group of groups) {
      try {
        process.kill(-group, "SIGKILL");
      } catch {
        // ESRCH: nothing left, as it should be
      }
    }
  }
});

/**
 * Runs argv[1:] in a new pseudo-terminal, copying what it writes there to stderr, until a line
 * comes on stdin: then closes the terminal, as closing a terminal window or a dropped ssh
 * session does (the kernel hangs it up and sends SIGHUP). Prints how the child ended, as JSON.
 */
const IN_A_TERMINAL = `
import json, os, pty, resource, select, signal, sys
pid, terminal = pty.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort must not leave a core file
    os.execv(sys.argv[1], sys.argv[1:])
while True:
    ready, _, _ = select.select([terminal, 0], [], [])
    if 0 in ready:
        sys.stdin.readline()
        break
    try:
        data = os.read(terminal, 65536)
    except OSError:  # EIO: the child has closed its side
        break
    if not data:
        break
    sys.stderr.buffer.write(data)
    sys.stderr.flush()
os.close(terminal)
_, status = os.waitpid(pid, 0)
print(json.dumps({
    "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
    "signal": signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else None,
}))
`;

/**
 * Waits for the step to write its shell's pid (`echo $$ > pgid`), which is also the id of its
 * session and process group, and returns it.
 */
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
  sessions.push(group);
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

/** Waits for the run to record its end in meta.json, and returns meta.json. */
async function endedMeta(directory: string): Promise<Record<string, unknown>> {
  return vi.waitFor(
    () => {
      const meta = readJson(join(directory, "meta.json"));
      if (meta.finalStatus === null) throw new Error("the run goes on");
      return meta;
    },
    { timeout: 15_000, interval: 50 },
  );
}

describe("runyard run, ended from outside", () => {
  it("survives SIGHUP of the CLI: the view ends by SIGHUP, the run goes on and completes", async () => {
    writeFileSync(
      join(scratch.directory, "wf.yaml"),
      "steps:\n  nap:\n    run: echo $$ > pgid; timeout 120 cat gate; echo rested\n  after:\n    needs: nap\n    run: echo after\n",
    );
    // The step waits at a named pipe until the test opens it: still running, however slow the machine.
    execFileSync("mkfifo", [join(scratch.directory, "gate")]);
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

    // runyard ends by SIGHUP itself, as a hangup conventionally does (a shell says 129): after
    // a hangup it must not exit normally, because Node 20 aborts at exit when the terminal is
    // gone (see bin.ts).
    expect({ code: result.code, signal: result.signal }).toEqual({ code: null, signal: "SIGHUP" });
    const directory = onlyRun();
    // The view is gone, the step is not: the run is still going when its viewer has ended.
    expect(livingSessionMembers(group).length).toBeGreaterThan(0);
    expect(readJson(join(directory, "meta.json"))).toMatchObject({ finalStatus: null });
    writeFileSync(join(scratch.directory, "gate"), "");
    expect(await endedMeta(directory)).toMatchObject({ finalStatus: "success" });
    expect(existsSync(join(directory, "ipc.sock"))).toBe(false);
    expect(lastEvent(directory)).toMatchObject({ type: "run-end", finalStatus: "success" });
    expect(readFileSync(join(directory, "000002-after.out"), "utf8")).toBe("after\n");
  });

  it("survives its terminal being closed (SIGHUP to the whole foreground group); attach then shows it to the end", async () => {
    // `timeout` moves itself and its sleep out of the step's process group (not its session).
    writeFileSync(
      join(scratch.directory, "wf.yaml"),
      "steps:\n  nap:\n    run: echo $$ > pgid; timeout 120 cat gate; echo rested\n  after:\n    needs: nap\n    run: echo after\n",
    );
    // The step's `cat` waits at a named pipe until the test opens it.
    execFileSync("mkfifo", [join(scratch.directory, "gate")]);
    const python = spawn(
      "python3",
      ["-c", IN_A_TERMINAL, process.execPath, BIN, "run", "wf.yaml"],
      {
        cwd: scratch.directory,
        env: { ...process.env, RUNYARD_RUNS_DIR: scratch.runsDir },
      },
    );
    let report = "";
    let terminal = "";
    python.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      report += chunk;
    });
    python.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      terminal += chunk;
    });
    const closed = new Promise<number | null>((resolve, reject) => {
      python.on("error", reject);
      python.on("close", resolve);
    });
    const group = await stepGroup();
    await vi.waitFor(() => expect(livingSessionMembers(group)).toHaveLength(3));
    python.stdin.end("hang up\n");
    expect(await closed, terminal).toBe(0);

    // Not SIGABRT (exit status 134), which is how Node 20 would end on its own here.
    expect(JSON.parse(report), terminal).toEqual({ code: null, signal: "SIGHUP" });
    expect(livingSessionMembers(group)).toHaveLength(3);
    const directory = onlyRun();
    expect(readJson(join(directory, "meta.json"))).toMatchObject({ finalStatus: null });
    writeFileSync(join(scratch.directory, "gate"), "");
    const attached = await cli(["attach", "latest"], { runsDir: scratch.runsDir });
    expect(attached.code, attached.stderr).toBe(0);
    expect(attached.stderr).toMatch(/✓ nap +completed[\s\S]*✓ after +completed[\s\S]*success in/);
    expect(readJson(join(directory, "meta.json"))).toMatchObject({ finalStatus: "success" });
    expect(readFileSync(join(directory, "000001-nap.out"), "utf8")).toBe("rested\n");
  });

  it("says at once when the executor is killed, and exits 1: the run is crashed", async () => {
    writeFileSync(
      join(scratch.directory, "wf.yaml"),
      "steps:\n  nap:\n    run: echo $$ > pgid; sleep 60\n",
    );
    const { done } = startCli(["run", "wf.yaml"], {
      runsDir: scratch.runsDir,
      cwd: scratch.directory,
    });
    await stepGroup();
    const directory = onlyRun();
    const executor = readJson(join(directory, "meta.json")).pid as number;
    const killed = Date.now();
    process.kill(executor, "SIGKILL");
    const result = await done;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `the run's executor is gone and never recorded an end: executor pid ${executor} is not running`,
    );
    // Not the reconnect budget (10 s): the viewer checks that the executor is provably gone.
    expect(Date.now() - killed).toBeLessThan(5000);
    const ps = await cli(["ps", "--json"], { runsDir: scratch.runsDir });
    expect(JSON.parse(ps.stdout)).toMatchObject({ state: "crashed" });
  });

  it("does not lose a Ctrl-C that comes while the executor is still starting", async () => {
    writeFileSync(join(scratch.directory, "wf.yaml"), "steps:\n  nap:\n    run: sleep 30\n");
    const { child, done } = startCli(["run", "wf.yaml"], {
      runsDir: scratch.runsDir,
      cwd: scratch.directory,
    });
    // The run is staged, its executor not yet started (or not yet reporting).
    await vi.waitFor(
      () => {
        if (!(existsSync(scratch.runsDir) && readdirSync(scratch.runsDir).length > 0))
          throw new Error("not staged yet");
      },
      { timeout: 10_000, interval: 2 },
    );
    child.kill("SIGINT");
    const result = await done;
    expect(result.code, result.stderr).toBe(130);
    const directory = onlyRun();
    expect(await endedMeta(directory)).toMatchObject({ finalStatus: "cancelled" });
  });

  it("on a second Ctrl-C, has the executor kill every step at once and record the run cancelled", async () => {
    // The step ignores SIGTERM, so the first Ctrl-C's cancel would wait out the grace period
    // (5 s); with job control on (set -m), its sleep runs in a process group of its own.
    writeFileSync(
      join(scratch.directory, "wf.yaml"),
      "steps:\n  stubborn:\n    run: trap '' TERM; set -m; sleep 120 & echo $$ > pgid; wait\n",
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
    const began = Date.now();
    child.kill("SIGINT");
    await cancelling;
    child.kill("SIGINT");
    const result = await done;

    expect(result.code).toBe(130);
    expect(result.stderr).toContain("interrupted again; killing every step of the run now");
    // Well inside the 5 s grace period: the kill did not wait for it.
    expect(Date.now() - began).toBeLessThan(4000);
    await vi.waitFor(() => expect(livingSessionMembers(group)).toEqual([]), { timeout: 2000 });
    const directory = onlyRun();
    expect(await endedMeta(directory)).toMatchObject({ finalStatus: "cancelled" });
    await vi.waitFor(() => expect(existsSync(join(directory, "ipc.sock"))).toBe(false));
    expect(lastEvent(directory)).toMatchObject({ type: "run-end", finalStatus: "cancelled" });
    const status = readJson(join(directory, "status.json")) as {
      steps: { status: string; reason: string }[];
    };
    expect(status.steps).toMatchObject([
      { status: "cancelled", reason: "interrupted again: killed at once" },
    ]);
  });
});
