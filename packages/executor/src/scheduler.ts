// Walks the DAG: starts every step whose condition holds once its needs have ended, in
// workflow order, up to maxParallel at once (Slurm steps, which do not run here, up to a limit
// of their own: see Lane) — `success` (the default): every need completed,
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
  /**
   * A foreach step is due: its instances (see expandLoop), recorded as its expansion. A throw
   * (its item file cannot be read) fails the step with the error as reason.
   */
  expand(step: ResolvedStep): readonly ResolvedStep[];
  /** Every instance of a foreach step has ended: records the step's own end. */
  endLoop(step: ResolvedStep, status: LoopEnd, reason: string): void;
}

type LoopEnd = "completed" | "failed" | "cancelled";

/** A foreach step that is running its instances, which sit at [first, end) of the steps. */
interface Loop {
  readonly position: number;
  readonly first: number;
  readonly end: number;
  /** The next instance to release into the ready queue. */
  next: number;
  /** Instances released and not ended yet. */
  released: number;
  readonly limit: number;
  /** Instances not ended yet. */
  remaining: number;
  readonly failed: string[];
  cancelled: number;
  /** Its end is recorded (the last instance ended, or the run was abandoned). */
  ended: boolean;
}

/**
 * The steps that share one bound on how many run at once: those of a backend with a limit of
 * its own (Slurm: jobs queued or running on the cluster), or all the others (maxParallel:
 * steps running on this host). Each lane has its own ready queue, so a step of one never
 * waits behind a step of a full other.
 */
interface Lane {
  readonly limit: number;
  /** Its steps running now (taken over after a resume included). */
  busy: number;
  /** Its pending steps whose needs all completed, waiting for a free place. */
  readonly ready: IndexHeap;
}

/** "2 of 10 items failed: mesh[b], mesh[c]"; the three first failed ids at most. */
function loopEnding(loop: Loop): { status: LoopEnd; reason: string } {
  const count = loop.end - loop.first;
  const items = count === 1 ? "item" : "items";
  if (loop.failed.length > 0) {
    const named = loop.failed.slice(0, 3).join(", ");
    const more = loop.failed.length > 3 ? `, and ${loop.failed.length - 3} more` : "";
    return {
      status: "failed",
      reason: `${loop.failed.length} of ${count} ${items} failed: ${named}${more}`,
    };
  }
  if (loop.cancelled > 0) {
    return { status: "cancelled", reason: `${loop.cancelled} of ${count} ${items} cancelled` };
  }
  if (count === 0) return { status: "completed", reason: "no items" };
  return {
    status: "completed",
    reason: count === 1 ? "its item completed" : `all ${count} items completed`,
  };
}

/** Why a step that never ran was cancelled along with the run. */
function notStarted(runReason: string): string {
  const because = runReason === "cancelled" ? "" : ` (${runReason})`;
  return `not started: the run was cancelled${because}`;
}

export class Scheduler {
  /** The workflow's steps, then the instances of foreach steps as they are expanded. */
  readonly #steps: ResolvedStep[];
  /** The lane of every backend without a limit of its own (maxParallel). */
  readonly #here: Lane;
  /** The lanes of backends with limits of their own, by backend name. */
  readonly #lanes = new Map<string, Lane>();
  readonly #hooks: SchedulerHooks;
  readonly #states = new Map<string, SchedulerState>();
  /** Position of each step in the workflow, by id. */
  readonly #positions = new Map<string, number>();
  /** For each step, the positions of the steps that need it (once per listing). */
  readonly #dependents: number[][] = [];
  /** For each step, how many of its needs have not ended yet. */
  readonly #waiting: number[] = [];
  #pending: number;
  /** Pending steps with a need that ended without completing: this pass, and the next. */
  #blocked = new IndexHeap();
  #blockedNextPass = new IndexHeap();
  /** Position of the step a pump is visiting; -1 outside a pump. */
  #cursor = -1;
  readonly #running = new Map<string, RunningStep>();
  /** Running steps that were told to stop (a cancel of the step or of the run). */
  readonly #stopping = new Set<string>();
  #cancelReason: string | undefined;
  /** Foreach steps running their instances, by the step's position. */
  readonly #loops = new Map<number, Loop>();
  /** For an instance's position, its loop. */
  readonly #loopOf = new Map<number, Loop>();
  /** Loops whose last instance has ended, to be ended by the pump. */
  #endingLoops: Loop[] = [];
  /** A pump is under way; a change from within it (a hook) is queued for that pump. */
  #pumping = false;
  #finished!: () => void;
  readonly #done: Promise<ReadonlyMap<string, SchedulerState>>;

  /** Steps (and loop instances) that completed before a resume: never run again. */
  readonly #completed: ReadonlySet<string>;
  /**
   * Steps (and loop instances) whose Slurm job outlived the executor before a resume: started
   * (adopted) first, whatever their lane's limit — their jobs run already.
   */
  readonly #adopted: ReadonlySet<string>;
  /**
   * Positions of the loop instances started as adopted: each took a place of its loop's
   * `parallel` when it started, not when #release passed it.
   */
  readonly #adoptedInstances = new Set<number>();

