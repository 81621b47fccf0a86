// What a resumed executor takes over from the executors before it: the run's status rebuilt by
// replaying run_summary.jsonl (the timeline is the record; status.json is only its snapshot),
// the last seq, the last capture number used, the attempts each step had, the steps and loop
// instances that completed (with their outputs), the instances each loop had, and the attempts
// a crashed executor never ended. A torn last line — the write a crash cut short — is cut off
// first; any other damage refuses the resume: a timeline something else wrote to cannot be
// taken over.
import { readdirSync } from "node:fs";
import { open } from "node:fs/promises";
import type { DecodedEvent } from "@runyard/protocol";
import type { RunStatus, StepState } from "@runyard/schema";
import { applyEvent, createInitialStatus, type StatusStep, streamSummary } from "@runyard/store";
import { ResumeError } from "./errors.js";

/** An unended attempt whose Slurm job a resumed executor watches again. */
export interface AdoptedAttempt {
  stepId: string;
  captureSeq: number;
  attempt: number;
  jobId: string;
  /** When the attempt started (its step-start), for its duration and its timeout. */
  startedAt: string;
}

/** How the run stood when it was resumed. */
export type ResumedFrom = "failed" | "cancelled" | "crashed";

export interface ResumeState {
  /** The run's status as its timeline leaves it (before the run-resume). */
  status: RunStatus;
  /** Seq of the timeline's last line. */
  lastSeq: number;
  /** The highest capture number used so far (captures on disk included). */
  captureSeq: number;
  previous: ResumedFrom;
  /** 1 for the run's first resume, 2 for the next… */
  resume: number;
  /**
   * Attempts started and never ended (the executor crashed), by capture number, with the
   * Slurm job of those that were jobs: a job that may still run, to be cancelled.
   */
  lost: { stepId: string; captureSeq: number; jobId?: string }[];
  /**
   * Attempts started as Slurm jobs and never ended whose steps go on as they were (every need
   * completed and runs not again): their jobs are watched again, not submitted again.
   */
  adopted: AdoptedAttempt[];
  /** Steps and loop instances that completed: they do not run again. */
  completed: Set<string>;
  /** The last attempt number of each step that ran. */
  attempts: Map<string, number>;
  /** The item of each instance a loop had, in order, by the loop's id. */
  loops: Map<string, string[]>;
  /** What each completed step (or instance) wrote to RUNYARD_OUTPUT. */
  outputs: Map<string, Readonly<Record<string, string>>>;
  /** Bytes of a torn last line cut from the timeline; 0 when there was none. */
  cutBytes: number;
  /**
   * Steps that completed and run again all the same: an `if: failure` or `if: always` step
   * whose need runs again (its decision depends on how that ends), and what completed
   * downstream of such a step. Not in `completed`.
   */
  rerun: string[];
}

export interface ReplayInput {
  directory: string;
  summaryPath: string;
  runId: string;
  workflowId: string;
  /** The workflow copy's steps: they must be the ones the run started with. */
  steps: readonly (StatusStep & { needs: readonly string[]; condition: string })[];
  /** Where the copy is, for an error. */
  workflowPath: string;
  startedAt: string;
}

/** A line's words for an error: `run_summary.jsonl:12`. */
const at = (path: string, line: number) => `${path}:${line}`;

