// What the run answers on ipc.sock: the snapshot a client is welcomed with, the replay of the
// timeline from run_summary.jsonl, and cancel requests, which go to the scheduler. A cancel
// that cannot do anything (an unknown step, one that has ended or is already being cancelled,
// a run that has ended or is already being cancelled) is refused with an error for the client
// and leaves no trace in the run's timeline: a client repeating its request cannot make the
// timeline grow. A forced cancel (kill) SIGKILLs at once, also what a cancel is already
// stopping: it is what a user sends when the grace period is too long to wait.

import type { IpcServerHandlers, IpcSnapshot } from "@runyard/ipc";
import { PROTOCOL_ERROR_CODES } from "@runyard/protocol";
import { RunyardError } from "@runyard/schema";
import type { ExecutorLog } from "@runyard/store";
import { streamSummary } from "@runyard/store";
import type { EventPipeline } from "./event-pipeline.js";
import type { Scheduler } from "./scheduler.js";

export interface IpcHandlerContext {
  summaryPath: string;
  pipeline: EventPipeline;
  scheduler: Scheduler;
  log: ExecutorLog;
  snapshot(): IpcSnapshot;
  /** True once every step has ended and run-end is decided. */
  ended(): boolean;
  /** A client subscribed (its replay begins). */
  onSubscribe?(): void;
}

export function ipcHandlers(context: IpcHandlerContext): IpcServerHandlers {
  const { summaryPath, pipeline, scheduler } = context;
  return {
    snapshot: context.snapshot,
    replay: async function* (fromSeq, toSeq) {
      context.onSubscribe?.();
      // Events up to toSeq are whole lines by now; a torn last line is a later event being
      // appended, not yet part of the timeline. Every line was checked against its schema as
      // this executor appended it (SummaryWriter refuses an invalid event): checking it again
      // for each client that subscribes would only cost time.
      const records = streamSummary(summaryPath, { fromSeq, toSeq, validate: false });
      for await (const record of records) {
        if (record.kind === "event") yield record.event;
        else if (record.kind === "problem") throw new Error(record.message);
      }
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
