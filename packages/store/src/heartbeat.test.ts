import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import { readHeartbeat, startHeartbeat } from "./heartbeat.js";

describe("heartbeat", () => {
  it("writes epoch milliseconds at start, 0600", async () => {
    const path = join(temporaryDirectory(), "heartbeat");
    const heartbeat = startHeartbeat(path, { now: () => 1_780_000_000_123 });
    await heartbeat.started;
    await heartbeat.stop();
    expect(await readHeartbeat(path)).toBe(1_780_000_000_123);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("reports a failing write once, however many beats fail", async () => {
    const path = join(temporaryDirectory(), "missing", "heartbeat");
    const errors: unknown[] = [];
    let beats = 0;
    let threeBeats!: () => void;
    const reached = new Promise<void>((resolve) => {
      threeBeats = resolve;
    });
    const heartbeat = startHeartbeat(path, {
      intervalMs: 5,
      onError: (error) => errors.push(error),
      now: () => {
        beats += 1;
        if (beats === 3) threeBeats();
        return Date.now();
      },
    });
    await reached;
    await heartbeat.stop();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/ENOENT/);
  });

  it("reads a number no Date can hold as no heartbeat (a step can write anything there)", async () => {
    const path = join(temporaryDirectory(), "heartbeat");
    for (const text of ["1e300", "99999999999999999999999999", "8640000000000001", "-5", "soon"]) {
      writeFileSync(path, `${text}\n`);
      expect(await readHeartbeat(path), text).toBeNull();
    }
    writeFileSync(path, "8640000000000000\n");
    expect(await readHeartbeat(path)).toBe(8.64e15);
  });

  it("reads a missing heartbeat as null", async () => {
    expect(await readHeartbeat(join(temporaryDirectory(), "heartbeat"))).toBeNull();
  });
});
