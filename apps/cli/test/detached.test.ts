// Runs that outlive their terminal: run --detach, attach (live, after the end, across a dropped
// connection, from another host), and Ctrl-C in attach leaving the run alone. Real processes:
// the built CLI, the detached executor it starts, real steps.
import type { ChildProcess } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it, vi } from "vitest";
import { RunStartedJsonSchema } from "../src/index.js";
import { BIN, cli, startCli, useScratch } from "./cli.js";

const scratch = useScratch();

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8"));
}

function summary(directory: string): Record<string, unknown>[] {
  return readFileSync(join(directory, "run_summary.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
}

/** The __RUNYARD_EVENT__ lines of a CLI's stderr, as events. */
function eventLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("__RUNYARD_EVENT__ "))
    .map((line) => JSON.parse(line.slice("__RUNYARD_EVENT__ ".length)));
}

async function endedMeta(directory: string, timeout = 20_000): Promise<Record<string, unknown>> {
  return vi.waitFor(
    () => {
      const meta = readJson(join(directory, "meta.json"));
      if (meta.finalStatus === null) throw new Error("the run goes on");
      return meta;
    },
    { timeout, interval: 50 },
  );
}

/** Resolves once the child has written `text` on stderr. */
function printed(child: ChildProcess, text: string): Promise<void> {
  let seen = "";
  return new Promise((resolve) => {
    const listener = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        child.stderr?.off("data", listener);
        resolve();
      }
    };
    child.stderr?.on("data", listener);
  });
}

function workflow(name: string, text: string): string {
  const file = join(scratch.directory, name);
  writeFileSync(file, text);
  return file;
}

/**
 * A gate a step waits at until the test opens it (a file appearing; the step gives up after
 * 60 s): a run that is surely still going when the test acts, however slow the machine.
 */
function gate(name: string): { wait: string; open: () => void } {
  const path = join(scratch.directory, `${name}.gate`);
  return {
    wait: `i=0; while [ ! -e '${path}' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done`,
    open: () => writeFileSync(path, ""),
  };
}

/** Starts `file` with run --detach and returns the run id and directory from --json. */
async function detach(file: string, env: Record<string, string> = {}) {
  const result = await cli(["run", "-d", file, "--json"], { runsDir: scratch.runsDir, env });
  expect(result.code, result.stderr).toBe(0);
  const started = RunStartedJsonSchema.parse(JSON.parse(result.stdout));
  return { ...started, result };
}

