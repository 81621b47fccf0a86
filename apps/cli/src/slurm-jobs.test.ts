import type { RunView } from "@runyard/store";
import { describe, expect, it } from "vitest";
import { slurmJobsLeft } from "./slurm-jobs.js";

/** A crashed run's view with these steps (what slurmJobsLeft reads of it). */
function crashed(steps: object[]): RunView {
  return {
    runId: "01a23c2e-d8e9-7443-8361-3ad788be26b5",
    classification: "crashed",
    status: { steps },
  } as unknown as RunView;
}

// No squeue here: asking Slurm gives every job the state UNKNOWN (it "may still run").
const env = { PATH: "/nonexistent", RUNYARD_SLURM_BIN: "/nonexistent" };

describe("the Slurm jobs a crashed run left", () => {
  it("are those of its unended Slurm attempts", async () => {
    const left = await slurmJobsLeft(
      [crashed([{ nodeId: "solve", backend: "slurm", status: "running", jobId: "2719" }])],
      env,
    );
    expect(left.byRun.get("01a23c2e-d8e9-7443-8361-3ad788be26b5")).toEqual([
      { stepId: "solve", jobId: "2719", state: "UNKNOWN" },
    ]);
    expect(left.problem).toMatch(/squeue is not on PATH/);
    // Not known to have ended: it may still run.
    expect(left.going.get("01a23c2e-d8e9-7443-8361-3ad788be26b5")).toHaveLength(1);
  });

  it("leave out the job of an attempt that ended, the step waiting for its retry", async () => {
    // Attempt 1 failed (its step-end: endedAt, exitCode), the step is pending for attempt 2,
    // and status.json still has attempt 1's job id: that job is no longer queued or running.
    const left = await slurmJobsLeft(
      [
        crashed([
          {
            nodeId: "flaky",
            backend: "slurm",
            status: "pending",
            reason: "attempt 1 of 3 failed; attempt 2 in 8s",
            attempt: 1,
            jobId: "2786",
            endedAt: "2026-12-03T13:53:54.108Z",
            exitCode: 3,
          },
        ]),
      ],
      env,
    );
    expect(left).toEqual({ byRun: new Map(), going: new Map() });
  });
});
