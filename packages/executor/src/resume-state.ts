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
  /** Attempts started and never ended (the executor crashed), by capture number. */
  lost: { stepId: string; captureSeq: number }[];
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
}

export interface ReplayInput {
  directory: string;
  summaryPath: string;
  runId: string;
  workflowId: string;
  steps: readonly StatusStep[];
  startedAt: string;
  previous: ResumedFrom;
  /** How many times the run was resumed before. */
  resumedBefore: number;
}

/** A line's words for an error: `run_summary.jsonl:12`. */
const at = (path: string, line: number) => `${path}:${line}`;

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
  let lastSeq = 0;
  let captureSeq = 0;
  let torn: { line: number; bytes: number } | undefined;
  const refuse = (line: number, what: string): never => {
    throw new ResumeError(
      `${at(path, line)}: ${what}; a run whose timeline is damaged cannot be resumed (runyard rerun starts it again)`,
    );
  };
  for await (const record of streamSummary(path)) {
    if (record.kind === "torn") {
      torn = { line: record.line, bytes: record.bytes };
      continue;
    }
    if (record.kind === "problem") refuse(record.line, record.message);
    if (record.kind !== "event") continue;
    const event: DecodedEvent = record.event;
    if (event.seq !== record.line) refuse(record.line, `seq ${event.seq}, expected ${record.line}`);
    if (event.runId !== runId) refuse(record.line, `an event of run ${event.runId}`);
    if (event.type === "unknown")
      refuse(record.line, `a ${event.originalType} event, which this version does not know`);
    if (event.type === "step-output") refuse(record.line, "a step-output event (live only)");
    lastSeq = event.seq;
    switch (event.type) {
      case "step-start":
        running.set(event.captureSeq, event.stepId);
        attempts.set(event.stepId, event.attempt);
        captureSeq = Math.max(captureSeq, event.captureSeq);
        break;
      case "step-end":
        if (event.captureSeq !== undefined) running.delete(event.captureSeq);
        break;
      case "run-resume":
        for (const lost of event.lost ?? []) running.delete(lost.captureSeq);
        break;
      default:
        break;
    }
    if (event.type !== "unknown") applyEvent(status, event);
  }
  if (lastSeq === 0) throw new ResumeError(`${path} has no event: the run never started`);
  const cutBytes = torn === undefined ? 0 : await cutTornLine(path, torn.bytes);
  return {
    status,
    lastSeq,
    captureSeq: Math.max(captureSeq, highestCapture(input.directory)),
    previous: input.previous,
    resume: input.resumedBefore + 1,
    lost: [...running].map(([seq, stepId]) => ({ stepId, captureSeq: seq })),
    completed: new Set(
      status.steps.filter((step) => step.status === "completed").map((step) => step.nodeId),
    ),
    attempts,
    loops: recordedLoops(status.steps),
    outputs: new Map(
      status.steps
        .filter((step) => step.status === "completed" && step.outputs !== undefined)
        .map((step) => [step.nodeId, step.outputs ?? {}]),
    ),
    cutBytes,
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
