import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory, withUmask } from "../test/helpers.js";
import { ExecutorLog } from "./executor-log.js";

const START = Date.UTC(2026, 5, 5, 14, 23);

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

  it("writes the first 10 messages of a kind, then one line per minute counting the rest", () => {
    const path = join(temporaryDirectory(), "executor.log");
    let clock = START;
    const log = new ExecutorLog(path, { now: () => clock });
    // A client sending garbage: every bad line is a message of the same kind.
    const badLine = (line: number) =>
      log.write("info", `ipc: client error E_BAD_MESSAGE: ipc.sock:${line}: not valid JSON: x`);
    for (let line = 1; line <= 25; line += 1) badLine(line);
    log.write("warn", "heartbeat: ENOSPC: no space left on device");
    clock = START + 30_000;
    badLine(26);
    clock = START + 61_000;
    badLine(27);
    log.flush();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines.slice(8)).toEqual([
      "2026-06-05T14:23:00.000Z info ipc: client error E_BAD_MESSAGE: ipc.sock:9: not valid JSON: x",
      "2026-06-05T14:23:00.000Z info ipc: client error E_BAD_MESSAGE: ipc.sock:10: not valid JSON: x",
      "2026-06-05T14:23:00.000Z warn heartbeat: ENOSPC: no space left on device",
      '2026-06-05T14:24:01.000Z info suppressed 16 more messages like "ipc: client error E_BAD_MESSAGE"',
      '2026-06-05T14:24:01.000Z info suppressed 1 more message like "ipc: client error E_BAD_MESSAGE"',
    ]);
  });

  it("stops at its size limit with a last line that says so", () => {
    const path = join(temporaryDirectory(), "executor.log");
    const log = new ExecutorLog(path, { maxBytes: 1024, repeatLimit: 1000, now: () => START });
    for (let index = 0; index < 100; index += 1) log.write("warn", `client ${index} too slow`);
    const text = readFileSync(path, "utf8");
    expect(text.length).toBeLessThanOrEqual(1024);
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe("2026-06-05T14:23:00.000Z warn client 0 too slow");
    expect(lines.at(-1)).toBe(
      `2026-06-05T14:23:00.000Z warn log truncated: ${path} reached its 1024-byte limit; later messages are dropped`,
    );
    log.write("error", "after the end");
    log.flush();
    expect(readFileSync(path, "utf8")).toBe(text);
  });

  it("caps the file at 1 MiB by default, however many kinds of message come", () => {
    const path = join(temporaryDirectory(), "executor.log");
    const log = new ExecutorLog(path, { now: () => START });
    // Kinds that differ in letters, not digits, are not merged: only the size cap holds them.
    const name = (index: number) =>
      index.toString(26).replace(/\d/g, (digit) => "qrstuvwxyz"[Number(digit)] ?? "");
    for (let index = 0; index < 20_000; index += 1) {
      log.write("warn", `client ${name(index)}: ${"x".repeat(100)}`);
    }
    expect(statSync(path).size).toBeLessThanOrEqual(1024 * 1024);
    expect(readFileSync(path, "utf8").trimEnd().split("\n").at(-1)).toBe(
      `2026-06-05T14:23:00.000Z warn log truncated: ${path} reached its 1 MiB limit; later messages are dropped`,
    );
  });
});
