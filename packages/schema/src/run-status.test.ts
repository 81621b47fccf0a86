import { describe, expect, it } from "vitest";
import { DETAILED_STATUS, MALFORMED_STATUS, SEED_STATUS } from "../test/run-file-cases.js";
import { formatProblem } from "./errors.js";
import { LenientRunStatusSchema, RunStatusSchema, STEP_STATUSES } from "./run-status.js";
import { check } from "./validate.js";

const report = (document: unknown) => {
  const result = check(RunStatusSchema, document);
  return result.ok ? [] : result.problems.map((problem) => formatProblem("status.json", problem));
};

describe("status.json", () => {
  it("reads the seed's example, with its UUIDs written out", () => {
    expect(check(RunStatusSchema, SEED_STATUS)).toEqual({ ok: true, value: SEED_STATUS });
  });

  it("reads every optional step detail: seq, attempt, times, exit code, signal, reason, job id", () => {
    expect(check(RunStatusSchema, DETAILED_STATUS)).toEqual({ ok: true, value: DETAILED_STATUS });
  });

  it("knows the seed's five step statuses plus skipped and cancelled", () => {
    expect(STEP_STATUSES).toEqual([
      "pending",
      "running",
      "completed",
      "failed",
      "unknown",
      "skipped",
      "cancelled",
    ]);
  });

  for (const testCase of MALFORMED_STATUS) {
    it(`reports ${testCase.name}`, () => {
      expect(report(testCase.document)).toEqual(testCase.expected);
    });
  }

  describe("lenient reading", () => {
    it("reads a status it does not know, written by a newer Runyard, as unknown", () => {
      const newer = {
        ...SEED_STATUS,
        steps: [
          { name: "meshing", nodeId: "node-1", status: "paused" },
          { name: "simulation", nodeId: "node-2", status: "running" },
        ],
      };
      const result = check(LenientRunStatusSchema, newer);
      expect(result.ok && result.value.steps.map((step) => step.status)).toEqual([
        "unknown",
        "running",
      ]);
      // The strict schema, the one Runyard writes with, still refuses it.
      expect(report(newer)).toEqual([
        'status.json: steps[0].status: expected one of "pending", "running", "completed", "failed", "unknown", "skipped", "cancelled", found "paused"',
      ]);
    });

    it("ignores fields a newer writer added, on the run and on its steps", () => {
      const newer = {
        ...SEED_STATUS,
        progress: 0.5,
        steps: [{ name: "meshing", nodeId: "node-1", status: "running", gpu: 1 }],
      };
      const result = check(LenientRunStatusSchema, newer);
      expect(result.ok && result.value).toEqual({
        ...SEED_STATUS,
        steps: [{ name: "meshing", nodeId: "node-1", status: "running" }],
      });
    });

    it("still rejects a status that is not a string", () => {
      const result = check(LenientRunStatusSchema, {
        ...SEED_STATUS,
        steps: [{ name: "meshing", nodeId: "node-1", status: 3 }],
      });
      expect(result.ok ? [] : result.problems).toEqual([
        { path: "steps[0].status", message: "expected a string, found the number 3" },
      ]);
    });
  });
});
