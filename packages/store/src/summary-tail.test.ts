import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import { readLastSummaryEvent } from "./summary-tail.js";

const runId = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
const ts = "2026-06-05T14:23:00.000Z";
const line = (event: object) => `${JSON.stringify({ runId, ts, ...event })}\n`;
const log = (seq: number, message: string) => line({ type: "log", seq, level: "info", message });
const runEnd = (seq: number) =>
  line({ type: "run-end", seq, finalStatus: "failed", durationMs: 5 });

describe("readLastSummaryEvent", () => {
  it("finds the run-end at the end of a summary far larger than what it reads", async () => {
    const path = join(temporaryDirectory(), "run_summary.jsonl");
    const filler = "x".repeat(1000);
    writeFileSync(path, Array.from({ length: 2000 }, (_, i) => log(i + 1, filler)).join(""));
    appendFileSync(path, runEnd(2001));
    expect(await readLastSummaryEvent(path)).toMatchObject({
      type: "run-end",
      seq: 2001,
      finalStatus: "failed",
    });
  });

  it("skips a torn last line, and gives up on a last line longer than the window", async () => {
    const directory = temporaryDirectory();
    const torn = join(directory, "torn.jsonl");
    writeFileSync(torn, `${runEnd(1)}{"type":"log","seq":2`);
    expect((await readLastSummaryEvent(torn))?.type).toBe("run-end");

    const tornEnd = join(directory, "torn-end.jsonl");
    writeFileSync(tornEnd, `${log(1, "a")}${runEnd(2).trimEnd()}`);
    expect((await readLastSummaryEvent(tornEnd))?.type).toBe("log");

    const long = join(directory, "long.jsonl");
    writeFileSync(long, `${log(1, "a")}${log(2, "y".repeat(2000))}`);
    expect(await readLastSummaryEvent(long, 1024)).toBeNull();
    expect((await readLastSummaryEvent(long, 4096))?.seq).toBe(2);
  });

  it("says nothing for a missing or empty file or a line that is not an event", async () => {
    const directory = temporaryDirectory();
    expect(await readLastSummaryEvent(join(directory, "none.jsonl"))).toBeNull();
    writeFileSync(join(directory, "empty.jsonl"), "");
    expect(await readLastSummaryEvent(join(directory, "empty.jsonl"))).toBeNull();
    writeFileSync(join(directory, "junk.jsonl"), "{not json\n");
    expect(await readLastSummaryEvent(join(directory, "junk.jsonl"))).toBeNull();
  });
});
