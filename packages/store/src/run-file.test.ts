import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { releasePipesAfter, temporaryDirectory } from "../test/helpers.js";
import type { RunFileError } from "./errors.js";
import {
  MAX_META_BYTES,
  openRunFile,
  readRunFile,
  readRunFileSync,
  samePlace,
} from "./run-file.js";

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

/** The error a read fails with. */
function refusal(path: string, maxBytes = MAX_META_BYTES): RunFileError {
  try {
    readRunFileSync(path, maxBytes);
  } catch (caught) {
    return caught as RunFileError;
  }
  throw new Error(`${path} was read`);
}

const WHY = "a run directory holds only files the executor wrote";

describe("samePlace", () => {
  it("takes a file removed since it was opened only where it was expected", () => {
    const expected = "/runs/01a20000-0000-7000-8000-000000000001/meta.json";
    expect(samePlace(expected, expected)).toBe(true);
    // An atomic replace of the executor's: the old file, where it was.
    expect(samePlace(`${expected} (deleted)`, expected)).toBe(true);
    // Opened through a run directory swapped for a link, removed, the directory swapped back.
    expect(samePlace("/elsewhere/secret/meta.json (deleted)", expected)).toBe(false);
    expect(samePlace("/elsewhere/secret/meta.json", expected)).toBe(false);
  });
});

describe("readRunFile", () => {
  it("reads a regular file of the run directory whole", async () => {
    const { run } = layout();
    writeFileSync(join(run, "meta.json"), "{}\n");
    expect(new TextDecoder().decode(readRunFileSync(join(run, "meta.json"), 1024))).toBe("{}\n");
  });

  it("says missing for a file that is not there", async () => {
    const { run } = layout();
    expect(refusal(join(run, "meta.json")).code).toBe("E_RUN_FILE_MISSING");
  });

  it("refuses a named pipe without waiting for a writer", async () => {
    const { run } = layout();
    const path = join(run, "meta.json");
    execFileSync("mkfifo", [path]);
    // A read that waited for a writer would get one after 2 s and take that long.
    releasePipesAfter([path], 2000);
    const started = performance.now();
    const error = refusal(path);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(error.code).toBe("E_RUN_FILE_REFUSED");
    expect(error.message).toBe(`${path} is a named pipe, not a regular file; ${WHY}`);
  });

  it("refuses a directory by its kind", async () => {
    const { run } = layout();
    mkdirSync(join(run, "status.json"));
    expect(refusal(join(run, "status.json")).message).toMatch(
      /status\.json is a directory, not a regular file/,
    );
  });

  it("refuses a symbolic link, to a device or to a file outside, without reading it", async () => {
    const { run, secret } = layout();
    symlinkSync("/dev/zero", join(run, "status.json"));
    symlinkSync(secret, join(run, "meta.json"));
    for (const name of ["status.json", "meta.json"]) {
      const error = refusal(join(run, name));
      expect(error.message).toBe(
        `${join(run, name)} is a symbolic link, which is not followed: ${WHY}, and a link may lead anywhere`,
      );
      expect(error.message).not.toContain("CANARY");
    }
  });

  it("refuses a file with a hard link elsewhere, and says why", async () => {
    const { run, secret } = layout();
    linkSync(secret, join(run, "000001-build.out"));
    const error = refusal(join(run, "000001-build.out"));
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
    const error = refusal(path);
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
    expect(refusal(path, 4096).message).toMatch(/more than the 4 KiB such a file may hold/);
  });

  it("refuses a file reached through a run directory that is a link to one outside", async () => {
    const { root, outside } = layout();
    writeFileSync(join(outside, "meta.json"), "{}");
    const linked = join(root, "01a20000-0000-7000-8000-000000000002");
    symlinkSync(outside, linked);
    const error = refusal(join(linked, "meta.json"));
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
