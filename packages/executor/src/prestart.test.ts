// The prestart on real processes: an executor started before its run is staged is adopted by
// launchRun when it fits, and one that is given up — by abandon(), by a launch it does not
// fit, or by a front end that dies — exits and leaves nothing behind.
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { workflowFile } from "../test/helpers.js";
import { removeAbandonedStaging } from "./await-launch.js";
import { launchRun } from "./launch.js";
import { prestartExecutor } from "./prestart.js";

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const gone = (pid: number | undefined) =>
  vi.waitFor(
    () => {
      if (alive(pid)) throw new Error(`${pid} is still running`);
    },
    { timeout: 15_000, interval: 25 },
  );

/** A front end that prestarts an executor, says its pid, and is SIGKILLed, with no chance to clean up. */
async function prestartThenDie(runsRoot: string): Promise<number> {
  const built = new URL("../dist/prestart.js", import.meta.url).pathname;
  const script = `
    import { prestartExecutor } from ${JSON.stringify(built)};
    const executor = await prestartExecutor({ runsRoot: ${JSON.stringify(runsRoot)} });
    console.log(executor.pid);
    process.kill(process.pid, "SIGKILL");
  `;
  const frontEnd = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  frontEnd.stdout.on("data", (chunk) => {
    out += chunk;
  });
  await new Promise((resolvePromise) => frontEnd.on("close", resolvePromise));
  const pid = Number(out.trim());
  expect(pid).toBeGreaterThan(0);
  return pid;
}

describe("prestartExecutor", () => {
  it("starts the executor in an empty staging directory, and launchRun adopts it", async () => {
    const { file, runsRoot } = workflowFile("steps:\n  a:\n    run: echo adopted\n");
    const executor = await prestartExecutor({ runsRoot });
    expect(readdirSync(runsRoot)).toEqual([`.launch-${executor.staged.runId}`]);
    expect(readdirSync(executor.staged.staging)).toEqual(["executor.log"]);
    expect(alive(executor.pid)).toBe(true);
    const launched = await launchRun({ workflowFile: file, runsRoot, prestarted: executor });
    expect(launched.runId).toBe(executor.staged.runId);
    expect(launched.pid).toBe(executor.pid);
    await gone(launched.pid);
    const meta = JSON.parse(readFileSync(join(launched.directory, "meta.json"), "utf8"));
    expect(meta.finalStatus).toBe("success");
    expect(readFileSync(join(launched.directory, "000001-a.out"), "utf8")).toBe("adopted\n");
    expect(readdirSync(runsRoot)).toEqual([launched.runId]);
  });

  it("abandon() ends the executor and removes the staging directory and a runs root it made", async () => {
    const { runsRoot } = workflowFile("steps:\n  a:\n    run: echo\n");
    const executor = await prestartExecutor({ runsRoot });
    executor.abandon();
    expect(existsSync(runsRoot)).toBe(false);
    await gone(executor.pid);
  });

  it("keeps a runs root that was there before", async () => {
    const { runsRoot } = workflowFile("steps:\n  a:\n    run: echo\n");
    mkdirSync(runsRoot);
    const executor = await prestartExecutor({ runsRoot });
    executor.abandon();
    expect(readdirSync(runsRoot)).toEqual([]);
    await gone(executor.pid);
  });

  it("is abandoned by a launch it does not fit, which starts its own", async () => {
    const first = workflowFile("steps:\n  a:\n    run: echo\n");
    const other = workflowFile("steps:\n  a:\n    run: echo elsewhere\n");
    const executor = await prestartExecutor({ runsRoot: first.runsRoot });
    const launched = await launchRun({
      workflowFile: other.file,
      runsRoot: other.runsRoot,
      prestarted: executor,
    });
    expect(launched.pid).not.toBe(executor.pid);
    expect(existsSync(first.runsRoot)).toBe(false);
    await gone(executor.pid);
    await gone(launched.pid);
    expect(readFileSync(join(launched.directory, "000001-a.out"), "utf8")).toBe("elsewhere\n");
  });

  it("is abandoned when the workflow cannot be read, leaving nothing", async () => {
    const { directory, runsRoot } = workflowFile("steps:\n  a:\n    run: echo\n");
    const executor = await prestartExecutor({ runsRoot });
    const failed = await launchRun({
      workflowFile: join(directory, "missing.yaml"),
      runsRoot,
      prestarted: executor,
    }).catch((error) => error);
    expect(failed).toMatchObject({ code: "E_WORKFLOW_READ" });
    expect(existsSync(runsRoot)).toBe(false);
    await gone(executor.pid);
  });

  it("removes its staging directory itself when the front end dies before go", async () => {
    const { runsRoot } = workflowFile("steps:\n  a:\n    run: echo\n");
    mkdirSync(runsRoot);
    const pid = await prestartThenDie(runsRoot);
    await gone(pid);
    expect(readdirSync(runsRoot)).toEqual([]);
  });

  it("removes the runs root made for it too when the front end is killed before go", async () => {
    const { runsRoot } = workflowFile("steps:\n  a:\n    run: echo\n");
    const pid = await prestartThenDie(runsRoot);
    await gone(pid);
    expect(existsSync(runsRoot)).toBe(false);
  });

  it("exits after refusing a run it was told to cancel (SIGTERM) while it waited for go", async () => {
    const { file, runsRoot } = workflowFile("steps:\n  a:\n    run: echo\n");
    mkdirSync(runsRoot);
    const executor = await prestartExecutor({ runsRoot });
    // Its signal handlers are installed once it has loaded, before it waits for go: SIGHUP
    // (bit 0) is caught by no Node process otherwise.
    await vi.waitFor(
      () => {
        const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(
          readFileSync(`/proc/${executor.pid}/status`, "utf8"),
        );
        if (!caught || (BigInt(`0x${caught[1]}`) & 1n) === 0n) throw new Error("loading");
      },
      { timeout: 15_000, interval: 10 },
    );
    process.kill(executor.pid as number, "SIGTERM");
    const failed = await launchRun({ workflowFile: file, runsRoot, prestarted: executor }).catch(
      (error) => error,
    );
    expect(String(failed)).toMatch(/received SIGTERM/);
    await gone(executor.pid);
    expect(readdirSync(runsRoot)).toEqual([]);
  });

  it("is replaced when it died before go", async () => {
    const { file, runsRoot } = workflowFile("steps:\n  a:\n    run: echo second\n");
    mkdirSync(runsRoot);
    const executor = await prestartExecutor({ runsRoot });
    process.kill(executor.pid as number, "SIGKILL");
    await gone(executor.pid);
    const launched = await launchRun({ workflowFile: file, runsRoot, prestarted: executor });
    expect(launched.pid).not.toBe(executor.pid);
    await gone(launched.pid);
    expect(readFileSync(join(launched.directory, "000001-a.out"), "utf8")).toBe("second\n");
    expect(readdirSync(runsRoot)).toEqual([launched.runId]);
  });
});

