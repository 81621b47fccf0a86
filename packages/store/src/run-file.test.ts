import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import { withDeadline } from "./deadline.js";
import type { RunFileError } from "./errors.js";
import { MAX_META_BYTES, openRunFile, readRunFile } from "./run-file.js";

/** A runs root with one run directory in it, and a directory outside the root. */
function layout() {
  const base = temporaryDirectory();
  const root = join(base, "runs");
  const run = join(root, "01a20000-0000-7000-8000-000000000001");
  const outside = join(base, "outside");
  mkdirSync(run, { recursive: true });
  mkdirSync(outside);
  const secret = join(outside, "secret.txt");
  writeFileSync(secret, "CANARY\n");
  return { base, root, run, outside, secret };
}

/** The error a read fails with, within 3 s (a read that waits on a pipe fails the test). */
async function refusal(path: string, maxBytes = MAX_META_BYTES): Promise<RunFileError> {
  const error = await withDeadline(
    readRunFile(path, maxBytes).then(
      () => undefined,
      (caught: unknown) => caught as RunFileError,
    ),
    3000,
    () => new Error(`still waiting on ${path} after 3 s`),
  );
  if (error === undefined) throw new Error(`${path} was read`);
  return error;
}

const WHY = "a run directory holds only files the executor wrote";

describe("readRunFile", () => {
  it("reads a regular file of the run directory whole", async () => {
    const { run } = layout();
    writeFileSync(join(run, "meta.json"), "{}\n");
    expect(new TextDecoder().decode(await readRunFile(join(run, "meta.json"), 1024))).toBe("{}\n");
  });

  it("says missing for a file that is not there", async () => {
    const { run } = layout();
    expect((await refusal(join(run, "meta.json"))).code).toBe("E_RUN_FILE_MISSING");
  });

  it("refuses a named pipe without waiting for a writer", async () => {
    const { run } = layout();
    const path = join(run, "meta.json");
    execFileSync("mkfifo", [path]);
    const error = await refusal(path);
    expect(error.code).toBe("E_RUN_FILE_REFUSED");
    expect(error.message).toBe(`${path} is a named pipe, not a regular file; ${WHY}`);
  });

  it("refuses a directory by its kind", async () => {
    const { run } = layout();
    mkdirSync(join(run, "status.json"));
    expect((await refusal(join(run, "status.json"))).message).toMatch(
      /status\.json is a directory, not a regular file/,
    );
  });

  it("refuses a symbolic link, to a device or to a file outside, without reading it", async () => {
    const { run, secret } = layout();
    symlinkSync("/dev/zero", join(run, "status.json"));
    symlinkSync(secret, join(run, "meta.json"));
    for (const name of ["status.json", "meta.json"]) {
      const error = await refusal(join(run, name));
      expect(error.message).toBe(
        `${join(run, name)} is a symbolic link, which is not followed: ${WHY}, and a link may lead anywhere`,
      );
      expect(error.message).not.toContain("CANARY");
    }
  });

  it("refuses a file with a hard link elsewhere, and says why", async () => {
    const { run, secret } = layout();
    linkSync(secret, join(run, "000001-build.out"));
    const error = await refusal(join(run, "000001-build.out"));
    expect(error.code).toBe("E_RUN_FILE_REFUSED");
    expect(error.message).toMatch(
      /000001-build\.out is a file with 2 hard links: it has another name, maybe outside the runs root, so the executor did not make it; it is not read$/,
    );
  });

  it("refuses a file past its cap from its size alone: a sparse 300 MB meta.json", async () => {
    const { run } = layout();
    const path = join(run, "meta.json");
    writeFileSync(path, "");
    truncateSync(path, 300 * 1024 * 1024);
    const error = await refusal(path);
    expect(error.message).toBe(
      `${path} is 300 MiB, more than the 1 MiB such a file may hold; it is not read`,
    );
  });

  it("reads a file of exactly its cap, and refuses one byte more", async () => {
    const { run } = layout();
    const path = join(run, "heartbeat");
    writeFileSync(path, "x".repeat(4096));
    expect((await readRunFile(path, 4096)).length).toBe(4096);
    writeFileSync(path, "x".repeat(4097));
    expect((await refusal(path, 4096)).message).toMatch(/more than the 4 KiB such a file may hold/);
  });

  it("refuses a file reached through a run directory that is a link to one outside", async () => {
    const { root, outside } = layout();
    writeFileSync(join(outside, "meta.json"), "{}");
    const linked = join(root, "01a20000-0000-7000-8000-000000000002");
    symlinkSync(outside, linked);
    const error = await refusal(join(linked, "meta.json"));
    expect(error.message).toBe(
      `${join(linked, "meta.json")} is reached through a symbolic link on its path, which is not followed: ${WHY}`,
    );
  });

  it("reads through a runs root that is itself a link (where the user keeps runs is theirs)", async () => {
    const { base, run } = layout();
    writeFileSync(join(run, "meta.json"), "{}");
    const alias = join(base, "alias");
    symlinkSync(join(base, "runs"), alias);
    const through = join(alias, "01a20000-0000-7000-8000-000000000001", "meta.json");
    expect((await readRunFile(through, 1024)).length).toBe(2);
  });

  it("hands out an open descriptor with the file's stats (openRunFile)", async () => {
    const { run } = layout();
    writeFileSync(join(run, "000001-build.out"), "built\n");
    const { handle, stats } = await openRunFile(join(run, "000001-build.out"));
    try {
      expect(stats.size).toBe(6);
      expect(stats.nlink).toBe(1);
    } finally {
      await handle.close();
    }
  });
});

describe("withDeadline", () => {
  it("gives up on a promise that never settles, with the caller's error", async () => {
    const never = new Promise<never>(() => undefined);
    const started = Date.now();
    await expect(withDeadline(never, 50, () => new Error("too slow"))).rejects.toThrow("too slow");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("passes a promise's own outcome through when it comes in time", async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, () => new Error("late"))).resolves.toBe(7);
    await expect(
      withDeadline(Promise.reject(new Error("own")), 1000, () => new Error("late")),
    ).rejects.toThrow("own");
  });
});
