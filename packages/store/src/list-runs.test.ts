import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUN_FILES } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import { startMeta, temporaryDirectory } from "../test/helpers.js";
import { listRuns } from "./list-runs.js";
import { createRunDirectory } from "./run-directory.js";
import { listRunIds } from "./run-ids.js";

async function makeRuns(root: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const run = await createRunDirectory(root, {
      workflowSource: new Uint8Array(),
      meta: startMeta({ finalStatus: "success", endedAt: "2026-06-05T14:24:00.000Z" }),
    });
    ids.push(run.runId);
  }
  return ids.reverse();
}

describe("listRuns with a limit", () => {
  it("reads only the newest runs, and says how many there are", async () => {
    const root = temporaryDirectory();
    // An unreadable run older than the newest three: with a limit of 3 it is never read.
    const brokenId = "00000000-0000-7000-8000-000000000001";
    mkdirSync(join(root, brokenId));
    writeFileSync(join(root, brokenId, RUN_FILES.meta), "{");
    const ids = await makeRuns(root, 5);

    const three = await listRuns(root, { limit: 3 });
    expect(three.runs.map((run) => run.runId)).toEqual(ids.slice(0, 3));
    expect(three.broken).toEqual([]);
    expect(three.total).toBe(6);

    const all = await listRuns(root);
    expect(all.runs.map((run) => run.runId)).toEqual(ids);
    expect(all.broken.map((run) => run.runId)).toEqual([brokenId]);
    expect(all.total).toBe(6);
  });

  it("never takes a symlink for a run, wherever it points", async () => {
    const root = temporaryDirectory();
    const elsewhere = temporaryDirectory();
    const [outside] = await makeRuns(elsewhere, 1);
    const [inside] = await makeRuns(root, 1);
    symlinkSync(join(elsewhere, outside as string), join(root, outside as string));
    expect(await listRunIds(root)).toEqual([inside]);
    const list = await listRuns(root);
    expect(list.runs.map((run) => run.runId)).toEqual([inside]);
    expect(list.total).toBe(1);
  });

  it("names the runs root when it cannot be listed", async () => {
    const file = join(temporaryDirectory(), "runs");
    writeFileSync(file, "");
    await expect(listRuns(file)).rejects.toThrow(`${file}: cannot list runs: not a directory`);
  });
});