describe("removeAbandonedStaging", () => {
  it("removes only what staging puts there, and only from a .launch-<run id> directory", () => {
    const { runsRoot } = workflowFile("steps:\n  a:\n    run: echo\n");
    const staging = join(runsRoot, ".launch-01a20000-0000-7000-8000-000000000001");
    mkdirSync(staging, { recursive: true });
    for (const name of ["executor.log", "workflow.yaml", ".launch.json.12.ab12cd34.tmp"]) {
      writeFileSync(join(staging, name), "x");
    }
    removeAbandonedStaging(staging);
    expect(existsSync(staging)).toBe(false);

    mkdirSync(staging);
    writeFileSync(join(staging, "executor.log"), "x");
    writeFileSync(join(staging, "notes.txt"), "mine");
    removeAbandonedStaging(staging);
    expect(readdirSync(staging)).toEqual(["notes.txt"]);

    const elsewhere = join(runsRoot, "home");
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, "executor.log"), "x");
    removeAbandonedStaging(elsewhere);
    expect(readdirSync(elsewhere)).toEqual(["executor.log"]);
  });

  it("leaves the directory a .launch-<run id> symlink points to, even given with a slash", () => {
    const { runsRoot } = workflowFile("steps:\n  a:\n    run: echo\n");
    const run = join(runsRoot, "01a20000-0000-7000-8000-000000000002");
    mkdirSync(run, { recursive: true });
    for (const name of ["executor.log", "workflow.yaml", "launch.json"]) {
      writeFileSync(join(run, name), "a run's own");
    }
    const link = join(runsRoot, ".launch-01a20000-0000-7000-8000-000000000003");
    symlinkSync(run, link);
    removeAbandonedStaging(link);
    removeAbandonedStaging(`${link}/`);
    removeAbandonedStaging(`${link}//`);
    expect(readdirSync(run).sort()).toEqual(["executor.log", "launch.json", "workflow.yaml"]);
    expect(readdirSync(runsRoot).sort()).toEqual([basename(link), basename(run)]);
  });
});