  constructor(
    steps: readonly ResolvedStep[],
    maxParallel: number,
    hooks: SchedulerHooks,
    options: {
      completed?: ReadonlySet<string>;
      adopted?: ReadonlySet<string>;
      /** Backends whose steps run up to a limit of their own, not maxParallel: { slurm: 100 }. */
      limits?: Readonly<Record<string, number>>;
    } = {},
  ) {
    this.#completed = options.completed ?? new Set();
    this.#adopted = options.adopted ?? new Set();
    this.#steps = [...steps];
    this.#here = { limit: maxParallel, busy: 0, ready: new IndexHeap() };
    for (const [backend, limit] of Object.entries(options.limits ?? {}))
      this.#lanes.set(backend, { limit, busy: 0, ready: new IndexHeap() });
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
      if (step.needs.length === 0) this.#laneOf(step).ready.push(position);
    }
    // A resumed run: what completed before counts as completed now, for its dependents too.
    for (const [position, step] of steps.entries())
      if (this.#completed.has(step.id)) this.#setState(position, "completed");
    this.#done = new Promise((resolve) => {
      this.#finished = () => resolve(this.#states);
    });
  }

  /** Runs the DAG; resolves with every step's final state. */
  run(): Promise<ReadonlyMap<string, SchedulerState>> {
    this.#startAdopted(0, this.#steps.length);
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
    // The abandoned instances are recorded now and their loops must be too: the process exits.
    for (const loop of this.#loops.values()) {
      if (loop.ended) continue;
      loop.ended = true;
      const step = this.#steps[loop.position];
      if (step === undefined) continue;
      loop.cancelled += loop.remaining;
      const { status, reason: why } = loopEnding(loop);
      this.#hooks.endLoop(step, status, why);
    }
  }

  /** Cancels one step; its dependents are skipped. False if it has already ended or is unknown. */
  cancelStep(stepId: string, reason: string): boolean {
    const position = this.#positions.get(stepId);
    const step = position === undefined ? undefined : this.#steps[position];
    if (position === undefined || !step) return false;
    const state = this.#states.get(stepId);
    const loop = this.#loops.get(position);
    if (loop !== undefined)
      return this.#stopLoop(loop, reason, (id) => this.cancelStep(id, reason));
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
    const position = this.#positions.get(stepId);
    const loop = position === undefined ? undefined : this.#loops.get(position);
    if (loop !== undefined) return this.#stopLoop(loop, reason, (id) => this.killStep(id, reason));
    const running = this.#running.get(stepId);
    if (running === undefined) return this.cancelStep(stepId, reason);
    this.#stopping.add(stepId);
    running.abandon(reason);
    return true;
  }

  /** Stops every instance of a loop the way `stop` stops one; false if the loop has ended. */
  #stopLoop(loop: Loop, reason: string, stop: (id: string) => boolean): boolean {
    if (loop.remaining === 0) return false;
    // No instance starts after this; those released and pending are stopped below.
    const unreleased = loop.next;
    loop.next = loop.end;
    for (let position = loop.first; position < loop.end; position++) {
      const instance = this.#steps[position];
      if (instance === undefined) continue;
      if (position >= unreleased && this.#isPending(position)) {
        this.#setState(position, "cancelled");
        this.#hooks.settle(instance, "cancelled", `not started: ${reason}`);
      } else stop(instance.id);
    }
    this.#pump();
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
      if (this.#endingLoops.length > 0) {
        const ending = this.#endingLoops;
        this.#endingLoops = [];
        for (const loop of ending) this.#endLoop(loop);
      }
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
    // The first ready step, in workflow order, of a lane with a free place.
    let ready: number | undefined;
    let from: Lane | undefined;
    for (const lane of [this.#here, ...this.#lanes.values()]) {
      if (lane.busy >= lane.limit) continue;
      const position = this.#peekPending(lane.ready);
      if (position !== undefined && (ready === undefined || position < ready)) {
        ready = position;
        from = lane;
      }
    }
    if (ready === undefined || from === undefined || (blocked !== undefined && blocked < ready)) {
      return this.#blocked.pop();
    }
    return from.ready.pop();
  }

  /** The lane `step` runs in. */
  #laneOf(step: ResolvedStep): Lane {
    return this.#lanes.get(step.backend) ?? this.#here;
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
    const lane = this.#laneOf(step);
    if (step.foreach !== undefined) this.#expand(position, step);
    else if (lane.busy < lane.limit) this.#start(position, step);
    else lane.ready.push(position);
  }

  /**
   * A foreach step is due: its instances join the steps, pending, and the first of them (as
   * many as its `parallel` allows) the ready queue; the step runs until the last has ended.
   */
  #expand(position: number, step: ResolvedStep): void {
    let instances: readonly ResolvedStep[];
    try {
      instances = this.#hooks.expand(step);
    } catch (error) {
      this.#setState(position, "failed");
      this.#hooks.settle(step, "failed", (error as Error).message);
      return;
    }
    this.#setState(position, "running");
    const first = this.#steps.length;
    const loop: Loop = {
      position,
      first,
      end: first + instances.length,
      next: first,
      released: 0,
      limit: step.parallel ?? Number.POSITIVE_INFINITY,
      remaining: instances.length,
      failed: [],
      cancelled: 0,
      ended: false,
    };
    this.#loops.set(position, loop);
    for (const instance of instances) {
      const at = this.#steps.push(instance) - 1;
      this.#states.set(instance.id, "pending");
      this.#positions.set(instance.id, at);
      this.#dependents.push([]);
      this.#waiting.push(0);
      this.#loopOf.set(at, loop);
    }
    this.#pending += instances.length;
    // Adopted instances run already: they start first, and count among the instances the loop
    // has running (its `parallel`), before the completed ones are counted (whose ends release
    // the next instances).
    this.#startAdopted(first, loop.end);
    // After a resume, the instances that completed before do not run again.
    if (this.#completed.size > 0)
      for (let at = first; at < loop.end; at++) {
        const id = this.#steps[at]?.id;
        if (id !== undefined && this.#completed.has(id)) this.#setState(at, "completed");
      }
    if (instances.length === 0) this.#endLoop(loop);
    else this.#release(loop);
  }

  /** Starts the adopted steps among positions [from, to) that are due (see #adopted). */
  #startAdopted(from: number, to: number): void {
    if (this.#adopted.size === 0 || this.#cancelReason !== undefined) return;
    for (let position = from; position < to; position++) {
      const step = this.#steps[position];
      if (step === undefined || !this.#adopted.has(step.id) || !this.#isPending(position)) continue;
      if (this.#waiting[position] !== 0 || step.foreach !== undefined) continue;
      const loop = this.#loopOf.get(position);
      if (loop !== undefined) {
        // Running already, it takes a place of its loop's own (#release passes it over).
        this.#adoptedInstances.add(position);
        loop.released += 1;
      }
      this.#start(position, step);
    }
  }

  /** Moves a loop's next instances into the ready queue, up to its limit. */
  #release(loop: Loop): void {
    while (loop.released < loop.limit && loop.next < loop.end) {
      const position = loop.next++;
      if (!this.#isPending(position)) continue;
      loop.released += 1;
      this.#laneOf(this.#steps[position] as ResolvedStep).ready.push(position);
    }
  }

  /** An instance has ended: the next one may go, and the last ends its loop. */
  #instanceEnded(loop: Loop, position: number, state: SchedulerState): void {
    if (position < loop.next || this.#adoptedInstances.has(position)) loop.released -= 1;
    loop.remaining -= 1;
    if (state === "failed") loop.failed.push(this.#steps[position]?.id ?? "");
    else if (state === "cancelled") loop.cancelled += 1;
    if (this.#cancelReason === undefined) this.#release(loop);
    // Ended by the pump, after the instance's own end is recorded (a hook may follow this).
    if (loop.remaining === 0) this.#endingLoops.push(loop);
  }

  #endLoop(loop: Loop): void {
    if (loop.ended) return;
    loop.ended = true;
    const step = this.#steps[loop.position];
    if (step === undefined) return;
    const { status, reason } = loopEnding(loop);
    this.#setState(loop.position, status);
    this.#hooks.endLoop(step, status, reason);
  }

  /** Records a step's new state and tells the steps that need it. */
  #setState(position: number, state: SchedulerState): void {
    const step = this.#steps[position];
    if (!step) return;
    if (this.#states.get(step.id) === "pending") this.#pending -= 1;
    this.#states.set(step.id, state);
    if (state === "pending" || state === "running") return;
    const loop = this.#loopOf.get(position);
    if (loop !== undefined) this.#instanceEnded(loop, position, state);
    for (const dependent of this.#dependents[position] ?? []) {
      if (!this.#isPending(dependent)) continue;
      const waiting = (this.#waiting[dependent] ?? 0) - 1;
      this.#waiting[dependent] = waiting;
      const condition = this.#steps[dependent]?.condition;
      if (condition === "failure" || condition === "always") {
        // Decided once every need has ended: run (it may have to wait for a slot) or skip.
        if (waiting === 0) this.#queueVisit(dependent);
      } else if (state !== "completed") this.#queueVisit(dependent);
      else if (waiting === 0)
        this.#laneOf(this.#steps[dependent] as ResolvedStep).ready.push(dependent);
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
    this.#laneOf(step).busy += 1;
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
    this.#laneOf(step).busy -= 1;
    this.#setState(position, outcome);
    this.#pump();
  }
}