describe("runyard run --detach", () => {
  it("returns as soon as the run has started, and the run goes on to its end", async () => {
    // The step waits for the test: run -d must return while it does.
    const napping = gate("nap");
    const file = workflow("nap.yaml", `steps:\n  nap:\n    run: ${napping.wait}; echo rested\n`);
    const { runId, runDirectory, pid, result } = await detach(file);
    expect(result.stderr).toContain(`runyard attach ${runId.slice(-8)}`);
    expect(runDirectory).toBe(join(scratch.runsDir, runId));
    // Started, not finished: the executor is alive and is the process meta.json names.
    expect(readJson(join(runDirectory, "meta.json"))).toMatchObject({ pid, finalStatus: null });
    expect(existsSync(join(runDirectory, "ipc.sock"))).toBe(true);
    napping.open();
    expect(await endedMeta(runDirectory)).toMatchObject({ finalStatus: "success" });
    expect(readFileSync(join(runDirectory, "000001-nap.out"), "utf8")).toBe("rested\n");
    // Nothing but the run itself under the runs root: no staged leftovers.
    expect(readdirSync(scratch.runsDir)).toEqual([runId]);
  });

  it("gives steps the environment of the shell that ran it, and records it in launch.json", async () => {
    const file = workflow("env.yaml", 'steps:\n  show:\n    run: echo "$MODULE_LOADED"\n');
    const { runDirectory } = await detach(file, { MODULE_LOADED: "gcc/13.2" });
    await endedMeta(runDirectory);
    expect(readFileSync(join(runDirectory, "000001-show.out"), "utf8")).toBe("gcc/13.2\n");
    const launch = readJson(join(runDirectory, "launch.json")) as { env: Record<string, string> };
    expect(launch.env.MODULE_LOADED).toBe("gcc/13.2");
  });

  it("refuses an invalid workflow at once, as run does, leaving nothing behind", async () => {
    const file = workflow("bad.yaml", "steps:\n  a:\n    run: echo\n    needs: [nope]\n");
    const result = await cli(["run", "-d", file], { runsDir: scratch.runsDir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("bad.yaml:4");
    expect(existsSync(scratch.runsDir)).toBe(false);
  });
});

describe("runyard attach", () => {
  it("shows a run from its start, live, every event once, and exits with the run's status", async () => {
    const file = workflow(
      "ticks.yaml",
      "steps:\n  tick:\n    run: for i in 1 2 3 4; do echo tick $i; sleep 0.3; done; exit 3\n  after:\n    needs: tick\n    run: echo never\n",
    );
    const { runId, runDirectory } = await detach(file);
    const attached = await cli(["attach", runId.slice(-8), "--events"], {
      runsDir: scratch.runsDir,
    });
    expect(attached.code).toBe(1);
    expect(attached.stderr).toMatch(/✗ tick +failed \(exit 3\)/);
    expect(attached.stderr).toContain(`runyard logs ${runId.slice(-8)} tick`);
    // The durable events it printed are the timeline, exactly: none missing, none twice.
    const durable = eventLines(attached.stderr).filter((event) => event.type !== "step-output");
    expect(durable).toEqual(summary(runDirectory));
  });

  it("prints a run that has ended from its files, with the run's exit status", async () => {
    const file = workflow("quick.yaml", "steps:\n  quick:\n    run: echo hi\n");
    const { runDirectory } = await detach(file);
    await endedMeta(runDirectory);
    const attached = await cli(["attach", "latest", "--events"], { runsDir: scratch.runsDir });
    expect(attached.code).toBe(0);
    expect(attached.stderr).toMatch(/✓ quick +completed[\s\S]*success in/);
    expect(eventLines(attached.stderr)).toEqual(summary(runDirectory));
  });

  it("leaves on Ctrl-C while the run goes on, and the run completes", async () => {
    const napping = gate("nap");
    const file = workflow("nap.yaml", `steps:\n  nap:\n    run: ${napping.wait}; echo rested\n`);
    const { runId, runDirectory } = await detach(file);
    const { child, done } = startCli(["attach", runId], { runsDir: scratch.runsDir });
    await printed(child, "nap      started");
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`detached; the run goes on (runyard attach ${runId.slice(-8)}`);
    expect(readJson(join(runDirectory, "meta.json"))).toMatchObject({ finalStatus: null });
    napping.open();
    expect(await endedMeta(runDirectory)).toMatchObject({ finalStatus: "success" });
    expect(readFileSync(join(runDirectory, "000001-nap.out"), "utf8")).toBe("rested\n");
  });

  it("resumes after the executor drops it for falling behind: every durable event still once", async () => {
    // A flood of output while the viewer is stopped: the executor drops a client that falls
    // more than 8 MiB behind. Resumed, the viewer reconnects from the last seq it printed.
    // The flood waits for the viewer to be attached and stopped (a gate file): on a slow
    // machine the viewer may take longer to start than the flood to pass.
    const gate = join(scratch.directory, "flood-gate");
    const file = workflow(
      "flood.yaml",
      `steps:\n  flood:\n    run: while [ ! -e '${gate}' ]; do sleep 0.05; done; head -c 40000000 /dev/zero | tr '\\0' x\n  after:\n    needs: flood\n    run: sleep 0.5; echo after\n`,
    );
    const { runId, runDirectory } = await detach(file);
    const { child, done } = startCli(["attach", runId, "--events", "--output"], {
      runsDir: scratch.runsDir,
    });
    // Attached (it has printed the step's start) before it stops reading.
    await printed(child, "flood    started");
    child.kill("SIGSTOP");
    writeFileSync(gate, "");
    await vi.waitFor(
      () => {
        if (!readFileSync(join(runDirectory, "run_summary.jsonl"), "utf8").includes('"flood"')) {
          throw new Error("no flood yet");
        }
        const log = readFileSync(join(runDirectory, "executor.log"), "utf8");
        if (!log.includes("dropped a client")) throw new Error("not dropped yet");
      },
      { timeout: 90_000, interval: 100 },
    );
    child.kill("SIGCONT");
    const result = await done;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const durable = eventLines(result.stderr).filter((event) => event.type !== "step-output");
    expect(durable).toEqual(summary(runDirectory));
  }, 180_000);
});

describe("runyard cancel", () => {
  it("from another terminal: the executor takes it, the run ends cancelled, the viewer exits 130", async () => {
    const file = workflow(
      "nap.yaml",
      "steps:\n  nap:\n    run: sleep 30\n  after:\n    needs: nap\n    run: echo never\n",
    );
    const viewer = startCli(["run", file], { runsDir: scratch.runsDir });
    await printed(viewer.child, "nap      started");
    const cancelled = await cli(["cancel", "latest"], { runsDir: scratch.runsDir });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stderr).toMatch(
      /cancelling run [0-9a-f]{8} \(nap\): the executor took the cancel/,
    );
    const result = await viewer.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/■ nap +cancelled[\s\S]*cancelled in/);
    const [runId] = readdirSync(scratch.runsDir);
    const directory = join(scratch.runsDir, runId as string);
    expect(readJson(join(directory, "meta.json"))).toMatchObject({ finalStatus: "cancelled" });
    expect(summary(directory).at(-1)).toMatchObject({
      type: "run-end",
      reason: "cancelled with runyard cancel",
    });
    // Asked again, it says there is nothing left to cancel: exit 1, and the timeline is unchanged.
    const again = await cli(["cancel", "latest"], { runsDir: scratch.runsDir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("has already ended: cancelled");
  });

  it("on an executor serving as many clients as it can: waits for a place, never fails with EPIPE", async () => {
    const file = workflow("busy.yaml", "steps:\n  nap:\n    run: sleep 60\n");
    const viewer = startCli(["run", file], { runsDir: scratch.runsDir });
    await printed(viewer.child, "nap      started");
    const [runId] = readdirSync(scratch.runsDir);
    const socketPath = join(scratch.runsDir, runId as string, "ipc.sock");
    // 260 viewers, each greeted: the server keeps 256 (the viewer's own among them).
    const hello = `${JSON.stringify({ type: "hello", protocolVersions: [1], client: "holder" })}\n`;
    const holders = await Promise.all(
      Array.from(
        { length: 260 },
        () =>
          new Promise<Socket>((resolvePromise) => {
            const socket = createConnection(socketPath, () => {
              socket.write(hello);
              resolvePromise(socket);
            });
            socket.on("error", () => undefined);
            socket.on("data", () => undefined);
          }),
      ),
    );
    const cancelling = cli(["cancel", "latest"], { runsDir: scratch.runsDir });
    // The cancel is turned away while they stay, and tries again: once they leave, it gets in.
    await sleep(1500);
    for (const socket of holders) socket.destroy();
    const cancelled = await cancelling;
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stderr).toMatch(/the executor took the cancel/);
    expect((await viewer.done).code).toBe(130);
  }, 90_000);

  it("one step: it ends cancelled, what needs it is skipped, the rest runs on", async () => {
    const file = workflow(
      "two.yaml",
      "steps:\n  slow:\n    run: sleep 30\n  after:\n    needs: slow\n    run: echo never\n  other:\n    run: sleep 1; echo other\n",
    );
    const { runDirectory } = await detach(file);
    await vi.waitFor(() => {
      if (!readFileSync(join(runDirectory, "run_summary.jsonl"), "utf8").includes('"slow"'))
        throw new Error("not started");
    });
    const cancelled = await cli(["cancel", "latest", "slow", "--wait"], {
      runsDir: scratch.runsDir,
    });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stderr).toContain("step slow of run");
    expect(cancelled.stderr).toMatch(/ended cancelled\n$/);
    const status = readJson(join(runDirectory, "status.json")) as {
      steps: { nodeId: string; status: string }[];
    };
    expect(status.steps.map((step) => [step.nodeId, step.status])).toEqual([
      ["slow", "cancelled"],
      ["after", "skipped"],
      ["other", "completed"],
    ]);
    const unknown = await cli(["cancel", "latest", "nope"], { runsDir: scratch.runsDir });
    expect(unknown.code).toBe(1);
  });
});

