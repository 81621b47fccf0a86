import { describe, expect, it } from "vitest";
import { MALFORMED_META, RUNNING_META, SEED_META } from "../test/run-file-cases.js";
import { formatProblem } from "./errors.js";
import { LenientRunMetaSchema, RunMetaSchema } from "./run-meta.js";
import { check } from "./validate.js";

const report = (document: unknown) => {
  const result = check(RunMetaSchema, document);
  return result.ok ? [] : result.problems.map((problem) => formatProblem("meta.json", problem));
};

describe("meta.json", () => {
  it("reads the seed's example, with its UUIDs written out, as schema version 1", () => {
    const result = check(RunMetaSchema, SEED_META);
    expect(result).toEqual({ ok: true, value: { ...SEED_META, schemaVersion: 1 } });
  });

  it("reads a running run's meta: finalStatus and endedAt null, executor identity present", () => {
    const result = check(RunMetaSchema, RUNNING_META);
    expect(result).toEqual({ ok: true, value: RUNNING_META });
  });

  it("lets readers ignore fields a newer writer added, which the strict schema refuses", () => {
    const newer = {
      ...RUNNING_META,
      gpuHours: 3,
      executor: { ...RUNNING_META.executor, cgroup: "/x" },
    };
    expect(check(LenientRunMetaSchema, newer)).toEqual({ ok: true, value: RUNNING_META });
    expect(report(newer).length).toBe(2);
    // Lenient is not lax: a field it knows must still be right.
    expect(check(LenientRunMetaSchema, { ...newer, pid: "12" }).ok).toBe(false);
  });

  it("reads a rerun's rerunOf; a reader drops one that is not a run id rather than the run", () => {
    const rerunOf = "01a20000-0000-7000-8000-000000000001";
    expect(check(RunMetaSchema, { ...RUNNING_META, rerunOf })).toEqual({
      ok: true,
      value: { ...RUNNING_META, rerunOf },
    });
    expect(report({ ...RUNNING_META, rerunOf: "yesterday's" })).toHaveLength(1);
    expect(check(LenientRunMetaSchema, { ...RUNNING_META, rerunOf: "yesterday's" })).toEqual({
      ok: true,
      value: RUNNING_META,
    });
  });

  it("reads a cancelled run", () => {
    expect(report({ ...SEED_META, finalStatus: "cancelled" })).toEqual([]);
  });

  for (const testCase of MALFORMED_META) {
    it(`reports ${testCase.name}`, () => {
      expect(report(testCase.document)).toEqual(testCase.expected);
    });
  }

  it("rejects an executor identity with a non-numeric start time", () => {
    expect(
      report({
        ...RUNNING_META,
        executor: { ...RUNNING_META.executor, processStartTicks: "soon" },
      }),
    ).toEqual([
      'meta.json: executor.processStartTicks: expected a string matching /^\\d+$/, found "soon"',
    ]);
  });
});