/** What differs between the steps the run started with and the workflow copy's, or undefined. */
function stepsDiffer(
  started: readonly { nodeId: string; needs: readonly string[] }[],
  now: readonly { nodeId: string; needs: readonly string[] }[],
): string | undefined {
  const before = new Map(started.map((step) => [step.nodeId, step.needs.join(",")]));
  const after = new Map(now.map((step) => [step.nodeId, step.needs.join(",")]));
  const gone = [...before.keys()].filter((id) => !after.has(id));
  const added = [...after.keys()].filter((id) => !before.has(id));
  const changed = [...after].filter(([id, needs]) => before.has(id) && before.get(id) !== needs);
  const parts = [
    gone.length > 0 ? `no step ${gone.join(", ")}` : "",
    added.length > 0 ? `a new step ${added.join(", ")}` : "",
    changed.length > 0 ? `other needs for ${changed.map(([id]) => id).join(", ")}` : "",
  ].filter((part) => part !== "");
  return parts.length === 0 ? undefined : parts.join("; ");
}
/** Replays the timeline; throws ResumeError when it cannot be taken over. */
export async function replayRun(input: ReplayInput): Promise<ResumeState> {
  const { summaryPath: path, runId } = input;
  const status = createInitialStatus({
    runId,
    workflowId: input.workflowId,
    updatedAt: input.startedAt,
    steps: input.steps,
  });
  const running = new Map<number, string>();
  const attempts = new Map<string, number>();
  /** Each step's latest attempt (capture number), and the Slurm job and start of attempts. */
  const latest = new Map<string, number>();
  const jobs = new Map<number, { jobId?: string; attempt: number; startedAt: string }>();
  let lastSeq = 0;
  let captureSeq = 0;
  let torn: { line: number; bytes: number } | undefined;
  let resumes = 0;
  let last: DecodedEvent | undefined;
  const refuse = (line: number, what: string, where = `${at(path, line)}: `): never => {
    throw new ResumeError(
      `${where}${what}; a run whose timeline is damaged cannot be resumed (runyard rerun starts it again)`,
    );
  };
  for await (const record of streamSummary(path)) {
    if (record.kind === "torn") {
      torn = { line: record.line, bytes: record.bytes };
      continue;
    }
    // The decoder's message names the file and line already.
    if (record.kind === "problem") refuse(record.line, record.message, "");
    if (record.kind !== "event") continue;
    const event: DecodedEvent = record.event;
    if (event.seq !== record.line) refuse(record.line, `seq ${event.seq}, expected ${record.line}`);
    if (event.runId !== runId) refuse(record.line, `an event of run ${event.runId}`);
    if (event.type === "unknown")
      refuse(record.line, `a ${event.originalType} event, which this version does not know`);
    if (event.type === "step-output") refuse(record.line, "a step-output event (live only)");
    lastSeq = event.seq;
    last = event;
    switch (event.type) {
      case "run-start": {
        const differ = stepsDiffer(event.steps, input.steps);
        if (differ !== undefined)
          throw new ResumeError(
            `${input.workflowPath} is not the workflow the run started with: it has ${differ}`,
            {
              hint: "a resume runs the run's own copy as it was; to run a changed workflow, start a new run (runyard run)",
            },
          );
        break;
      }
      case "step-start":
        running.set(event.captureSeq, event.stepId);
        attempts.set(event.stepId, event.attempt);
        latest.set(event.stepId, event.captureSeq);
        if (event.backend === "slurm")
          jobs.set(event.captureSeq, { attempt: event.attempt, startedAt: event.ts });
        captureSeq = Math.max(captureSeq, event.captureSeq);
        break;
      case "step-status": {
        const captureSeq = latest.get(event.stepId);
        const job = captureSeq === undefined ? undefined : jobs.get(captureSeq);
        if (job !== undefined && event.jobId !== undefined) job.jobId = event.jobId;
        break;
      }
      case "step-end":
        if (event.captureSeq !== undefined) running.delete(event.captureSeq);
        break;
      case "run-resume":
        resumes += 1;
        for (const lost of event.lost ?? []) running.delete(lost.captureSeq);
        break;
      default:
        break;
    }
    if (event.type !== "unknown") applyEvent(status, event);
  }
  if (lastSeq === 0) throw new ResumeError(`${path} has no event: the run never started`);
  const cutBytes = torn === undefined ? 0 : await cutTornLine(path, torn.bytes);
  // How the run stood, from the timeline (meta.json may be a resume's that died before its
  // run-resume): its last run-end's status, or crashed when the last line is not one.
  const previous: ResumedFrom =
    last?.type === "run-end"
      ? last.finalStatus === "cancelled"
        ? "cancelled"
        : "failed"
      : "crashed";
  const completed = new Set(
    status.steps.filter((step) => step.status === "completed").map((step) => step.nodeId),
  );
  // Before the rerun steps leave `completed`: an attempt is adopted only if its step goes on as
  // it stood, which its needs (a loop instance: its loop's) running again would change.
  const lostAttempts: ResumeState["lost"] = [...running].map(([seq, stepId]) => {
    const jobId = jobs.get(seq)?.jobId;
    return jobId === undefined ? { stepId, captureSeq: seq } : { stepId, captureSeq: seq, jobId };
  });
  const rerun = runAgain(input.steps, completed);
  const loops = recordedLoops(status.steps);
  const goesOn = stepsGoingOn(input.steps, status.steps, completed, new Set(rerun));
  const adopted: AdoptedAttempt[] = [];
  for (const lost of lostAttempts) {
    const job = jobs.get(lost.captureSeq);
    if (lost.jobId === undefined || job === undefined || !goesOn(lost.stepId)) continue;
    adopted.push({
      stepId: lost.stepId,
      captureSeq: lost.captureSeq,
      attempt: job.attempt,
      jobId: lost.jobId,
      startedAt: job.startedAt,
    });
  }
  const adoptedSeqs = new Set(adopted.map((attempt) => attempt.captureSeq));
  for (const id of rerun) {
    completed.delete(id);
    // A loop that runs again from its start: its items are read again, its instances anew.
    if (loops.has(id)) {
      for (const step of status.steps) if (step.loop === id) completed.delete(step.nodeId);
      loops.delete(id);
    }
  }
  return {
    status,
    lastSeq,
    captureSeq: Math.max(captureSeq, highestCapture(input.directory)),
    previous,
    resume: resumes + 1,
    lost: lostAttempts.filter((lost) => !adoptedSeqs.has(lost.captureSeq)),
    adopted,
    completed,
    attempts,
    loops,
    outputs: new Map(
      status.steps
        .filter((step) => completed.has(step.nodeId) && step.outputs !== undefined)
        .map((step) => [step.nodeId, step.outputs ?? {}]),
    ),
    cutBytes,
    rerun,
  };
}