describe("an executor that does not answer", () => {
  it("attach says an executor that does not answer does not, then follows the run's files", async () => {
    const file = workflow("wait.yaml", "steps:\n  wait:\n    run: sleep 30\n");
    const { pid, runDirectory } = await detach(file);
    // Stopped once its step is on record (the step spawner reports the step's pid a moment
    // after the run started).
    await vi.waitFor(
      () => expect(summary(runDirectory).some((event) => event.type === "step-start")).toBe(true),
      { timeout: 10_000, interval: 25 },
    );
    process.kill(pid, "SIGSTOP");
    try {
      const viewer = startCli(["attach", "latest"], { runsDir: scratch.runsDir });
      // The timeline is shown from the file, although the executor cannot send it.
      await printed(viewer.child, "wait     started");
      viewer.child.kill("SIGINT");
      const attached = await viewer.done;
      expect(attached.code).toBe(130);
      expect(attached.stderr).toContain("the executor does not answer yet; trying again");
      expect(attached.stderr).toContain("following the run's files instead");
      expect(attached.stderr).not.toContain("connection to the executor lost");
    } finally {
      process.kill(pid, "SIGCONT");
      await cli(["cancel", "latest", "--force"], { runsDir: scratch.runsDir });
    }
  }, 30_000);
});

