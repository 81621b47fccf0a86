// executor.log's stop line, as a reader finds it: the last one, and only one the run's latest
// executor wrote — a resume's line ends what an earlier executor said.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import { RESUME_MARKER, readStopRecordSync, STOP_MARKER } from "./stop-record.js";

const stop = (ts: string) =>
  `${ts} error ${STOP_MARKER} disk full (E_DISK_FULL): cannot append to run_summary.jsonl\n`;

describe("readStopRecordSync", () => {
  it("finds the last stop line, and none before a resume's line", () => {
    const path = join(temporaryDirectory(), "executor.log");
    writeFileSync(
      path,
      `2026-06-05T14:00:00.000Z info started\n${stop("2026-06-05T14:01:00.000Z")}`,
    );
    expect(readStopRecordSync(path)).toMatchObject({
      ts: "2026-06-05T14:01:00.000Z",
      reason: "disk full",
      code: "E_DISK_FULL",
    });
    const resumed = `${stop("2026-06-05T14:01:00.000Z")}2026-06-05T15:00:00.000Z info ${RESUME_MARKER} resume 1: the run was failed\n`;
    writeFileSync(path, resumed);
    expect(readStopRecordSync(path)).toBeNull();
    // The resumed executor's own stop counts.
    writeFileSync(path, resumed + stop("2026-06-05T15:05:00.000Z"));
    expect(readStopRecordSync(path)?.ts).toBe("2026-06-05T15:05:00.000Z");
  });
});
