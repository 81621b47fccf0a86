// run.lock on real files and processes: one holder at a time, a live holder's lock refused with
// its pid, a dead or recycled holder's lock broken, a half-written lock waited for, a lock from
// another host never judged from here, and release that only removes its own lock.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deadPid, fabricateRun, temporaryDirectory } from "../test/helpers.js";
import { shortHostname } from "./process-identity.js";
import { removeRun } from "./remove-run.js";
import { acquireRunLock, liveLockHolder, RunLockedError } from "./run-lock.js";

const holder = (pid: number, host = shortHostname()) =>
  JSON.stringify({
    pid,
    host,
    processStartTicks: null,
    bootId: null,
    since: "then",
    purpose: "test",
  });

describe("acquireRunLock", () => {
  it("gives the lock to one holder at a time and takes it back on release", () => {
    const directory = temporaryDirectory();
    const lock = acquireRunLock(directory, "runyard resume");
    const written = JSON.parse(readFileSync(join(directory, "run.lock"), "utf8"));
    expect(written).toMatchObject({
      pid: process.pid,
      host: shortHostname(),
      purpose: "runyard resume",
    });
    expect(() => acquireRunLock(directory, "again")).toThrow(RunLockedError);
    expect(() => acquireRunLock(directory, "again")).toThrow(`pid ${process.pid}`);
    lock.release();
    expect(existsSync(join(directory, "run.lock"))).toBe(false);
    acquireRunLock(directory, "after").release();
  });

  it("breaks the lock of a holder that is gone, and leaves nothing aside", async () => {
    const directory = temporaryDirectory();
    writeFileSync(join(directory, "run.lock"), holder(await deadPid()));
    const lock = acquireRunLock(directory, "resume");
    expect(JSON.parse(readFileSync(join(directory, "run.lock"), "utf8")).pid).toBe(process.pid);
    lock.release();
    expect(spawnSync("ls", ["-A", directory], { encoding: "utf8" }).stdout).toBe("");
  });

  it("waits for a lock being written, then takes it for stale; never judges another host's", async () => {
    const directory = temporaryDirectory();
    const path = join(directory, "run.lock");
    writeFileSync(path, '{"pid":');
    expect(() => acquireRunLock(directory, "resume")).toThrow(/being written/);
    const old = Date.now() / 1000 - 60;
    utimesSync(path, old, old);
    acquireRunLock(directory, "resume").release();
    writeFileSync(path, holder(await deadPid(), "elsewhere"));
    const error = (() => {
      try {
        acquireRunLock(directory, "resume");
      } catch (caught) {
        return caught as RunLockedError;
      }
      throw new Error("taken");
    })();
    expect(error.code).toBe("E_RUN_LOCKED");
    expect(error.message).toMatch(/on elsewhere/);
    expect(error.hint).toMatch(/taken on elsewhere/);
  });

  it("release leaves a lock that is no longer its own", () => {
    const directory = temporaryDirectory();
    const lock = acquireRunLock(directory, "resume");
    writeFileSync(join(directory, "run.lock"), holder(process.pid + 1));
    lock.release();
    expect(existsSync(join(directory, "run.lock"))).toBe(true);
  });

  it("breaks a lock that is a dangling link or a directory, and leaves nothing aside", () => {
    const directory = temporaryDirectory();
    const path = join(directory, "run.lock");
    symlinkSync(join(directory, "nowhere"), path);
    const old = Date.now() / 1000 - 60;
    lutimesSync(path, old, old);
    acquireRunLock(directory, "resume").release();
    mkdirSync(path);
    utimesSync(path, old, old);
    acquireRunLock(directory, "resume").release();
    expect(readdirSync(directory)).toEqual([]);
  });

  it("names a live holder to removal: runyard rm refuses a run being resumed", async () => {
    const root = temporaryDirectory();
    const run = await fabricateRun(root, { state: "failed" });
    const lock = acquireRunLock(run.directory, "runyard resume");
    expect(liveLockHolder(run.directory)?.pid).toBe(process.pid);
    await expect(removeRun(root, run.runId)).rejects.toThrow(/is being resumed \(run\.lock: pid/);
    lock.release();
    expect(liveLockHolder(run.directory)).toBeUndefined();
  });
});
