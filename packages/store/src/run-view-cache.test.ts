import { appendFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUN_FILES } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import { startMeta, temporaryDirectory } from "../test/helpers.js";
import { listRuns } from "./list-runs.js";
import { createRunDirectory } from "./run-directory.js";
import { RunViewCache } from "./run-view-cache.js";

async function endedRun(root: string): Promise<string> {
  const run = await createRunDirectory(root, {
    workflowSource: new Uint8Array(),
    meta: startMeta({ finalStatus: "success", endedAt: "2026-06-05T14:24:00.000Z" }),
  });
  return run.directory;
}

describe("listRuns with a RunViewCache", () => {
  it("reuses an ended run's view until one of its files changes, and forgets removed runs", async () => {
    const root = temporaryDirectory();
    const [first, second] = [await endedRun(root), await endedRun(root)] as [string, string];
    // An hour from now every file has settled: views are remembered.
    const cache = new RunViewCache({ now: () => Date.now() + 3_600_000 });
    const before = await listRuns(root, { cache });
    expect(cache.size).toBe(2);
    const again = await listRuns(root, { cache });
    expect(again.runs[1]).toBe(before.runs[1]);

    const meta = join(second, RUN_FILES.meta);
    writeFileSync(meta, readFileSync(meta, "utf8").replace('"success"', '"failed"'));
    const changed = await listRuns(root, { cache });
    expect(changed.runs.find((run) => run.directory === second)?.classification).toBe("failed");
    expect(changed.runs.find((run) => run.directory === first)).toBe(
      before.runs.find((run) => run.directory === first),
    );

    appendFileSync(join(first, RUN_FILES.summary), "{not json\n");
    const appended = await listRuns(root, { cache });
    expect(appended.runs.find((run) => run.directory === first)).not.toBe(
      before.runs.find((run) => run.directory === first),
    );

    rmSync(second, { recursive: true });
    const removed = await listRuns(root, { cache });
    expect(removed.runs.map((run) => run.directory)).toEqual([first]);
    expect(cache.size).toBe(1);
  });

  it("does not remember what changed too recently to trust its times", async () => {
    const root = temporaryDirectory();
    await endedRun(root);
    const cache = new RunViewCache();
    await listRuns(root, { cache });
    expect(cache.size).toBe(0);
  });
});
