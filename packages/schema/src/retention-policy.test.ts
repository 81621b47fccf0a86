import { describe, expect, it } from "vitest";
import { formatProblem } from "./errors.js";
import {
  DEFAULT_RETENTION_POLICY,
  parseByteSize,
  RetentionPolicySchema,
} from "./retention-policy.js";
import { parseUserConfig } from "./user-config-parse.js";

const FILE = "/home/ada/.runyard/config.yaml";

function parse(text: string) {
  return parseUserConfig(text, FILE, "/home/ada");
}

function problems(text: string): string[] {
  const result = parse(text);
  return result.ok ? [] : result.problems.map((problem) => formatProblem(FILE, problem));
}

describe("retention policy", () => {
  it("defaults to the seed's cleanup policy: delete success and cancelled, keep the rest", () => {
    expect(DEFAULT_RETENTION_POLICY).toEqual({
      success: { action: "delete", afterMs: 0, setting: "delete" },
      cancelled: { action: "delete", afterMs: 0, setting: "delete" },
      failed: { action: "keep", setting: "keep" },
      crashed: { action: "keep", setting: "keep" },
    });
  });

  it("reads a retention block: rules per outcome, durations and a size cap", () => {
    const result = parse(
      "retention:\n  success: 7d\n  failed: 1d12h\n  crashed: delete\n  maxTotalSize: 10GiB\n",
    );
    expect(result).toEqual({
      ok: true,
      config: {
        retention: {
          success: { action: "delete", afterMs: 7 * 86_400_000, setting: "7d" },
          cancelled: { action: "delete", afterMs: 0, setting: "delete" },
          failed: { action: "delete", afterMs: 36 * 3_600_000, setting: "1d12h" },
          crashed: { action: "delete", afterMs: 0, setting: "delete" },
          maxTotalSize: { bytes: 10 * 2 ** 30, setting: "10GiB" },
        },
      },
    });
  });

  it("reads sizes in decimal and binary units, and a bare number as bytes", () => {
    expect(parseByteSize("500MB")).toBe(500_000_000);
    expect(parseByteSize("1.5 GiB")).toBe(1.5 * 2 ** 30);
    expect(parseByteSize("2tb")).toBe(2e12);
    expect(parseByteSize("4096")).toBe(4096);
    expect(parseByteSize("10G")).toBeUndefined();
    expect(parseByteSize("ten GB")).toBeUndefined();
    expect(RetentionPolicySchema.parse({ maxTotalSize: 1024 }).maxTotalSize).toEqual({
      bytes: 1024,
      setting: "1024B",
    });
  });

  it("names the line, the field and what it expects when a rule or a size is wrong", () => {
    expect(problems("retention:\n  success: 7 days\n")).toEqual([
      `${FILE}:2:12: retention.success: expected keep, delete or a duration such as "7d" or "12h", found "7 days"`,
    ]);
    expect(problems("retention:\n  failed: 7\n")).toEqual([
      `${FILE}:2:11: retention.failed: expected keep, delete or a duration such as "7d" or "12h", found the number 7`,
    ]);
    expect(problems("retention:\n  crashed: 0s\n")).toEqual([
      `${FILE}:2:12: retention.crashed: expected a duration greater than zero (write "delete" to delete at once), found "0s"`,
    ]);
    expect(problems("retention:\n  maxTotalSize: 10G\n")).toEqual([
      `${FILE}:2:17: retention.maxTotalSize: expected a size such as "500MB" or "10GiB" (units B, kB, MB, GB, TB, KiB, MiB, GiB, TiB), found "10G"`,
    ]);
    expect(problems("retention:\n  maxTotalSize: 0GB\n")).toEqual([
      `${FILE}:2:17: retention.maxTotalSize: expected a size greater than zero, found "0GB"`,
    ]);
    expect(problems("retention:\n  maxTotalSize: true\n")).toEqual([
      `${FILE}:2:17: retention.maxTotalSize: expected a size such as "500MB" or "10GiB" (units B, kB, MB, GB, TB, KiB, MiB, GiB, TiB), found the boolean true`,
    ]);
  });

  it("refuses an unknown key in the block with a suggestion", () => {
    expect(problems("runsDir: /x\nretention:\n  sucess: keep\n  maxSize: 1GB\n")).toEqual([
      `${FILE}:3:3: retention.sucess: unknown key "sucess" (did you mean "success"?)`,
      `${FILE}:4:3: retention.maxSize: unknown key "maxSize" (expected one of success, cancelled, failed, crashed, maxTotalSize)`,
    ]);
    expect(problems("retension:\n  success: keep\n")).toEqual([
      `${FILE}:1:1: retension: unknown key "retension" (did you mean "retention"?)`,
    ]);
  });
});
