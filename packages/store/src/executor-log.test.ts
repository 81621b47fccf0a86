import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory, withUmask } from "../test/helpers.js";
import { ExecutorLog } from "./executor-log.js";

describe("ExecutorLog", () => {
  it("exists only once something is logged, 0600, one timestamped line per entry", async () => {
    const path = join(temporaryDirectory(), "executor.log");
    const log = new ExecutorLog(path);
    expect(existsSync(path)).toBe(false);
    await withUmask(0o000, async () => {
      log.write("warn", "heartbeat: ENOSPC");
      log.write("info", "two\nlines");
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z warn heartbeat: ENOSPC$/);
    expect(lines[1]).toMatch(/ info two$/);
    expect(lines[2]).toBe("  lines");
  });
});