/**
 * The completed steps that run again: an `if: failure` or `if: always` step that needs a step
 * that runs again, and every completed step downstream of one that runs again. (A default
 * `success` step that completed had every need completed: only through such a step can a
 * need of it run again.)
 */
function runAgain(
  steps: readonly { nodeId: string; needs: readonly string[]; condition: string }[],
  completed: ReadonlySet<string>,
): string[] {
  const dependents = new Map<string, (typeof steps)[number][]>();
  for (const step of steps)
    for (const need of step.needs) dependents.set(need, [...(dependents.get(need) ?? []), step]);
  const rerun = new Set<string>();
  const queue = steps.filter((step) => !completed.has(step.nodeId)).map((step) => step.nodeId);
  while (queue.length > 0) {
    const id = queue.pop() as string;
    const again = rerun.has(id);
    for (const dependent of dependents.get(id) ?? []) {
      if (!completed.has(dependent.nodeId) || rerun.has(dependent.nodeId)) continue;
      if (again || dependent.condition !== "success") {
        rerun.add(dependent.nodeId);
        queue.push(dependent.nodeId);
      }
    }
  }
  return steps.filter((step) => rerun.has(step.nodeId)).map((step) => step.nodeId);
}

/**
 * Whether an unended attempt of `stepId` may go on as it stood: every need of the step (of its
 * loop, for a loop instance) completed and does not run again, and neither the step nor its
 * loop runs again.
 */
function stepsGoingOn(
  steps: readonly { nodeId: string; needs: readonly string[] }[],
  states: readonly StepState[],
  completed: ReadonlySet<string>,
  rerun: ReadonlySet<string>,
): (stepId: string) => boolean {
  const byId = new Map(steps.map((step) => [step.nodeId, step]));
  const loopOf = new Map(
    states.filter((state) => state.loop !== undefined).map((state) => [state.nodeId, state.loop]),
  );
  return (stepId) => {
    const owner = loopOf.get(stepId) ?? stepId;
    const step = byId.get(owner);
    if (step === undefined || rerun.has(owner) || rerun.has(stepId)) return false;
    return step.needs.every((need) => completed.has(need) && !rerun.has(need));
  };
}

/** Cuts `bytes` off the end of the file: the torn last line. */
async function cutTornLine(path: string, bytes: number): Promise<number> {
  const handle = await open(path, "r+");
  try {
    const { size } = await handle.stat();
    await handle.truncate(Math.max(0, size - bytes));
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return bytes;
}

/**
 * The highest capture number of the files in the run directory: an attempt whose captures
 * were made just before a crash, with no step-start in the timeline, took its number too.
 */
function highestCapture(directory: string): number {
  let highest = 0;
  for (const name of readdirSync(directory)) {
    const match = /^(\d{6,})-/.exec(name);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest;
}

/** Each expanded loop's instance items, in order: its instances follow it in the status. */
function recordedLoops(steps: readonly StepState[]): Map<string, string[]> {
  const loops = new Map<string, string[]>();
  for (const [position, step] of steps.entries()) {
    if (step.items === undefined) continue;
    const items: string[] = [];
    for (let index = position + 1; index < steps.length; index++) {
      const instance = steps[index];
      if (instance?.loop !== step.nodeId) break;
      items.push(instance.item ?? "");
    }
    loops.set(step.nodeId, items);
  }
  return loops;
}
