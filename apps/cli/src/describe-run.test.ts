import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkTimeline, SUMMARY_COUNT_BYTES, SUMMARY_TAIL_BYTES } from "@runyard/store";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";
import { describe, expect, it } from "vitest";
import { damageWords } from "./describe-run.js";

const temporaryDirectory = useScratchDirectory("runyard-describe-");
const runId = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
const ts = "2026-06-05T14:23:00.000Z";
const line = (event: object) => `${JSON.stringify({ runId, ts, ...event })}\n`;
const log = (seq: number) => line({ type: "log", seq, level: "info", message: "x".repeat(1000) });

/** What `show` prints for the timeline of `text`, checked as `ps` checks it. */
async function damageOf(text: string, statusSeq: number | null = null): Promise<string> {
  const path = join(temporaryDirectory(), "run_summary.jsonl");
  writeFileSync(path, text);
  const facts = { runId, finalStatus: null, statusSeq, statusFailed: false };
  const damage = (await checkTimeline(path, facts, "tail"))?.integrity.damage;
  if (!damage) throw new Error("no damage found");
  return `run_summary.jsonl is damaged ${damageWords(damage)}`;
}

describe("damageWords", () => {
  it("says near its end for garbage just before the last 64 KiB of a big summary, at line N when known", async () => {
    // Above 1 MiB only the end is decoded: the first line need not be a run-start here.
    const lines = Array.from({ length: 1500 }, (_, i) => log(i + 1));
    const size = lines.join("").length;
    expect(size).toBeGreaterThan(SUMMARY_COUNT_BYTES);
    // Garbage of the same length in place of the line the window's start falls in.
    let offset = 0;
    const straddling = lines.findIndex((text) => {
      offset += text.length;
      return offset > size - SUMMARY_TAIL_BYTES;
    });
    lines[straddling] = `${"#".repeat((lines[straddling]?.length ?? 1) - 1)}\n`;
    const words = await damageOf(lines.join(""), 1500);
    expect(words).toMatch(
      /^run_summary\.jsonl is damaged near its end: found a line that is not JSON \(#+…?\), expected an event$/,
    );
    expect(await damageOf(log(2))).toBe(
      "run_summary.jsonl is damaged at line 1: found log seq 2, expected seq 1",
    );
  });

  it("never speaks of seq 0 for a timeline without an event", async () => {
    const words = await damageOf("", 3);
    expect(words).toBe(
      "run_summary.jsonl is damaged near its end: found no event, expected seq 3 or later, as status.json reflects",
    );
  });
});