/** A stand-in for ssh that runs the remote command here, as the host it was asked for. */
function sshStandIn(name: string, before = ""): string {
  const path = join(scratch.directory, name);
  writeFileSync(
    path,
    `#!/bin/sh\n${before}\nhost=$1; shift\nexec env RUNYARD_HOSTNAME="$host" sh -c "$*"\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

describe("another login node", () => {
  it("attach warns that the socket cannot be reached from here, then follows the files to the end", async () => {
    const held = gate("held");
    const file = workflow(
      "ticks.yaml",
      `steps:\n  a:\n    run: ${held.wait}\n  b:\n    needs: a\n    run: sleep 0.5\n`,
    );
    const { runDirectory } = await detach(file);
    const viewer = startCli(["attach", "latest", "--events"], {
      runsDir: scratch.runsDir,
      env: { RUNYARD_HOSTNAME: "login02" },
    });
    // It warns while the run goes on, then follows the files as the run ends.
    await printed(viewer.child, "live socket updates are not available");
    expect(readJson(join(runDirectory, "meta.json"))).toMatchObject({ finalStatus: null });
    held.open();
    const attached = await viewer.done;
    expect(attached.code, attached.stderr).toBe(0);
    expect(attached.stderr).toMatch(
      /warning: this run was started on \S+; live socket updates are not available from login02/,
    );
    expect(attached.stderr).toMatch(/✓ a +completed[\s\S]*✓ b +completed[\s\S]*success in/);
    expect(eventLines(attached.stderr)).toEqual(summary(runDirectory));
    // ps marks it as started elsewhere; cancel from here says where to go.
    const ps = await cli(["ps"], {
      runsDir: scratch.runsDir,
      env: { RUNYARD_HOSTNAME: "login02" },
    });
    expect(ps.stdout).toMatch(/\*/);
  });

  it("with --ssh, says that something on the other side prints to stdout, not that it refused", async () => {
    // A login script on the other host that greets on stdout, before the bridge starts.
    const chattySsh = sshStandIn("chatty-ssh", 'echo "Welcome to $1"');
    const waiting = gate("wait");
    const file = workflow("wait.yaml", `steps:\n  wait:\n    run: ${waiting.wait}\n`);
    const { runDirectory } = await detach(file, { RUNYARD_HOSTNAME: "login01" });
    const attached = await cli(["attach", "--ssh", "latest"], {
      runsDir: scratch.runsDir,
      env: {
        RUNYARD_HOSTNAME: "login02",
        RUNYARD_SSH: chattySsh,
        RUNYARD_REMOTE_CLI: `${process.execPath} ${BIN}`,
      },
    }).finally(() => waiting.open());
    await endedMeta(runDirectory);
    expect(attached.code).toBe(1);
    expect(attached.stderr).not.toContain("server refused");
    expect(attached.stderr).toContain("did not answer as runyard does");
    expect(attached.stderr).toContain("a login script on the other host that prints to stdout");
  });

  it("with --ssh, attach and cancel reach the live socket through `ssh <host> runyard bridge`", async () => {
    const fakeSsh = sshStandIn("fake-ssh");
    const file = workflow(
      "ticks.yaml",
      // Long enough to be cancelled on a loaded machine; the cancel ends it.
      "steps:\n  tick:\n    run: for i in $(seq 1 300); do echo tick $i; sleep 0.4; done\n",
    );
    const { runDirectory } = await detach(file, { RUNYARD_HOSTNAME: "login01" });
    const remote = {
      RUNYARD_HOSTNAME: "login02",
      RUNYARD_SSH: fakeSsh,
      RUNYARD_REMOTE_CLI: `${process.execPath} ${BIN}`,
    };
    const viewer = startCli(["attach", "--ssh", "latest", "--output"], {
      runsDir: scratch.runsDir,
      env: remote,
    });
    await printed(viewer.child, "│ tick");
    const refused = await cli(["cancel", "latest"], { runsDir: scratch.runsDir, env: remote });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("runs on login01; its executor answers only there");
    const cancelled = await cli(["cancel", "--ssh", "latest"], {
      runsDir: scratch.runsDir,
      env: remote,
    });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const result = await viewer.done;
    expect(result.code).toBe(130);
    expect(result.stderr).not.toContain("warning: this run was started on");
    expect(result.stderr).toMatch(/tick +│ tick \d[\s\S]*■ tick +cancelled/);
    expect(await endedMeta(runDirectory)).toMatchObject({
      startedOn: "login01",
      finalStatus: "cancelled",
    });
  }, 90_000);
});
