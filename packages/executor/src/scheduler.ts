// Walks the DAG: starts every step whose condition holds once its needs have ended, in
// workflow order, up to maxParallel at once — `success` (the default): every need completed,
// so a step whose need failed, was skipped or was cancelled is skipped; `failure`: a need
// failed; `always`: whatever they did. On cancel, pending steps are cancelled and running
// ones are told to stop. Resolves when every step has reached a terminal state. It decides;
// the hooks act (and emit the events).
//
// A settle costs in proportion to the settled step's dependents, not to the workflow: each
// step counts its needs not yet ended; a `success` step whose count reaches zero joins the
// ready queue, and one whose need ended otherwise is queued to be skipped; a `failure` or
// `always` step whose count reaches zero is queued to be decided. Both queues are ordered
// by workflow position, and a pump visits them as the full scan of earlier versions did (one
// pass in workflow order, a step queued behind the pass waits for the next pass), so starts,
// skips and cancels come in the same order as they always have.
import type { ResolvedStep, StepStatus } from "@runyard/schema";
import { IndexHeap } from "./index-heap.js";
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
  /** Position of each step in the workflow, by id. */
  readonly #positions = new Map<string, number>();
  /** For each step, the positions of the steps that need it (once per listing). */
  readonly #dependents: number[][] = [];
  /** For each step, how many of its needs have not ended yet. */
  readonly #waiting: number[] = [];
  #pending: number;
  /** Pending steps whose needs all completed, waiting for a free slot. */
  readonly #ready = new IndexHeap();
  /** Pending steps with a need that ended without completing: this pass, and the next. */
  #blocked = new IndexHeap();
  #blockedNextPass = new IndexHeap();
  /** Position of the step a pump is visiting; -1 outside a pump. */
  #cursor = -1;
  readonly #running = new Map<string, RunningStep>();
  /** Running steps that were told to stop (a cancel of the step or of the run). */
  readonly #stopping = new Set<string>();
  #cancelReason: string | undefined;
  /** A pump is under way; a change from within it (a hook) is queued for that pump. */
  #pumping = false;
  #finished!: () => void;
  readonly #done: Promise<ReadonlyMap<string, SchedulerState>>;

  constructor(steps: readonly ResolvedStep[], maxParallel: number, hooks: SchedulerHooks) {
    this.#steps = steps;
    this.#maxParallel = maxParallel;
    this.#hooks = hooks;
    this.#pending = steps.length;
    for (const [position, step] of steps.entries()) {
      this.#states.set(step.id, "pending");
      this.#positions.set(step.id, position);
      this.#dependents.push([]);
    }
    for (const [position, step] of steps.entries()) {
      this.#waiting.push(step.needs.length);
      for (const need of step.needs)
        this.#dependents[this.#positions.get(need) ?? -1]?.push(position);
      if (step.needs.length === 0) this.#ready.push(position);
    }
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
    const position = this.#positions.get(stepId);
    const step = position === undefined ? undefined : this.#steps[position];
    if (position === undefined || !step) return false;
    const state = this.#states.get(stepId);
    if (state === "running") {
      this.#stopping.add(stepId);
      this.#running.get(stepId)?.cancel(reason);
      return true;
    }
    if (state !== "pending") return false;
    this.#setState(position, "cancelled");
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
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      this.#pumpSteps();
    } finally {
      this.#pumping = false;
      this.#cursor = -1;
    }
    if (this.#running.size === 0 && this.#pending === 0) this.#finished();
  }

  /** Passes in workflow order over the steps that may change, until none does. */
  #pumpSteps(): void {
    this.#cursor = -1;
    for (;;) {
      const position = this.#nextVisit();
      if (position !== undefined) {
        this.#cursor = position;
        this.#visit(position);
        continue;
      }
      const again =
        this.#cancelReason === undefined ? this.#blockedNextPass.size > 0 : this.#pending > 0;
      if (!again) return;
      [this.#blocked, this.#blockedNextPass] = [this.#blockedNextPass, this.#blocked];
      this.#cursor = -1;
    }
  }

  /** The next step after the cursor that this pass has something to do with. */
  #nextVisit(): number | undefined {
    if (this.#cancelReason !== undefined) {
      // Every pending step is cancelled: once per run, so a scan is fine.
      for (let position = this.#cursor + 1; position < this.#steps.length; position++) {
        if (this.#isPending(position)) return position;
      }
      return undefined;
    }
    const blocked = this.#peekPending(this.#blocked);
    const ready =
      this.#running.size < this.#maxParallel ? this.#peekPending(this.#ready) : undefined;
    if (ready === undefined || (blocked !== undefined && blocked < ready)) {
      return this.#blocked.pop();
    }
    return this.#ready.pop();
  }

  /** The queue's first step still pending (the others were settled meanwhile, and go). */
  #peekPending(queue: IndexHeap): number | undefined {
    let position = queue.peek();
    while (position !== undefined && !this.#isPending(position)) {
      queue.pop();
      position = queue.peek();
    }
    return position;
  }

  #isPending(position: number): boolean {
    const step = this.#steps[position];
    return step !== undefined && this.#states.get(step.id) === "pending";
  }

  #visit(position: number): void {
    const step = this.#steps[position];
    if (!step || this.#states.get(step.id) !== "pending") return;
    if (this.#cancelReason !== undefined) {
      this.#setState(position, "cancelled");
      this.#hooks.settle(step, "cancelled", notStarted(this.#cancelReason));
      return;
    }
    const blocker = step.needs.find((need) => {
      const state = this.#states.get(need);
      return state === "failed" || state === "skipped" || state === "cancelled";
    });
    const condition = step.condition ?? "success";
    if (condition === "success" && blocker !== undefined) {
      this.#setState(position, "skipped");
      const why =
        this.#states.get(blocker) === "failed" ? "failed" : `was ${this.#states.get(blocker)}`;
      this.#hooks.settle(step, "skipped", `needs "${blocker}", which ${why}`);
      return;
    }
    if (this.#waiting[position] !== 0) return;
    if (
      condition === "failure" &&
      !step.needs.some((need) => this.#states.get(need) === "failed")
    ) {
      this.#setState(position, "skipped");
      this.#hooks.settle(step, "skipped", "if: failure, and none of its needs failed");
      return;
    }
    if (this.#running.size < this.#maxParallel) this.#start(position, step);
    else this.#ready.push(position);
  }

  /** Records a step's new state and tells the steps that need it. */
  #setState(position: number, state: SchedulerState): void {
    const step = this.#steps[position];
    if (!step) return;
    if (this.#states.get(step.id) === "pending") this.#pending -= 1;
    this.#states.set(step.id, state);
    if (state === "pending" || state === "running") return;
    for (const dependent of this.#dependents[position] ?? []) {
      if (!this.#isPending(dependent)) continue;
      const waiting = (this.#waiting[dependent] ?? 0) - 1;
      this.#waiting[dependent] = waiting;
      const condition = this.#steps[dependent]?.condition;
      if (condition === "failure" || condition === "always") {
        // Decided once every need has ended: run (it may have to wait for a slot) or skip.
        if (waiting === 0) this.#queueVisit(dependent);
      } else if (state !== "completed") this.#queueVisit(dependent);
      else if (waiting === 0) this.#ready.push(dependent);
    }
  }

  /** Queues a pending step to be visited in workflow order, this pass or the next. */
  #queueVisit(position: number): void {
    if (position > this.#cursor) this.#blocked.push(position);
    else this.#blockedNextPass.push(position);
  }

  #start(position: number, step: ResolvedStep): void {
    let running: RunningStep;
    try {
      running = this.#hooks.start(step);
    } catch (error) {
      this.#setState(position, "failed");
      this.#hooks.settle(step, "failed", `could not start: ${(error as Error).message}`);
      return;
    }
    this.#setState(position, "running");
    this.#running.set(step.id, running);
    void running.done.then(
      (outcome) => this.#settled(position, step, outcome),
      (error: unknown) => {
        this.#hooks.settle(step, "failed", `lost: ${(error as Error).message}`);
        this.#settled(position, step, "failed");
      },
    );
  }

  #settled(position: number, step: ResolvedStep, outcome: SchedulerState): void {
    this.#running.delete(step.id);
    this.#stopping.delete(step.id);
    this.#setState(position, outcome);
    this.#pump();
  }
}
