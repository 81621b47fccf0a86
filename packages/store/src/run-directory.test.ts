import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isRunId, RUN_FILES, RunMetaSchema, RunStatusSchema } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import { startMeta, temporaryDirectory, withUmask } from "../test/helpers.js";
import { createRunDirectory } from "./run-directory.js";

const mode = (path: string) => statSync(path).mode & 0o777;
const source = new Uint8Array(Buffer.from("name: hello\r\nsteps:\n  a: {run: echo ünïcode}\n\n"));

describe("createRunDirectory", () => {
  for (const mask of [0o000, 0o077, 0o022]) {
    it(`gives directories 0700 and files 0600 under umask ${mask.toString(8).padStart(3, "0")}`, async () => {
      const root = join(temporaryDirectory(), "deep", "runs");
      const created = await withUmask(mask, () =>
        createRunDirectory(root, { workflowSource: source, meta: startMeta() }),
      );
      // Above the runs root is not Runyard's: a created ancestor gets what mkdir -p gives it.
      expect(mode(join(root, ".."))).toBe(0o777 & ~mask);
      expect(mode(root)).toBe(0o700);
      expect(mode(created.directory)).toBe(0o700);
      expect(mode(created.paths.artifacts)).toBe(0o700);
      for (const file of [created.paths.meta, created.paths.workflow, created.paths.summary]) {
        expect(mode(file)).toBe(0o600);
      }
    });
  }

  it("creates runs/<uuidv7> with the exact workflow bytes, meta.json and an empty summary", async () => {
    const root = temporaryDirectory();
    const created = await createRunDirectory(root, { workflowSource: source, meta: startMeta() });
    expect(isRunId(created.runId)).toBe(true);
    expect(created.runId[14]).toBe("7");
    expect(created.directory).toBe(join(root, created.runId));
    expect(new Uint8Array(readFileSync(created.paths.workflow))).toEqual(source);
    const meta = RunMetaSchema.parse(JSON.parse(readFileSync(created.paths.meta, "utf8")));
    expect(meta).toEqual({ ...startMeta(), runId: created.runId });
    expect(readFileSync(created.paths.summary, "utf8")).toBe("");
    expect(readdirSync(created.directory).sort()).toEqual(
      [RUN_FILES.artifacts, RUN_FILES.meta, RUN_FILES.summary, RUN_FILES.workflow].sort(),
    );
  });

  it("writes status.json with every step pending before the directory is a run, when given the steps", async () => {
    const root = temporaryDirectory();
    const steps = [
      { nodeId: "a", name: "a" },
      { nodeId: "b", name: "Step B" },
    ];
    const created = await createRunDirectory(root, {
      workflowSource: source,
      meta: startMeta(),
      steps,
    });
    const status = RunStatusSchema.parse(JSON.parse(readFileSync(created.paths.status, "utf8")));
    expect(status).toEqual({
      runId: created.runId,
      workflowId: startMeta().workflowId,
      updatedAt: startMeta().startedAt,
      seq: 0,
      steps: steps.map((step) => ({ ...step, status: "pending" })),
    });
    expect(mode(created.paths.status)).toBe(0o600);
  });

  it("creates a runs root in a shared group directory without closing its new ancestors", async () => {
    // --runs-dir /shared/grp/new/runs: /shared/grp exists (group-readable), new/ does not.
    const group = join(temporaryDirectory(), "grp");
    await mkdir(group, { mode: 0o750 });
    const root = join(group, "new", "runs");
    const created = await withUmask(0o022, () =>
      createRunDirectory(root, { workflowSource: source, meta: startMeta() }),
    );
    expect(mode(group)).toBe(0o750);
    expect(mode(join(group, "new"))).toBe(0o755);
    expect(mode(root)).toBe(0o700);
    expect(mode(created.directory)).toBe(0o700);
  });

  it("says so when the runs root is a file", async () => {
    const root = join(temporaryDirectory(), "runs");
    await writeFile(root, "not a directory");
    await expect(
      createRunDirectory(root, { workflowSource: source, meta: startMeta() }),
    ).rejects.toMatchObject({
      code: "E_RUN_DIRECTORY",
      message: `${root}: cannot create the runs root: ENOTDIR: it exists and is not a directory`,
    });
  });

  it("leaves an existing runs root's mode alone", async () => {
    const root = join(temporaryDirectory(), "shared");
    await mkdir(root, { mode: 0o755 });
    await createRunDirectory(root, { workflowSource: source, meta: startMeta() });
    expect((await stat(root)).mode & 0o777).toBe(0o755);
  });

  it("uses a given run id and refuses one that exists", async () => {
    const root = temporaryDirectory();
    const runId = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
    await createRunDirectory(root, { runId, workflowSource: source, meta: startMeta() });
    await expect(
      createRunDirectory(root, { runId, workflowSource: source, meta: startMeta() }),
    ).rejects.toThrow(/a run with this id already exists/);
    expect(readFileSync(join(root, runId, RUN_FILES.meta), "utf8")).toContain(runId);
  });

  it("rejects a run id that could escape the runs root", async () => {
    const root = temporaryDirectory();
    await expect(
      createRunDirectory(root, { runId: "../x", workflowSource: source, meta: startMeta() }),
    ).rejects.toThrow(/not a run id/);
  });

  it("creates nothing when the meta is invalid, naming the field", async () => {
    const root = join(temporaryDirectory(), "runs");
    await expect(
      createRunDirectory(root, {
        workflowSource: source,
        meta: startMeta({ startedAt: "yesterday" }),
      }),
    ).rejects.toThrow(/meta\.json: startedAt: expected/);
    expect(existsSync(root)).toBe(false);
  });

  it("removes the half-made directory when populating fails", async () => {
    const root = temporaryDirectory();
    await writeFile(join(root, "keep"), "x");
    const broken = 42 as unknown as Uint8Array;
    await expect(
      createRunDirectory(root, { workflowSource: broken, meta: startMeta() }),
    ).rejects.toMatchObject({ code: "E_RUN_DIRECTORY" });
    expect(readdirSync(root)).toEqual(["keep"]);
  });
});
