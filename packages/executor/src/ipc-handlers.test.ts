import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TimelineDamagedError } from "@runyard/ipc";
import type { DecodedEvent } from "@runyard/protocol";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";
import { describe, expect, it } from "vitest";
import { replaySummary } from "./ipc-handlers.js";

const temporaryDirectory = useScratchDirectory("ry-replay-");
const runId = "019a1b2c-3d4e-7f00-8a00-0123456789ab";

const line = (seq: number) =>
  `${JSON.stringify({ type: "log", runId, seq, ts: "2026-06-05T14:23:00.000Z", level: "info", message: `event ${seq}` })}\n`;

function summary(text: string): string {
  const path = join(temporaryDirectory(), "run_summary.jsonl");
  writeFileSync(path, text);
  return path;
}

async function replay(path: string, fromSeq: number, toSeq: number): Promise<number[]> {
  const seqs: number[] = [];
  for await (const event of replaySummary(path, fromSeq, toSeq)) {
    seqs.push((event as DecodedEvent).seq);
  }
  return seqs;
}

describe("the executor's replay of run_summary.jsonl", () => {
  it("yields fromSeq..toSeq of a sound timeline, and ignores a torn line being appended", async () => {
    const path = summary(`${line(1)}${line(2)}${line(3)}${line(4)}{"type":"lo`);
    expect(await replay(path, 2, 4)).toEqual([2, 3, 4]);
  });

  it("names the line, what it found and what it expected when a step forged a seq", async () => {
    const path = summary(`${line(1)}${line(2)}${line(999)}${line(3)}`);
    const failure = replay(path, 3, 4);
    await expect(failure).rejects.toBeInstanceOf(TimelineDamagedError);
    await expect(failure).rejects.toMatchObject({
      code: "E_TIMELINE_DAMAGED",
      message: expect.stringMatching(
        /^the run's timeline is damaged: run_summary\.jsonl line 3: found a log event with seq 999, expected seq 3; a process other than the executor may have written to it .*`runyard show <run>` and `runyard logs <run>`$/,
      ),
    });
  });

  it("finds damage before fromSeq too: a replay from the middle checks the whole record", async () => {
    const path = summary(`${line(1)}not json at all\n${line(2)}${line(3)}`);
    await expect(replay(path, 3, 3)).rejects.toMatchObject({
      code: "E_TIMELINE_DAMAGED",
      message: expect.stringMatching(
        /run_summary\.jsonl line 2: found a line that is not an event \(.*not valid JSON: not json at all\), expected seq 2/,
      ),
    });
  });

  it("says where the record stops short of the seq the executor wrote", async () => {
    const path = summary(`${line(1)}${line(2)}`);
    await expect(replay(path, 1, 5)).rejects.toMatchObject({
      message: expect.stringMatching(
        /run_summary\.jsonl line 3: found the end of the file, expected seq 3: the executor has recorded events up to seq 5/,
      ),
    });
  });
});
