// How events change a RunStatus. The executor keeps its in-memory status with this; a reader
// following run_summary.jsonl from another host can rebuild the same status from the events.

import type { RunEvent } from "@runyard/protocol";
import type { RunStatus, StepState } from "@runyard/schema";

export interface StatusStep {
  nodeId: string;
  name: string;
}

/** Every step pending, seq 0: the status of a run before its first event. */
export function createInitialStatus(options: {
  runId: string;
  workflowId: string;
  steps: readonly StatusStep[];
  updatedAt: string;
}): RunStatus {
  return {
    runId: options.runId,
    workflowId: options.workflowId,
    updatedAt: options.updatedAt,
    seq: 0,
    steps: options.steps.map((step) => ({
      name: step.name,
      nodeId: step.nodeId,
      status: "pending",
    })),
  };
}

/**
 * Applies one durable event to `status` in place; returns true when a step or the outcome
 * changed (run-end sets `outcome`). Events for steps the status does not know are ignored (a
 * newer producer may add steps dynamically).
 */
export function applyEvent(status: RunStatus, event: RunEvent): boolean {
  if (event.type === "step-output") return false;
  status.updatedAt = event.ts;
  status.seq = event.seq;
  switch (event.type) {
    case "step-start": {
      const step = findStep(status, event.stepId);
      if (!step) return false;
      step.status = "running";
      step.seq = event.captureSeq;
      step.attempt = event.attempt;
      step.startedAt = event.ts;
      step.backend = event.backend;
      if (event.pid === undefined) delete step.pid;
      else step.pid = event.pid;
      if (event.pgid === undefined) delete step.pgid;
      else step.pgid = event.pgid;
      // A Slurm attempt's job id follows in a step-status; an earlier attempt's is not this one's.
      delete step.jobId;
      delete step.endedAt;
      delete step.exitCode;
      delete step.signal;
      delete step.reason;
      return true;
    }
    case "step-expand": {
      const step = findStep(status, event.stepId);
      if (!step) return false;
      // The first of a long loop's events starts the step; the others add instances after it.
      // After a resume, the loop runs again with the instances it has.
      if (event.resumed === true) {
        step.status = "running";
        step.startedAt = event.ts;
        return true;
      }
      const before = step.items ?? 0;
      if (step.items === undefined) {
        step.status = "running";
        step.startedAt = event.ts;
        delete step.reason;
      }
      step.items = before + event.items.length;
      const at = status.steps.indexOf(step) + 1 + before;
      const instances = event.items.map(
        ({ nodeId, item }): StepState => ({
          name: `${step.name}${nodeId.slice(step.nodeId.length)}`,
          nodeId,
          status: "pending",
          loop: step.nodeId,
          item,
        }),
      );
      // Instances follow their loop, in item order. Spread in chunks: 10,000 arguments at once
      // would overflow the stack of some engines.
      const tail = status.steps.splice(at);
      for (let index = 0; index < instances.length; index += 4096)
        status.steps.push(...instances.slice(index, index + 4096));
      for (let index = 0; index < tail.length; index += 4096)
        status.steps.push(...tail.slice(index, index + 4096));
      return true;
    }
    case "step-status": {
      const step = findStep(status, event.stepId);
      if (!step) return false;
      step.status = event.status;
      // The reason is the new status's: a job that left "queued" for running has none.
      if (event.reason !== undefined) step.reason = event.reason;
      else delete step.reason;
      if (event.jobId !== undefined) step.jobId = event.jobId;
      return true;
    }
    case "step-end": {
      const step = findStep(status, event.stepId);
      if (!step) return false;
      step.status = event.status;
      step.endedAt = event.ts;
      step.exitCode = event.exitCode;
      step.signal = event.signal;
      if (event.reason !== undefined) step.reason = event.reason;
      if (event.outputs !== undefined) step.outputs = { ...event.outputs };
      return true;
    }
    case "run-resume": {
      // A new executor takes the run over: what had not completed runs again, and what it
      // names to run again although it completed (a foreach step of those from its start).
      delete status.outcome;
      const again = new Set(event.rerun ?? []);
      if (again.size > 0) {
        status.steps = status.steps.filter(
          (step) => step.loop === undefined || !again.has(step.loop),
        );
        for (const step of status.steps)
          if (again.has(step.nodeId)) {
            delete step.items;
            delete step.outputs;
          }
      }
      // An adopted Slurm job's step goes on as it stood: its job still runs, or is about to
      // be found ended.
      const adopted = new Set((event.adopted ?? []).map((attempt) => attempt.stepId));
      for (const step of status.steps) {
        if (step.status === "completed" && !again.has(step.nodeId)) continue;
        if (adopted.has(step.nodeId)) continue;
        step.status = "pending";
        delete step.startedAt;
        delete step.endedAt;
        delete step.exitCode;
        delete step.signal;
        delete step.reason;
        delete step.pid;
        delete step.pgid;
        delete step.handledBy;
      }
      return true;
    }
    case "run-end":
      status.outcome = {
        finalStatus: event.finalStatus,
        ...(event.reason === undefined ? {} : { reason: event.reason }),
        ...(event.error?.code === undefined ? {} : { code: event.error.code }),
      };
      for (const [stepId, by] of Object.entries(event.handled ?? {})) {
        const step = findStep(status, stepId);
        if (step) step.handledBy = [...by];
      }
      return true;
    default:
      return false;
  }
}

/**
 * Each steps array's positions by node id, built at its first lookup, so that applying an event
 * costs the same at 10 steps and at 10,000. Keyed by the array itself: a status whose steps
 * are replaced gets a new index, and one whose array changed in place is reindexed on a miss.
 */
const positions = new WeakMap<readonly StepState[], Map<string, number>>();

function indexSteps(steps: readonly StepState[]): Map<string, number> {
  const byId = new Map<string, number>();
  // The first step with an id wins, as a search from the front would find it.
  for (const [position, step] of steps.entries()) {
    if (!byId.has(step.nodeId)) byId.set(step.nodeId, position);
  }
  positions.set(steps, byId);
  return byId;
}

function findStep(status: RunStatus, nodeId: string): StepState | undefined {
  const steps = status.steps;
  const position = (positions.get(steps) ?? indexSteps(steps)).get(nodeId);
  const step = position === undefined ? undefined : steps[position];
  if (step?.nodeId === nodeId) return step;
  const again = indexSteps(steps).get(nodeId);
  return again === undefined ? undefined : steps[again];
}
