// What the run answers on ipc.sock: the snapshot a client is welcomed with, the replay of the
// timeline from run_summary.jsonl, and cancel requests, which go to the scheduler. A cancel
// that cannot do anything (an unknown step, one that has ended or is already being cancelled,
// a run that has ended or is already being cancelled) is refused with an error for the client
// and leaves no trace in the run's timeline: a client repeating its request cannot make the
// timeline grow. A forced cancel (kill) SIGKILLs at once, also what a cancel is already
// stopping: it is what a user sends when the grace period is too long to wait. Requests from
// the commands a step runs (runyard log, send, artifact save) go to step-requests.ts.

import { basename } from "node:path";
import { type IpcServerHandlers, type IpcSnapshot, TimelineDamagedError } from "@runyard/ipc";
import { type DecodedEvent, PROTOCOL_ERROR_CODES } from "@runyard/protocol";
import { type RunStatus, RunyardError } from "@runyard/schema";
import type { ExecutorLog } from "@runyard/store";
import { type RunPaths, streamSummary } from "@runyard/store";
import type { EventPipeline } from "./event-pipeline.js";
import type { Scheduler } from "./scheduler.js";
import { stepRequestHandler } from "./step-requests.js";

export interface IpcHandlerContext {
  summaryPath: string;
  pipeline: EventPipeline;
  scheduler: Scheduler;
  log: ExecutorLog;
  snapshot(): IpcSnapshot;
  /**
   * The run's files and its status now (never changed by the handlers): with both, the
   * commands a step runs are served (step-requests.ts); without, refused.
   */
  steps?: { paths: RunPaths; status(): RunStatus };
  /** True once every step has ended and run-end is decided. */
  ended(): boolean;
  /** A client subscribed (its replay begins). */
  onSubscribe?(): void;
}

export function ipcHandlers(context: IpcHandlerContext): IpcServerHandlers {
  const { summaryPath, pipeline, scheduler } = context;
  const steps = context.steps;
  return {
    snapshot: context.snapshot,
    ...(steps === undefined
      ? {}
      : {
          step: stepRequestHandler({
            paths: steps.paths,
            status: steps.status,
            pipeline,
            ended: context.ended,
          }),
        }),
    replay: async function* (fromSeq, toSeq) {
      context.onSubscribe?.();
      yield* replaySummary(summaryPath, fromSeq, toSeq);
    },
    cancel: ({ stepId, reason, force }) => {
      if (context.ended()) throw new RunyardError("E_RUN_ENDED", "the run has already ended");
      const why = reason ?? (force ? "killed by a client" : "cancelled by a client");
      // A force is what a user sends when a cancel takes too long: it is never "already".
      if (stepId === undefined && scheduler.cancelled && !force) {
        throw new RunyardError(PROTOCOL_ERROR_CODES.cancel, "the run is already being cancelled");
      }
      if (stepId !== undefined) {
        const state = scheduler.state(stepId);
        if (state === undefined) {
          throw new RunyardError(
            PROTOCOL_ERROR_CODES.unknownStep,
            `this run has no step "${stepId}"`,
          );
        }
        if (state !== "pending" && state !== "running") {
          throw new RunyardError(
            PROTOCOL_ERROR_CODES.stepEnded,
            `step "${stepId}" has already ended: ${state}`,
          );
        }
        if (scheduler.stopping(stepId) && !force) {
          throw new RunyardError(
            PROTOCOL_ERROR_CODES.cancel,
            `step "${stepId}" is already being cancelled`,
          );
        }
      }
      // Checked above and nothing runs in between: the cancel below takes effect, and the
      // request is in the timeline before the step-end it causes.
      pipeline.emit({
        type: "log",
        level: "info",
        message: `${force ? "kill" : "cancel"} requested${stepId === undefined ? "" : ` for step ${stepId}`}: ${why}`,
        ...(stepId === undefined ? {} : { stepId }),
      });
      if (stepId === undefined) {
        if (force) scheduler.abandon(why);
        else scheduler.cancel(why);
      } else if (force) scheduler.killStep(stepId, why);
      else scheduler.cancelStep(stepId, why);
    },
    diagnostic: (message) => context.log.write("info", `ipc: ${message}`),
  };
}

/** What a client can still do when live replay cannot go on. */
const READ_THE_FILES =
  "a process other than the executor may have written to it (a step knows its path); live replay stops here. The run's files still hold what was recorded: read them with `runyard show <run>` and `runyard logs <run>`";

function damaged(path: string, line: number, found: string, expected: string) {
  return new TimelineDamagedError(
    `the run's timeline is damaged: ${basename(path)} line ${line}: found ${found}, expected ${expected}; ${READ_THE_FILES}`,
  );
}

/**
 * Events fromSeq..toSeq of the summary, checking the whole file up to toSeq against the seq
 * rule (line n holds seq n): a step can append to run_summary.jsonl, and a client must hear
 * that the timeline is damaged, where and how, rather than get a forged event or a generic
 * failure. Reading starts at line 1 for that reason; events before fromSeq are only counted.
 */
export async function* replaySummary(
  path: string,
  fromSeq: number,
  toSeq: number,
): AsyncGenerator<DecodedEvent> {
  // Events up to toSeq are whole lines by now; a torn last line is a later event being
  // appended, not yet part of the timeline. Every line was checked against its schema as
  // this executor appended it (SummaryWriter refuses an invalid event): checking it again
  // for each client that subscribes would only cost time. The seq rule is checked here.
  let expected = 1;
  let line = 0;
  for await (const record of streamSummary(path, { validate: false })) {
    line = record.line;
    if (record.kind === "torn") break;
    if (record.kind === "problem") {
      throw damaged(
        path,
        record.line,
        `a line that is not an event (${record.message})`,
        `seq ${expected}`,
      );
    }
    const { seq, type } = record.event;
    if (seq !== expected) {
      throw damaged(path, record.line, `a ${type} event with seq ${seq}`, `seq ${expected}`);
    }
    if (seq >= fromSeq) yield record.event;
    if (seq === toSeq) return;
    expected += 1;
  }
  throw damaged(
    path,
    line + 1,
    "the end of the file",
    `seq ${expected}: the executor has recorded events up to seq ${toSeq}`,
  );
}
