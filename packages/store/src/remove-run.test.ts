import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { NOBODY, withoutPrivileges } from "@runyard/vitest-config/unprivileged";
import { describe, expect, it } from "vitest";
import { fabricateRun, temporaryDirectory } from "../test/helpers.js";
import { listRuns } from "./list-runs.js";
import { ABANDONED_LAUNCH_AFTER_MS, listPendingRemovals, removeRun } from "./remove-run.js";

/** A directory outside the runs root with a file in it, for links to point at. */
function outsideTree(): { directory: string; file: string } {
  const directory = temporaryDirectory();
  const file = join(directory, "precious.txt");
  writeFileSync(file, "keep me\n");
  mkdirSync(join(directory, "data"));
  writeFileSync(join(directory, "data", "results.csv"), "1,2,3\n");
  return { directory, file };
}

function expectOutsideIntact(outside: { directory: string; file: string }): void {
  expect(readFileSync(outside.file, "utf8")).toBe("keep me\n");
  expect(readFileSync(join(outside.directory, "data", "results.csv"), "utf8")).toBe("1,2,3\n");
}

describe("removeRun", () => {
  it("removes an ended run and leaves the other runs and nothing behind", async () => {
    const root = temporaryDirectory();
    const kept = await fabricateRun(root, { state: "failed" });
    const run = await fabricateRun(root, { state: "success", outputBytes: 100_000 });
    const removed = await removeRun(root, run.runId);
    expect(removed).toMatchObject({
      runId: run.runId,
      directory: run.directory,
      state: "success",
      workflowName: "hello",
    });
    expect(removed.bytes).toBeGreaterThanOrEqual(100_000);
    expect(readdirSync(root)).toEqual([kept.runId]);
  });

  it("refuses a running run, and removes it when forced", async () => {
    const root = temporaryDirectory();
    const run = await fabricateRun(root, { state: "running" });
    await expect(removeRun(root, run.runId)).rejects.toMatchObject({
      code: "E_RUN_RUNNING",
      message: `run ${run.runId} is running (executor pid ${process.pid} is running)`,
    });
    expect(existsSync(run.paths.meta)).toBe(true);
    expect((await removeRun(root, run.runId, { force: true })).state).toBe("running");
    expect(readdirSync(root)).toEqual([]);
  });

  it("refuses a run it cannot judge (another host, an unreadable meta.json) unless forced", async () => {
    const root = temporaryDirectory();
    const elsewhere = await fabricateRun(root, { state: "unknown" });
    await expect(removeRun(root, elsewhere.runId)).rejects.toMatchObject({
      code: "E_RUN_STATE_UNKNOWN",
      hint: "run the command on elsewhere, where it started, or remove it anyway with --force",
    });
    const broken = await fabricateRun(root, { state: "success" });
    writeFileSync(broken.paths.meta, "{");
    await expect(removeRun(root, broken.runId)).rejects.toMatchObject({
      code: "E_RUN_STATE_UNKNOWN",
      message: expect.stringContaining(`cannot tell whether run ${broken.runId} has ended: `),
    });
    expect(readdirSync(root).sort()).toEqual([elsewhere.runId, broken.runId].sort());
    expect((await removeRun(root, broken.runId, { force: true })).state).toBe("unreadable");
    expect(readdirSync(root)).toEqual([elsewhere.runId]);
  });

  it("refuses a run id that is a symlink to a directory outside, even forced", async () => {
    const root = temporaryDirectory();
    const outside = outsideTree();
    const runId = "019ab3c2-5e1f-7a40-9c3d-0123456789ab";
    symlinkSync(outside.directory, join(root, runId));
    const file = "019ab3c2-5e1f-7a40-9c3d-fedcba987654";
    writeFileSync(join(root, file), "not a run");
    await expect(removeRun(root, runId, { force: true })).rejects.toMatchObject({
      code: "E_RUN_NOT_REMOVABLE",
      message: `${join(root, runId)} is a symbolic link, not a run directory; nothing was removed`,
    });
    await expect(removeRun(root, file, { force: true })).rejects.toMatchObject({
      code: "E_RUN_NOT_REMOVABLE",
    });
    expect(readdirSync(root).sort()).toEqual([runId, file].sort());
    expectOutsideIntact(outside);
  });

  it("deletes links inside a run as links, never what they point to", async () => {
    const root = temporaryDirectory();
    const outside = outsideTree();
    const run = await fabricateRun(root, { state: "cancelled" });
    symlinkSync(outside.file, join(run.paths.artifacts, "link-to-file"));
    symlinkSync(outside.directory, join(run.paths.artifacts, "link-to-directory"));
    symlinkSync(join(outside.directory, "data"), join(run.directory, "data"));
    await removeRun(root, run.runId);
    expect(readdirSync(root)).toEqual([]);
    expectOutsideIntact(outside);
  });

  it("removes a directory chain 4,000 deep, far past PATH_MAX, and follows no link out", async () => {
    const root = temporaryDirectory();
    const outside = outsideTree();
    const run = await fabricateRun(root, { state: "success" });
    // What a step can leave: mkdir and cd, over and over, a file and links to outside on the way.
    const script = `
      const fs = require("node:fs");
      for (let i = 0; i < 4000; i++) {
        fs.mkdirSync("d");
        process.chdir("d");
        if (i % 1000 === 999) {
          fs.symlinkSync(process.argv[1], "to-directory");
          fs.symlinkSync(process.argv[2], "to-file");
          fs.writeFileSync("file", "x");
        }
      }`;
    execFileSync(process.execPath, ["-e", script, outside.directory, outside.file], {
      cwd: run.paths.artifacts,
    });
    const removed = await removeRun(root, run.runId);
    expect(removed.state).toBe("success");
    expect(readdirSync(root)).toEqual([]);
    expectOutsideIntact(outside);
    expect(readdirSync(outside.directory).sort()).toEqual(["data", "precious.txt"]);
  }, 180_000);

  it("takes nothing but a run id, and says when there is no such run", async () => {
    const root = join(temporaryDirectory(), "runs");
    mkdirSync(root);
    const outside = outsideTree();
    for (const reference of [
      "..",
      "../runs",
      outside.directory,
      "019AB3C2-5E1F-7A40-9C3D-0123456789AB",
    ]) {
      await expect(removeRun(root, reference, { force: true })).rejects.toMatchObject({
        code: "E_INVALID_RUN_ID",
      });
    }
    await expect(removeRun(root, "019ab3c2-5e1f-7a40-9c3d-0123456789ab")).rejects.toMatchObject({
      code: "E_RUN_NOT_FOUND",
    });
    expectOutsideIntact(outside);
  });

  it("removes directories a step made read-only, as the user who owns them", async () => {
    const root = temporaryDirectory();
    const run = await fabricateRun(root, { state: "success" });
    // What `go mod download` leaves: a tree of read-only directories.
    const cache = join(run.paths.artifacts, "go", "pkg", "mod");
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, "go.mod"), "module x\n");
    if (process.getuid?.() === 0) {
      for (const path of [root, run.directory, run.paths.artifacts])
        chownSync(path, NOBODY, NOBODY);
      for (const path of ["go", "go/pkg", "go/pkg/mod", "go/pkg/mod/go.mod"])
        chownSync(join(run.paths.artifacts, path), NOBODY, NOBODY);
      for (const name of readdirSync(run.directory))
        chownSync(join(run.directory, name), NOBODY, NOBODY);
    }
    for (const path of ["go/pkg/mod", "go/pkg", "go"])
      chmodSync(join(run.paths.artifacts, path), 0o555);
    await withoutPrivileges(() => removeRun(root, run.runId));
    expect(readdirSync(root)).toEqual([]);
  });

  it("never lets a concurrent listing see a run half-deleted", async () => {
    const root = temporaryDirectory();
    const runs = [];
    for (let index = 0; index < 12; index += 1) {
      const run = await fabricateRun(root, { state: "success" });
      // Many files, so that a deletion in place would be caught in the middle.
      for (let file = 0; file < 150; file += 1)
        writeFileSync(join(run.paths.artifacts, `part-${file}.txt`), "x");
      runs.push(run);
    }
    let removing = true;
    const listings: Awaited<ReturnType<typeof listRuns>>[] = [];
    const lister = (async () => {
      while (removing) listings.push(await listRuns(root));
    })();
    for (const run of runs) await removeRun(root, run.runId);
    removing = false;
    await lister;
    expect(listings.length).toBeGreaterThan(1);
    for (const listing of listings) {
      expect(listing.broken).toEqual([]);
      for (const view of listing.runs) {
        expect(view.classification).toBe("success");
        expect(view.problems).toEqual([]);
      }
      expect(listing.total).toBe(listing.runs.length);
    }
    expect(readdirSync(root)).toEqual([]);
  });

  it("lists removals cut short, and only real directories with the dot name", async () => {
    const root = temporaryDirectory();
    const runId = "019ab3c2-5e1f-7a40-9c3d-0123456789ab";
    mkdirSync(join(root, `.removing-${runId}-0a1b2c3d`));
    symlinkSync(outsideTree().directory, join(root, `.removing-${runId}-ffffffff`));
    mkdirSync(join(root, ".removing-not-a-run-0a1b2c3d"));
    expect(await listPendingRemovals(root)).toEqual([
      {
        name: `.removing-${runId}-0a1b2c3d`,
        runId,
        directory: join(root, `.removing-${runId}-0a1b2c3d`),
        kind: "removal",
      },
    ]);
    expect((await listRuns(root)).total).toBe(0);
  });

  it("lists a staged run directory as abandoned only once it has been untouched an hour", async () => {
    const root = temporaryDirectory();
    const runId = "019ab3c2-5e1f-7a40-9c3d-0123456789ab";
    const staging = join(root, `.launch-${runId}`);
    mkdirSync(staging);
    writeFileSync(join(staging, "launch.json"), "{}\n");
    symlinkSync(
      outsideTree().directory,
      join(root, ".launch-019ab3c2-5e1f-7a40-9c3d-0123456789ac"),
    );
    // A launch on its way (staged a moment ago): never a removal, whatever gc does.
    expect(await listPendingRemovals(root)).toEqual([]);
    const later = Date.now() + ABANDONED_LAUNCH_AFTER_MS + 60_000;
    expect(await listPendingRemovals(root, { now: later })).toEqual([
      { name: `.launch-${runId}`, runId, directory: staging, kind: "launch" },
    ]);
  });
});
