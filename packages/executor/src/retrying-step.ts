// A step with `retries`: its attempts, one after another, as one RunningStep for the scheduler.
// An attempt that fails (a non-zero exit, a signal, its timeout, a start that failed) is
// followed, after `retryDelay`, by the next — with the next capture pair, RUNYARD_STEP_ATTEMPT
// one higher, its own step-start and step-end — until one completes or none is left. Between
// two attempts a step-status event says the step is pending again and why. A cancel during
// that wait calls the retry off and records the step cancelled; the step keeps its slot of
// the run's parallelism while it waits.
import { formatDurationSeconds, type ResolvedStep } from "@runyard/schema";
import type { EventPipeline } from "./event-pipeline.js";
import { describeStartFailure } from "./start-failure.js";
import { after, type RunningStep, type StepOutcome } from "./step-runner.js";

export interface RetryOptions {
  /** Starts attempt `attempt` (1, 2, …); throws when it cannot even be started. */
  start(attempt: number): RunningStep;
  /**
   * The number of the first attempt (default 1): after a resume, a step's attempts go on
   * from where the run left them, with all of its retries again.
   */
  firstAttempt?: number;
  pipeline: EventPipeline;
  /** Records the step's end when no attempt of it runs (step-end without a capture). */
  settle(status: "cancelled" | "failed", reason: string): void;
}

/** Starts attempt 1 of `step` and the retries it is allowed; throws as `start(1)` does. */
export function startWithRetries(step: ResolvedStep, options: RetryOptions): RunningStep {
  const { pipeline } = options;
  const first = options.firstAttempt ?? 1;
  const last = first + step.retries;
  let current = options.start(first);
  let cancelReason: string | undefined;
  let abandoned = false;
  /** Set while waiting for the next attempt: calls the wait off. */
  let callOff: (() => void) | undefined;
  let recorded = false;

  /** The step's end when no attempt of it runs (the retry was called off, or failed to start). */
  const recordEnd = (status: "cancelled" | "failed", reason: string) => {
    if (recorded) return;
    recorded = true;
    options.settle(status, reason);
  };

  /**
   * Resolves true once `milliseconds` have passed (however long: a plain setTimeout of more
   * than about 24.8 days would fire at once), false when the wait is called off.
   */
  const wait = (milliseconds: number) =>
    new Promise<boolean>((resolve) => {
      const disarm = after(milliseconds, () => {
        callOff = undefined;
        resolve(true);
      });
      callOff = () => {
        disarm();
        callOff = undefined;
        resolve(false);
      };
    });

  const done = (async (): Promise<StepOutcome> => {
    for (let attempt = first; ; attempt += 1) {
      const outcome = await current.done;
      if (outcome !== "failed" || attempt >= last || cancelReason !== undefined || abandoned) {
        return outcome;
      }
      const delay = step.retryDelaySeconds;
      pipeline.emit({
        type: "step-status",
        stepId: step.id,
        status: "pending",
        reason: `attempt ${attempt} of ${last} failed; attempt ${attempt + 1}${delay > 0 ? ` in ${formatDurationSeconds(delay)}` : " now"}`,
      });
      if (!(await wait(delay * 1000))) {
        if (abandoned) return "cancelled";
        recordEnd("cancelled", `${cancelReason ?? "cancelled"} (before attempt ${attempt + 1})`);
        return "cancelled";
      }
      try {
        current = options.start(attempt + 1);
      } catch (error) {
        recordEnd(
          "failed",
          `attempt ${attempt + 1} could not start: ${describeStartFailure(error)}`,
        );
        return "failed";
      }
    }
  })();

  return {
    done,
    cancel(reason) {
      if (cancelReason !== undefined) return;
      cancelReason = reason;
      if (callOff) callOff();
      else current.cancel(reason);
    },
    abandon(reason) {
      if (abandoned) return;
      abandoned = true;
      if (callOff) {
        // No attempt runs: the end is recorded now, as abandon promises.
        recordEnd("cancelled", reason);
        callOff();
      } else current.abandon(reason);
    },
  };
}
