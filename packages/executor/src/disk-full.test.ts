// A disk that fills up while a run goes on, on a real (tiny) tmpfs: the run's reason names the
// file whose write found no room. Mounting needs root; elsewhere the test is skipped.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUN_FILES } from "@runyard/schema";
import { afterEach, describe, expect, it, vi } from "vitest";
import { workflowFile } from "../test/helpers.js";
import { runWorkflow } from "./run-workflow.js";

const root = process.getuid?.() === 0;

describe.skipIf(!root)("a full disk", () => {
  let mounted: string | undefined;
  afterEach(() => {
    if (mounted !== undefined) execFileSync("umount", ["-l", mounted]);
    mounted = undefined;
  });

  it("names the file that could not be written in the run's reason", async () => {
    const { directory } = workflowFile("steps: {}\n");
    const gate = join(directory, "filled");
    const file = join(directory, "quiet.yaml");
    // The step writes nothing: what finds the disk full is the executor's own record.
    writeFileSync(
      file,
      `steps:\n  quiet:\n    run: while [ ! -e "${gate}" ]; do sleep 0.05; done\n`,
    );
    const small = join(directory, "small");
    mkdirSync(small);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", small]);
    mounted = small;
    const runsRoot = join(small, "runs");
    const running = runWorkflow({ workflowFile: file, runsRoot }).catch((error: unknown) => error);
    const runDirectory = await vi.waitFor(
      () => {
        const [name] = readdirSync(runsRoot).filter((entry) => !entry.startsWith("."));
        const found = name === undefined ? undefined : join(runsRoot, name);
        if (found === undefined || !existsSync(join(found, "000001-quiet.out")))
          throw new Error("not started yet");
        return found;
      },
      { timeout: 10_000, interval: 25 },
    );
    try {
      execFileSync("dd", ["if=/dev/zero", `of=${join(small, "filler")}`, "bs=4k"], {
        stdio: "ignore",
      });
    } catch {
      // dd ends with ENOSPC: the point.
    }
    writeFileSync(gate, "");
    const error = await running;
    // Which write finds no room first depends on timing: the heartbeat's, or the status.json
    // snapshot after the step's end (the timeline's line fits in its last page). Either way
    // the error — what `runyard run` prints — and the run-end, if one was written, name it.
    const named =
      /^disk full: cannot write (status\.json|heartbeat): no space left on device \(ENOSPC\)$/;
    expect(error).toMatchObject({ code: "E_DISK_FULL", message: expect.stringMatching(named) });
    const lines = readFileSync(join(runDirectory, RUN_FILES.summary), "utf8").trim().split("\n");
    const end = JSON.parse(lines.at(-1) as string);
    expect(end.type).toBe("run-end");
    if (end.finalStatus === "failed") expect(end.reason).toMatch(named);
  });

  it("blames the step that filled the disk, even one that ignores its write errors", async () => {
    const { directory } = workflowFile("steps: {}\n");
    const file = join(directory, "fill.yaml");
    writeFileSync(
      file,
      [
        "steps:",
        "  w:",
        "    run: head -c 3000000 /dev/zero | tr '\\0' x; true",
        "  after:",
        "    needs: [w]",
        "    run: echo after",
        "",
      ].join("\n"),
    );
    const small = join(directory, "small");
    mkdirSync(small);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", small]);
    mounted = small;
    const error = await runWorkflow({ workflowFile: file, runsRoot: join(small, "runs") }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: "E_DISK_FULL",
      message: expect.stringMatching(/^disk full: cannot write 000001-w\.out: no space left/),
    });
    const [name] = readdirSync(join(small, "runs")).filter((entry) => !entry.startsWith("."));
    const events = readFileSync(join(small, "runs", name as string, RUN_FILES.summary), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const ends = new Map(
      events.filter((event) => event.type === "step-end").map((event) => [event.stepId, event]),
    );
    expect(ends.get("w")).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(/^disk full: cannot write 000001-w\.out/),
    });
    // Nothing more is started on a full disk.
    expect(ends.get("after")).toMatchObject({
      status: "cancelled",
      reason: "not started: the run was cancelled (disk full)",
    });
  });
});
