import type { ChildProcess } from "node:child_process";
import { readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, startCli, useScratch } from "./cli.js";
import { copyRun, realRun, runIdFor } from "./fixtures.js";
import { startGatedRun } from "./gated-run.js";

const scratch = useScratch();

/** A capture of `size` zero bytes that takes no room on disk. */
function sparseFile(path: string, size: number): void {
  writeFileSync(path, "");
  truncateSync(path, size);
}

/** A field of /proc/<pid>/status or /proc/<pid>/io, as a number (kB or bytes). */
function procField(pid: number, file: "status" | "io", field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(
    readFileSync(`/proc/${pid}/${file}`, "utf8"),
  );
  return Number(match?.[1] ?? Number.NaN);
}

describe("runyard logs", () => {
  it("writes the capture's bytes unchanged, even when they are not UTF-8", async () => {
    const directory = await realRun(scratch.runsDir);
    const bytes = Buffer.from([0xff, 0xfe, 0x41, 0x00, 0xc3, 0x0a]);
    writeFileSync(join(directory, "000009-binary.out"), bytes);
    const logs = await cli(["logs", "latest", "binary"], { runsDir: scratch.runsDir });
    expect(logs.code).toBe(0);
    expect(logs.stdoutBytes).toEqual(
      Buffer.concat([Buffer.from("==> 000009-binary.out <==\n"), bytes]),
    );
  });

  it.each([
    ["logs", ["logs", "latest"], "after the first lines"],
    ["ps", ["ps", "-n", "0"], "before anything"],
  ])(
    "ends quietly with 0 when the reader of stdout goes away (%s | head)",
    async (_, args, when) => {
      const directory = await realRun(scratch.runsDir);
      for (let index = 1; index <= 300; index += 1)
        copyRun(directory, scratch.runsDir, runIdFor(index));
      sparseFile(join(directory, "000009-big.out"), 64 * 1024 * 1024);
      const { child, done } = startCli(args, { runsDir: scratch.runsDir });
      // As `head` does: read a little (or nothing), then close the pipe.
      if (when === "before anything") child.stdout?.destroy();
      else child.stdout?.once("data", () => child.stdout?.destroy());
      const result = await done;
      expect(result.stderr).toBe("");
      expect([result.code, result.signal]).toEqual([0, null]);
    },
  );

  it("stops at the first Ctrl-C during long output, exit 130", async () => {
    const directory = await realRun(scratch.runsDir);
    sparseFile(join(directory, "000009-big.out"), 1024 * 1024 * 1024);
    const { child, done } = startCli(["logs", "latest", "big"], { runsDir: scratch.runsDir });
    let received = 0;
    child.stdout?.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > 1024 * 1024 && !child.killed) child.kill("SIGINT");
    });
    const result = await done;
    expect(result.code).toBe(130);
    expect(received).toBeLessThan(512 * 1024 * 1024);
  });

  it.runIf(process.platform === "linux")(
    "holds a huge capture back for a slow reader instead of reading it into memory",
    async () => {
      const directory = await realRun(scratch.runsDir);
      const size = 300 * 1024 * 1024;
      sparseFile(join(directory, "000009-big.out"), size);
      const { child, done } = startCli(["logs", "latest", "big"], { runsDir: scratch.runsDir });
      const pid = child.pid as number;
      // A reader that has stopped reading: see how far runyard gets, and what it holds.
      child.stdout?.pause();
      let read = -1;
      for (let polls = 0; polls < 100; polls += 1) {
        await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
        const now = procField(pid, "io", "rchar");
        if (now === read || now >= size) break;
        read = now;
      }
      const peakKilobytes = procField(pid, "status", "VmHWM");
      child.kill("SIGKILL");
      await done;
      expect(read).toBeLessThan(size / 2);
      expect(peakKilobytes).toBeLessThan(200 * 1024);
    },
  );

  it("does not follow a symlink named like a run, or open a file named like one", async () => {
    const elsewhere = join(scratch.directory, "elsewhere");
    const outside = await realRun(elsewhere);
    const inside = await realRun(scratch.runsDir);
    const linked = runIdFor(1);
    symlinkSync(outside, join(scratch.runsDir, linked));
    writeFileSync(join(scratch.runsDir, runIdFor(2)), "not a run\n");

    const followed = await cli(["logs", linked], { runsDir: scratch.runsDir });
    expect(followed.code).toBe(4);
    expect(followed.stderr).toContain(
      `error: no run ${linked} in ${scratch.runsDir}: ${join(scratch.runsDir, linked)} is a symbolic link, which is never read as a run`,
    );
    const file = await cli(["logs", runIdFor(2).slice(-8)], { runsDir: scratch.runsDir });
    expect(file.code).toBe(4);
    expect(file.stderr).toContain("is a file, not a run directory");
    expect(file.stderr).not.toContain("bug");

    const ps = await cli(["ps", "--json"], { runsDir: scratch.runsDir });
    expect(
      ps.stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line).runId),
    ).toEqual([inside.slice(-36)]);
  });
});

