// Walks the DAG: starts every step whose needs completed, in workflow order, up to
// maxParallel at once; a step whose need failed, was skipped or was cancelled is skipped; on
// cancel, pending steps are cancelled and running ones are told to stop. Resolves when every
// step has reached a terminal state. It decides; the hooks act (and emit the events).
import type { ResolvedStep, StepStatus } from "@runyard/schema";
import type { RunningStep } from "./step-runner.js";

export type SchedulerState = Extract<
  StepStatus,
  "pending" | "running" | "completed" | "failed" | "skipped" | "cancelled"
>;

export interface SchedulerHooks {
  /** Starts a step; a throw marks the step failed with the error as reason. */
  start(step: ResolvedStep): RunningStep;
  /** Records the end of a step that never ran (skipped, cancelled, or failed to start). */
  settle(step: ResolvedStep, status: "skipped" | "cancelled" | "failed", reason: string): void;
}

/** Why a step that never ran was cancelled along with the run. */
function notStarted(runReason: string): string {
  const because = runReason === "cancelled" ? "" : ` (${runReason})`;
  return `not started: the run was cancelled${because}`;
}

export class Scheduler {
  readonly #steps: readonly ResolvedStep[];
  readonly #maxParallel: number;
  readonly #hooks: SchedulerHooks;
  readonly #states = new Map<string, SchedulerState>();
  readonly #running = new Map<string, RunningStep>();
  /** Running steps that were told to stop (a cancel of the step or of the run). */
  readonly #stopping = new Set<string>();
  #cancelReason: string | undefined;
  /** A pump is under way; a cancel from within it (a hook) lets that pump do the rest. */
  #pumping = false;
  #pumpAgain = false;
  #finished!: () => void;
  readonly #done: Promise<ReadonlyMap<string, SchedulerState>>;

  constructor(steps: readonly ResolvedStep[], maxParallel: number, hooks: SchedulerHooks) {
    this.#steps = steps;
    this.#maxParallel = maxParallel;
    this.#hooks = hooks;
    for (const step of steps) this.#states.set(step.id, "pending");
    this.#done = new Promise((resolve) => {
      this.#finished = () => resolve(this.#states);
    });
  }

  /** Runs the DAG; resolves with every step's final state. */
  run(): Promise<ReadonlyMap<string, SchedulerState>> {
    this.#pump();
    return this.#done;
  }

  get cancelled(): boolean {
    return this.#cancelReason !== undefined;
  }

  /** Why the whole run was cancelled, if it was. */
  get cancelReason(): string | undefined {
    return this.#cancelReason;
  }

  /** Cancels the run: nothing new starts, running steps are stopped. */
  cancel(reason: string): void {
    if (this.#cancelReason !== undefined) return;
    this.#cancelReason = reason;
    for (const [stepId, running] of this.#running) {
      this.#stopping.add(stepId);
      running.cancel(reason);
    }
    this.#pump();
  }

  /**
   * For a process about to exit at once: every running step is killed and recorded as
   * cancelled, every pending one as not started, synchronously.
   */
  abandon(reason: string): void {
    this.#cancelReason ??= reason;
    for (const running of this.#running.values()) running.abandon(reason);
    this.#pump();
  }

  /** Cancels one step; its dependents are skipped. False if it has already ended or is unknown. */
  cancelStep(stepId: string, reason: string): boolean {
    const state = this.#states.get(stepId);
    const step = this.#steps.find((candidate) => candidate.id === stepId);
    if (!step) return false;
    if (state === "running") {
      this.#stopping.add(stepId);
      this.#running.get(stepId)?.cancel(reason);
      return true;
    }
    if (state !== "pending") return false;
    this.#states.set(stepId, "cancelled");
    this.#hooks.settle(step, "cancelled", `not started: ${reason}`);
    this.#pump();
    return true;
  }

  /**
   * Kills one step now: SIGKILL to every process of a running step, recorded as cancelled at
   * once (no grace period); a pending one is cancelled. False if it has ended or is unknown.
   */
  killStep(stepId: string, reason: string): boolean {
    const running = this.#running.get(stepId);
    if (running === undefined) return this.cancelStep(stepId, reason);
    this.#stopping.add(stepId);
    running.abandon(reason);
    return true;
  }

  has(stepId: string): boolean {
    return this.#states.has(stepId);
  }

  /** Whether a running step was told to stop and has not ended yet. */
  stopping(stepId: string): boolean {
    return this.#stopping.has(stepId);
  }

  /** Where a step stands now; undefined for a step the workflow does not have. */
  state(stepId: string): SchedulerState | undefined {
    return this.#states.get(stepId);
  }

  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      this.#pumpSteps();
    } finally {
      this.#pumping = false;
    }
    if (this.#running.size === 0 && ![...this.#states.values()].includes("pending")) {
      this.#finished();
    }
  }

  #pumpSteps(): void {
    let changed = true;
    while (changed || this.#pumpAgain) {
      changed = false;
      this.#pumpAgain = false;
      for (const step of this.#steps) {
        if (this.#states.get(step.id) !== "pending") continue;
        if (this.#cancelReason !== undefined) {
          this.#states.set(step.id, "cancelled");
          this.#hooks.settle(step, "cancelled", notStarted(this.#cancelReason));
          changed = true;
          continue;
        }
        const blocker = step.needs.find((need) => {
          const state = this.#states.get(need);
          return state === "failed" || state === "skipped" || state === "cancelled";
        });
        if (blocker !== undefined) {
          this.#states.set(step.id, "skipped");
          const why =
            this.#states.get(blocker) === "failed" ? "failed" : `was ${this.#states.get(blocker)}`;
          this.#hooks.settle(step, "skipped", `needs "${blocker}", which ${why}`);
          changed = true;
          continue;
        }
        const ready = step.needs.every((need) => this.#states.get(need) === "completed");
        if (ready && this.#running.size < this.#maxParallel) {
          this.#start(step);
          changed = true;
        }
      }
    }
  }

  #start(step: ResolvedStep): void {
    let running: RunningStep;
    try {
      running = this.#hooks.start(step);
    } catch (error) {
      this.#states.set(step.id, "failed");
      this.#hooks.settle(step, "failed", `could not start: ${(error as Error).message}`);
      return;
    }
    this.#states.set(step.id, "running");
    this.#running.set(step.id, running);
    void running.done.then(
      (outcome) => this.#settled(step, outcome),
      (error: unknown) => {
        this.#hooks.settle(step, "failed", `lost: ${(error as Error).message}`);
        this.#settled(step, "failed");
      },
    );
  }

  #settled(step: ResolvedStep, outcome: SchedulerState): void {
    this.#running.delete(step.id);
    this.#stopping.delete(step.id);
    this.#states.set(step.id, outcome);
    this.#pump();
  }
}
