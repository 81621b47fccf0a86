import { afterEach, describe, expect, it, vi } from "vitest";
import { now, TimestampSchema } from "./common.js";

describe("timestamps", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("are written in UTC with exactly three fractional digits and a Z, on the second too", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    for (const instant of [
      0,
      Date.UTC(2026, 5, 5, 14, 23),
      Date.UTC(2028, 1, 29, 23, 59, 59, 999),
      5,
    ]) {
      vi.setSystemTime(instant);
      expect(now()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    vi.setSystemTime(Date.UTC(2026, 5, 5, 14, 23));
    expect(now()).toBe("2026-06-05T14:23:00.000Z");
  });

  it("are read with any fractional precision, none included, and with an offset", () => {
    const accepted = [
      "2026-06-05T14:23:00Z", // the HPCBox seed's meta.json
      "2026-06-05T14:23:00.1Z",
      "2026-06-05T14:23:00.000Z",
      "2026-06-05T14:23:00.123456789Z",
      "2026-06-05T16:23:00+02:00",
    ];
    for (const value of accepted) expect(TimestampSchema.safeParse(value).success).toBe(true);
    for (const value of ["2026-06-05T14:23Z", "2026-06-05T14:23:00", "2026-06-05 14:23:00Z"]) {
      expect(TimestampSchema.safeParse(value).success).toBe(false);
    }
  });
});