describe("runyard logs -f", () => {
  /** Resolves once `text` has arrived on the child's stdout. */
  function seen(child: ChildProcess, text: string): Promise<void> {
    return new Promise((resolvePromise) => {
      let received = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        received += chunk.toString();
        if (received.includes(text)) resolvePromise();
      });
    });
  }

  /**
   * Follows a gated run with `logs -f latest ...args` until the step's first part, checks it is
   * still following, lets the step end, and returns what the follower printed.
   */
  async function followThroughGate(args: string[]) {
    const run = await startGatedRun(scratch);
    const follow = startCli(["logs", "-f", "latest", ...args], { runsDir: scratch.runsDir });
    await seen(follow.child, "first part\n");
    // Still following: the step has not ended.
    expect(follow.child.exitCode).toBeNull();
    run.open();
    const result = await follow.done;
    expect((await run.done).code).toBe(0);
    return result;
  }

  it("follows a running step's output and exits once the step has ended", async () => {
    const result = await followThroughGate(["talk"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      "==> 000001-talk.out <==\nfirst part\nsecond part\n\n==> 000001-talk.err <==\ntalk says bye\n",
    );
    expect(result.stderr).toBe("step talk completed (exit 0)\n");
  });

  it("without a step, picks up each new step's output and exits when the run ends", async () => {
    const result = await followThroughGate(["--stdout"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      "==> 000001-talk.out <==\nfirst part\nsecond part\n\n==> 000002-after.out <==\nafter done\n",
    );
    expect(result.stderr).toBe("run success: all 2 steps completed\n");
  });

  it("prints an ended run's output and exits at once", async () => {
    await realRun(scratch.runsDir, "examples/failing.yaml");
    const result = await cli(["logs", "-f", "latest"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      "==> 000001-compile.out <==\ncompiling...\n\n==> 000001-compile.err <==\nerror: main.c:3: expected ';'\n\n==> 000002-lint.out <==\nlint is clean\n",
    );
    expect(result.stderr).toBe("run failed: step compile failed (exit 2)\n");
    const step = await cli(["logs", "-f", "latest", "test"], { runsDir: scratch.runsDir });
    expect([step.code, step.stdout]).toEqual([0, ""]);
    expect(step.stderr).toBe('step test skipped (needs "compile", which failed)\n');
    const missing = await cli(["logs", "-f", "latest", "nosuch"], { runsDir: scratch.runsDir });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain("error: run ");
    expect(missing.stderr).toContain(
      'has no step "nosuch"\nhint: its steps: compile, test, lint\n',
    );
  });

  it("stops following on Ctrl-C, exit 130, and the run goes on", async () => {
    const run = await startGatedRun(scratch);
    const follow = startCli(["logs", "-f", "latest"], { runsDir: scratch.runsDir });
    await seen(follow.child, "first part\n");
    follow.child.kill("SIGINT");
    const result = await follow.done;
    expect(result.code).toBe(130);
    const show = await cli(["show", "latest", "--json"], { runsDir: scratch.runsDir });
    expect(JSON.parse(show.stdout).state).toBe("running");
    run.open();
    expect((await run.done).code).toBe(0);
  });

  it("does not print a symlink put where a capture would be", async () => {
    const directory = await realRun(scratch.runsDir);
    const secret = join(scratch.directory, "secret");
    writeFileSync(secret, "do not print me\n");
    symlinkSync(secret, join(directory, "000009-evil.out"));
    const result = await cli(["logs", "-f", "latest"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("==> 000003-report.out <==");
    expect(result.stdout).not.toContain("do not print me");
  });
});
