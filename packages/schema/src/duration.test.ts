import { describe, expect, it } from "vitest";
import { DURATION_PATTERN, durationSeconds, formatDurationSeconds } from "./duration.js";

describe("durations", () => {
  it("reads numbers as seconds and strings group by group", () => {
    expect(durationSeconds(90)).toBe(90);
    expect(durationSeconds("1h30m")).toBe(5400);
    expect(durationSeconds("1.5h")).toBe(5400);
    expect(durationSeconds("250ms")).toBeCloseTo(0.25);
    expect(durationSeconds("1d2s")).toBe(86_402);
  });

  it("writes seconds back the way a workflow file would, and reads back the same", () => {
    const cases: [number, string][] = [
      [90, "1m30s"],
      [0.25, "250ms"],
      [86_400, "1d"],
      [3600 + 1.5, "1h1s500ms"],
      [1, "1s"],
    ];
    for (const [seconds, text] of cases) {
      expect(formatDurationSeconds(seconds)).toBe(text);
      expect(DURATION_PATTERN.test(text)).toBe(true);
      expect(durationSeconds(text)).toBeCloseTo(seconds);
    }
  });
});
