// One run from its first event to its last: opens the writers, serves ipc.sock, emits
// run-start, lets the scheduler walk the DAG, emits run-end, then closes in the order readers
// rely on — status.json, the summary, meta.json (the end marker), the socket, the heartbeat.
// The executor never deletes a file of the run. While it runs, killAllNow can end it on the
// spot (killNow), for a process that must exit at once.

import { unlinkSync } from "node:fs";
import { createIpcServer, type IpcServer } from "@runyard/ipc";
import { type RunEvent, toRunError } from "@runyard/protocol";
import type {
  FinalStatus,
  LaunchHook,
  ResolvedStep,
  ResolvedWorkflow,
  RunMeta,
  RunStatus,
} from "@runyard/schema";
import { ENV, expandLoop, HOOKS_PARALLEL_DEFAULT, now, RUN_FILES } from "@runyard/schema";
import {
  type CreatedRunDirectory,
  createInitialStatus,
  ExecutorLog,
  releaseDiskReserve,
  StatusWriter,
  type StorageFailure,
  SummaryWriter,
  startHeartbeat,
  storageFailure,
  writeFileAtomic,
  writeMeta,
} from "@runyard/store";
import { abortReason } from "./abort.js";
import type { Backend } from "./backend.js";
import { killMarkedProcesses } from "./crash-reaper.js";
import { EventPipeline } from "./event-pipeline.js";
import { HookRunner, retriesLookup } from "./hook-runner.js";
import { ipcHandlers } from "./ipc-handlers.js";
import { trackLiveRun } from "./live-runs.js";
import { loopItems } from "./loop-items.js";
import type { AdoptedAttempt, ResumeState } from "./resume-state.js";
import { startWithRetries } from "./retrying-step.js";
import { statusSteps } from "./run-meta.js";
import type { RunResult } from "./run-options.js";
import { Scheduler } from "./scheduler.js";
import { stepEnvironment } from "./step-env.js";
import { RunOutputs } from "./step-outputs.js";
import { type RunningStep, type StepRunnerContext, startStep } from "./step-runner.js";
import { writeMetaNow, writeStatusNow } from "./write-now.js";

export interface RunSessionOptions {
  workflow: ResolvedWorkflow;
  created: CreatedRunDirectory;
  backends: Readonly<Record<string, Backend>>;
  maxParallel: number;
  /** Slurm jobs queued or running at once (their steps do not count in maxParallel). */
  maxSlurmJobs?: number | undefined;
  killGraceMs: number;
  env: NodeJS.ProcessEnv;
  /** The value of every workflow param, given or defaulted. */
  params: Readonly<Record<string, string>>;
  onEvent: ((event: RunEvent) => void) | undefined;
  output: boolean | ReadonlySet<string>;
  signal: AbortSignal | undefined;
  /**
   * Called once run-start is in the timeline and ipc.sock listens (if it could). False: the
   * client the start is held for (holdStartMs) is gone; do not wait for it.
   */
  onStarted?: (() => boolean | undefined) | undefined;
  /**
   * Wait up to this long after run-start for a client to subscribe before the first step
   * starts, so the front end that launched the run sees every step's output from its first
   * byte (output is live only). 0 or absent: start at once.
   */
  holdStartMs?: number | undefined;
  /** A directory to put first on every step's PATH: where the `runyard` launcher is. */
  binDirectory?: string | undefined;
  /**
   * The run is resumed (runyard resume): what the executors before this one left (see
   * resume-state.ts). The session appends to the timeline with a run-resume instead of
   * starting it with a run-start.
   */
  resume?: ResumeState | undefined;
  /** Commands to run on the run's events (hook-runner.ts); none when absent or empty. */
  hooks?: readonly LaunchHook[] | undefined;
  /** How many hooks may run at once (default HOOKS_PARALLEL_DEFAULT). */
  hooksParallel?: number | undefined;
}

import {
  captureExists,
  describe,
  failures,
  outcome,
  RunFileWriteError,
  STOP_MARKER,
  storageError,
} from "./run-outcome.js";
import { SLURM_MAX_JOBS } from "./slurm-job.js";

/** About how long a step-expand line may grow before the rest go in another. */
const EXPAND_EVENT_BYTES = 256 * 1024;

export class RunSession {
  readonly #options: RunSessionOptions;
  readonly #log: ExecutorLog;
  readonly #status: RunStatus;
  #meta: RunMeta;
  #fatal: unknown;
  /** The first write that failed for want of space (or a failing disk), if one did. */
  #storage: StorageFailure | undefined;
  #scheduler: Scheduler | undefined;
  #pipeline: EventPipeline | undefined;
  /** Every step has ended; run-end is decided. */
  #ended = false;
  /** killNow has recorded the end; the rest of run() must not write it again. */
  #killed = false;
  /** The run's final status, once run-end is out. */
  #finalStatus: FinalStatus | undefined;
  #startedAt = 0;
  /** Attempts killed at once whose escaped processes (setsid) are still to be SIGKILLed. */
  #escaped = new Set<number>();
  /** The last capture number taken. */
  #captureSeq = 0;
  /** What completed steps wrote to RUNYARD_OUTPUT, and what each step sees of it. */
  readonly #outputs: RunOutputs;
  /** A foreach step's instance ids, by the step's id, for its outputs at its end. */
  readonly #instances = new Map<string, string[]>();
  /** After a resume, the Slurm jobs to take over and not yet taken, by step id. */
  readonly #adoptions = new Map<string, AdoptedAttempt>();

  constructor(options: RunSessionOptions) {
    this.#options = options;
    const { created, workflow } = options;
    this.#log = new ExecutorLog(created.paths.executorLog);
    this.#meta = created.meta;
    this.#outputs = new RunOutputs(created.directory, workflow.steps);
    const resume = options.resume;
    if (resume !== undefined) {
      this.#status = resume.status;
      this.#captureSeq = resume.captureSeq;
      for (const [stepId, outputs] of resume.outputs) this.#outputs.restore(stepId, outputs);
      for (const adopted of resume.adopted) this.#adoptions.set(adopted.stepId, adopted);
    } else {
      this.#status = createInitialStatus({
        runId: created.runId,
        workflowId: workflow.id,
        updatedAt: created.meta.startedAt,
        steps: statusSteps(workflow),
      });
    }
  }

  #onFatal = (error: unknown): void => {
    if (this.#fatal !== undefined) return;
    const storage = storageFailure(error);
    if (storage) this.#makeRoom(error);
    else this.#log.write("error", `cannot keep the run's record, stopping: ${describe(error)}`);
    this.#fatal = storage ? storageError(storage, error) : error;
    // The steps still pending are not started; the running ones are stopped.
    this.#scheduler?.cancel(storage ? storage.reason : `internal error: ${describe(error)}`);
  };

  /**
   * A write failed. If the disk is full (or failing), free the disk reserve and say so in
   * executor.log, first, in the room that made: it is what a reader finds if nothing else
   * could be written. True when the reserve was freed just now: one more try may succeed.
   */
  #makeRoom = (error: unknown): boolean => {
    const storage = storageFailure(error);
    if (!storage || this.#storage !== undefined) return false;
    this.#storage = storage;
    let freed = false;
    let problem = "";
    try {
      freed = releaseDiskReserve(this.#options.created.paths.reserve);
    } catch (releaseError) {
      problem = `; the disk reserve could not be removed: ${describe(releaseError)}`;
    }
    this.#log.write(
      "error",
      `${STOP_MARKER} ${storage.reason} (${storageError(storage, error).code}): ${describe(error)}${freed ? "; freed the disk reserve to record the end" : problem}`,
    );
    return freed;
  };

  /**
   * A background write (status.json, the heartbeat) failed: a full disk stops the run, and the
   * reason names the file that found no room.
   */
  #onWriteError(what: string, error: unknown): void {
    if (storageFailure(error)) this.#onFatal(new RunFileWriteError(what, error));
    else this.#log.write("warn", `${what}: ${describe(error)}`);
  }

  async run(): Promise<RunResult> {
    const { created, workflow, signal } = this.#options;
    const paths = created.paths;
    const statusWriter = new StatusWriter(paths.status, () => this.#status, {
      onError: (error) => this.#onWriteError(RUN_FILES.status, error),
    });
    let summary: SummaryWriter;
    try {
      await statusWriter.flush();
      summary = SummaryWriter.open(paths.summary, {
        lastSeq: this.#options.resume?.lastSeq ?? 0,
        onSyncError: (error) =>
          this.#log.write("warn", `run_summary.jsonl fsync: ${describe(error)}`),
      });
    } catch (error) {
      // The run never started; meta.json says so if it can (the original error is what counts).
      await this.#writeEndMeta("failed").catch((metaError: unknown) =>
        this.#log.write("error", `meta.json: ${describe(metaError)}`),
      );
      throw error;
    }
    const heartbeat = startHeartbeat(paths.heartbeat, {
      onError: (error) => this.#onWriteError(RUN_FILES.heartbeat, error),
    });
    const hooks = this.#hookRunner(() => pipeline);
    // Until they have drained, a process that exits at once (killAllNow) takes its hooks along.
    const untrackHooks = hooks && trackLiveRun({ killNow: () => hooks.killNow() });
    const pipeline = new EventPipeline({
      runId: created.runId,
      summary,
      status: this.#status,
      statusWriter,
      onEvent: this.#options.onEvent,
      output: this.#options.output,
      onFatal: this.#onFatal,
      makeRoom: this.#makeRoom,
      hooks,
    });
    this.#pipeline = pipeline;
    const resume = this.#options.resume;
    const scheduler = new Scheduler(
      workflow.steps,
      this.#options.maxParallel,
      {
        start: (step) => this.#startStep(pipeline, step),
        settle: (step, status, reason) => this.#settle(pipeline, step, status, reason),
        expand: (step) => this.#expand(pipeline, step),
        endLoop: (step, status, reason) => this.#endLoop(pipeline, step, status, reason),
      },
      {
        limits: { slurm: this.#options.maxSlurmJobs ?? SLURM_MAX_JOBS },
        ...(resume === undefined
          ? {}
          : { completed: resume.completed, adopted: new Set(this.#adoptions.keys()) }),
      },
    );
    this.#scheduler = scheduler;

    let server: IpcServer | undefined;
    let serverProblem: string | undefined;
    try {
      server = await createIpcServer(
        paths.socket,
        ipcHandlers({
          summaryPath: paths.summary,
          pipeline,
          scheduler,
          log: this.#log,
          snapshot: () => ({
            meta: this.#meta,
            status: structuredClone(this.#status),
            lastSeq: pipeline.lastSeq,
          }),
          ended: () => this.#ended,
          steps: { paths, status: () => this.#status },
          onSubscribe: () => this.#subscribed?.(),
        }),
      );
      pipeline.attach(server);
    } catch (error) {
      serverProblem = `no live updates: cannot serve ${paths.socket}: ${describe(error)}`;
    }

    this.#startedAt = performance.now();
    if (resume === undefined) {
      pipeline.emit({
        type: "run-start",
        workflowId: workflow.id,
        workflowName: workflow.name,
        workflowFile: workflow.file,
        pid: this.#meta.pid,
        host: this.#meta.startedOn,
        steps: workflow.steps.map((step) => ({
          nodeId: step.id,
          name: step.name,
          needs: step.needs,
        })),
      });
    } else {
      pipeline.emit({
        type: "run-resume",
        previous: resume.previous,
        pid: this.#meta.pid,
        host: this.#meta.startedOn,
        resume: resume.resume,
        ...(resume.lost.length === 0 ? {} : { lost: resume.lost }),
        ...(resume.adopted.length === 0
          ? {}
          : {
              adopted: resume.adopted.map(({ stepId, captureSeq, jobId }) => ({
                stepId,
                captureSeq,
                jobId,
              })),
            }),
        ...(resume.rerun.length === 0 ? {} : { rerun: resume.rerun }),
      });
      if (resume.cutBytes > 0)
        pipeline.emit({
          type: "log",
          level: "warn",
          message:
            resume.previous === "crashed"
              ? `cut a torn last line (${resume.cutBytes} bytes) from ${RUN_FILES.summary}: the previous executor died while it wrote it`
              : `cut ${resume.cutBytes} bytes from the end of ${RUN_FILES.summary}, after its run-end: no executor wrote them (a step can reach the file)`,
        });
    }
    if (serverProblem) pipeline.emit({ type: "log", level: "warn", message: serverProblem });
    // From run-start on, killAllNow can end the run on the spot with a well-formed timeline.
    const untrack = trackLiveRun(this);
    const heard = this.#options.onStarted?.();

    const onAbort = () => signal && scheduler.cancel(abortReason(signal));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    await this.#holdStart(server !== undefined && !signal?.aborted && heard !== false);
    const states = await scheduler.run();
    signal?.removeEventListener("abort", onAbort);
    this.#ended = true;
    // Jobs to take over whose steps never started (the run was cancelled first): cancelled.
    await this.#cancelUntaken(pipeline);
    // Every step has ended: a backend's helpers (the step spawner) can go.
    for (const backend of Object.values(this.#options.backends)) backend.close?.();

    const { failed, handled } = failures(workflow.steps, states);
    const { finalStatus, reason } = outcome(
      this.#fatal,
      failed,
      scheduler.cancelled || workflow.steps.some((step) => states.get(step.id) === "cancelled"),
      scheduler.cancelReason ??
        this.#status.steps.find((step) => step.status === "cancelled")?.reason,
      handled,
    );
    const returnValue =
      finalStatus === "success" ? await this.#writeReturnValue(pipeline) : undefined;
    this.#emitRunEnd(pipeline, finalStatus, reason, handled, returnValue);

    // Close in the order readers rely on; a failure here is reported, after the rest is done.
    const closing: unknown[] = [];
    const attempt = async (what: () => Promise<void>) => {
      try {
        await what();
      } catch (error) {
        closing.push(error);
      }
    };
    // The last snapshot may be the write that finds the disk full (when run-end came in the
    // same turn as the step-end before it): its error names the file, as a background one does.
    await attempt(() =>
      statusWriter.close().catch((error: unknown) => {
        const storage = storageFailure(error);
        throw storage
          ? storageError(storage, new RunFileWriteError(RUN_FILES.status, error))
          : error;
      }),
    );
    await attempt(() => summary.close());
    // After killNow, meta.json already says how the run ended, and when.
    if (!this.#killed) await attempt(() => this.#writeEndMeta(finalStatus, summary));
    // Clients hear why the run could not keep its record (a full disk), if it could not.
    const trouble = this.#fatal ?? closing[0];
    await attempt(async () =>
      server?.close(finalStatus, trouble === undefined ? undefined : toRunError(trouble)),
    );
    await attempt(() => heartbeat.stop());
    // The reserve was only ever room for this end; a run that did not need it gives it back.
    await attempt(async () => {
      releaseDiskReserve(paths.reserve);
    });
    // Suppressed repeats are counted in memory until said; say them before the run is over.
    this.#log.flush();
    untrack();
    // The run is over and recorded; its hooks get a bounded while to finish (hook-runner.ts).
    await hooks?.drain(signal);
    untrackHooks?.();
    const failure = this.#fatal ?? closing[0];
    if (failure !== undefined) throw failure;
    return {
      runId: created.runId,
      runDirectory: created.directory,
      finalStatus,
      meta: this.#meta,
      status: structuredClone(this.#status),
    };
  }

  /**
   * The run's hook runner, or undefined without hooks. Its warnings become `log` events a turn
   * later, not inside the emit that offered the event; after run-end they are in hooks.log only.
   */
  #hookRunner(pipeline: () => EventPipeline): HookRunner | undefined {
    const { hooks, created, workflow } = this.#options;
    if (hooks === undefined || hooks.length === 0) return undefined;
    const runner = new HookRunner({
      hooks,
      parallel: this.#options.hooksParallel ?? HOOKS_PARALLEL_DEFAULT,
      env: this.#options.env,
      runId: created.runId,
      runDirectory: created.directory,
      logPath: created.paths.hooksLog,
      binDirectory: this.#options.binDirectory,
      warn: (message) =>
        queueMicrotask(() => pipeline().emit({ type: "log", level: "warn", message })),
      retriesOf: this.#lastAttemptLookup(retriesLookup(workflow.steps)),
    });
    return runner;
  }

  /**
   * For the hook runner: the number a step's last attempt may have, less one — its retries,
   * plus the attempts it had before a resume (attempts are numbered on).
   */
  #lastAttemptLookup(retriesOf: (stepId: string) => number): (stepId: string) => number {
    const before = this.#options.resume?.attempts;
    if (before === undefined) return retriesOf;
    return (stepId) => retriesOf(stepId) + (before.get(stepId) ?? 0);
  }

  /** Resolves the hold on the first subscriber; see holdStartMs. */
  #subscribed: (() => void) | undefined;

  async #holdStart(serving: boolean): Promise<void> {
    const holdMs = this.#options.holdStartMs ?? 0;
    if (!serving || holdMs <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    const signal = this.#options.signal;
    let onAbort: (() => void) | undefined;
    await new Promise<void>((resolve) => {
      this.#subscribed = resolve;
      timer = setTimeout(resolve, holdMs);
      onAbort = resolve;
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    this.#subscribed = undefined;
  }

  /**
   * The end in meta.json: how and when the run ended, and, when the summary got its run-end,
   * how big the executor left it (a listing then checks the timeline by its size alone).
   */
  async #writeEndMeta(finalStatus: FinalStatus, summary?: SummaryWriter): Promise<void> {
    const bytes = summary?.committedBytes;
    const ended =
      summary !== undefined && summary.lastSeq === this.#status.seq && bytes !== undefined;
    const meta: RunMeta = {
      ...this.#meta,
      endedAt: now(),
      finalStatus,
      ...(ended ? { timelineBytes: bytes } : {}),
    };
    await writeMeta(this.#options.created.directory, meta);
    this.#meta = meta;
  }

  /**
   * SIGKILLs the processes of the attempts in #escaped that left their step's session, found
   * by the run id and step seq in their environment (crash-reaper.ts). Best effort: a failure
   * is logged, never thrown.
   */
  #killEscapedNow(): void {
    const seqs = this.#escaped;
    if (seqs.size === 0) return;
    this.#escaped = new Set();
    try {
      killMarkedProcesses(this.#options.created.runId, seqs);
    } catch (error) {
      this.#log.write("warn", `killing what left the steps' sessions: ${describe(error)}`);
    }
  }

  #stepContext(pipeline: EventPipeline): StepRunnerContext {
    const { created, workflow, backends, env, params, killGraceMs } = this.#options;
    return {
      runDirectory: created.directory,
      // Every step's backend was checked before the run directory was made.
      backendFor: (step) => backends[step.backend] as Backend,
      pipeline,
      killGraceMs,
      environment: (step, captureSeq, attempt) =>
        stepEnvironment({
          base: env,
          workflow,
          params,
          step,
          runId: created.runId,
          paths: created.paths,
          captureSeq,
          attempt,
          binDirectory: this.#options.binDirectory,
          outputs: this.#outputs.seenBy(step),
          outputFile: this.#outputs.fileFor(captureSeq, step.id),
        }),
      takeOutputs: (step, captureSeq) => {
        const { outputs, problems } = this.#outputs.take(step, captureSeq);
        for (const problem of problems)
          pipeline.emit({
            type: "log",
            level: "warn",
            message: `${step.id}: ${problem}`,
            stepId: step.id,
          });
        return outputs;
      },
      onFatal: this.#onFatal,
      keepsOutput: () => this.#storage === undefined,
      killEscaped: (captureSeq) => {
        // Steps killed together (a forced cancel of the run) share one pass over /proc.
        if (this.#escaped.size === 0) queueMicrotask(() => this.#killEscapedNow());
        this.#escaped.add(captureSeq);
      },
    };
  }

  /**
   * The step-end of a step that ran no process of its own: one that never started (skipped,
   * cancelled, failed to start), or a foreach step, whose instances did the work.
   */
  #settle(
    pipeline: EventPipeline,
    step: ResolvedStep,
    status: "completed" | "skipped" | "cancelled" | "failed",
    reason: string,
    durationMs = 0,
    outputs?: Readonly<Record<string, string>>,
  ) {
    pipeline.emit({
      type: "step-end",
      stepId: step.id,
      status,
      exitCode: null,
      signal: null,
      durationMs,
      reason,
      ...(outputs === undefined ? {} : { outputs: { ...outputs } }),
    });
    // A loop resumed with instances of its own that did not run again (it was skipped or
    // cancelled this time): they end as it did, not pending for ever.
    const recorded = this.#options.resume?.loops.get(step.id);
    if (recorded !== undefined && !this.#expandedAt.has(step.id)) {
      const completed = this.#options.resume?.completed;
      for (const instance of expandLoop(step, recorded)) {
        if (completed?.has(instance.id)) continue;
        pipeline.emit({
          type: "step-end",
          stepId: instance.id,
          status: status === "completed" ? "skipped" : status,
          exitCode: null,
          signal: null,
          durationMs: 0,
          reason: `its loop ${step.id} ${status === "completed" ? "completed" : `was ${status}`}`,
        });
      }
    }
  }

  /** When each foreach step was expanded (performance.now()), for its duration. */
  readonly #expandedAt = new Map<string, number>();

  /** A foreach step is due: its items (read now, from a file), its instances, step-expand. */
  #expand(pipeline: EventPipeline, step: ResolvedStep): ResolvedStep[] {
    const spec = step.foreach;
    const recorded = this.#options.resume?.loops.get(step.id);
    if (recorded !== undefined) return this.#expandAgain(pipeline, step, recorded);
    const values = { ...this.#options.params, [ENV.runDir]: this.#options.created.directory };
    const instances = spec === undefined ? [] : expandLoop(step, loopItems(spec, values));
    this.#expandedAt.set(step.id, performance.now());
    const emit = (items: { nodeId: string; item: string }[]) =>
      pipeline.emit({
        type: "step-expand",
        stepId: step.id,
        items,
        total: instances.length,
        ...(spec?.kind === "file" ? { file: spec.written } : {}),
        ...(step.parallel === undefined ? {} : { parallel: step.parallel }),
      });
    // Lines of about EXPAND_EVENT_BYTES at most: a reader takes lines of up to 1 MiB.
    let chunk: { nodeId: string; item: string }[] = [];
    let bytes = 0;
    for (const instance of instances) {
      const entry = { nodeId: instance.id, item: instance.item?.value ?? "" };
      const size = Buffer.byteLength(JSON.stringify(entry));
      if (chunk.length > 0 && bytes + size > EXPAND_EVENT_BYTES) {
        emit(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(entry);
      bytes += size + 1;
    }
    if (chunk.length > 0 || instances.length === 0) emit(chunk);
    this.#instances.set(
      step.id,
      instances.map((instance) => instance.id),
    );
    return instances;
  }

  /**
   * A resumed loop that had its instances: they run again as they were (the item file is not
   * read again), and those that completed are not started (the scheduler knows them).
   */
  #expandAgain(pipeline: EventPipeline, step: ResolvedStep, items: string[]): ResolvedStep[] {
    const instances = expandLoop(step, items);
    this.#expandedAt.set(step.id, performance.now());
    pipeline.emit({
      type: "step-expand",
      stepId: step.id,
      items: [],
      total: instances.length,
      resumed: true,
      ...(step.parallel === undefined ? {} : { parallel: step.parallel }),
    });
    this.#instances.set(
      step.id,
      instances.map((instance) => instance.id),
    );
    return instances;
  }

  /** Every instance of a foreach step has ended: the step's own step-end says how they did. */
  #endLoop(
    pipeline: EventPipeline,
    step: ResolvedStep,
    status: "completed" | "failed" | "cancelled",
    reason: string,
  ) {
    const since = this.#expandedAt.get(step.id);
    const durationMs = since === undefined ? 0 : Math.round(performance.now() - since);
    const outputs =
      status === "completed"
        ? this.#outputs.endLoop(step, this.#instances.get(step.id) ?? [])
        : undefined;
    this.#settle(pipeline, step, status, reason, durationMs, outputs);
  }

  /**
   * Starts a step: its first attempt, and the ones its `retries` allow (retrying-step.ts). A
   * step whose Slurm job outlived the executor before a resume takes the job over as that
   * attempt, with all of its retries after it.
   */
  #startStep(pipeline: EventPipeline, step: ResolvedStep): RunningStep {
    const adoption = this.#adoptions.get(step.id);
    this.#adoptions.delete(step.id);
    const adopt = (taken: AdoptedAttempt) => {
      try {
        return startStep(this.#stepContext(pipeline), step, taken.captureSeq, taken.attempt, taken);
      } catch (error) {
        // Its captures cannot be read (replaced by a link?): the step fails, its job must not
        // run on unwatched.
        void this.#cancelJobs(pipeline, [taken.jobId], "its step could not take it over");
        throw error;
      }
    };
    const start = (attempt: number) =>
      adoption !== undefined && attempt === adoption.attempt
        ? adopt(adoption)
        : this.#startAttempt(pipeline, step, attempt);
    const settle = (status: "cancelled" | "failed", reason: string) =>
      this.#settle(pipeline, step, status, reason);
    // After a resume, attempts are numbered on from the step's last one.
    const firstAttempt =
      adoption?.attempt ?? (this.#options.resume?.attempts.get(step.id) ?? 0) + 1;
    return step.retries > 0
      ? startWithRetries(step, { start, pipeline, settle, firstAttempt })
      : start(firstAttempt);
  }

  /** Cancels the jobs of #adoptions (steps that never started), and says so. */
  async #cancelUntaken(pipeline: EventPipeline): Promise<void> {
    const untaken = [...this.#adoptions.values()].map((attempt) => attempt.jobId);
    this.#adoptions.clear();
    await this.#cancelJobs(pipeline, untaken, "their steps did not run on after the resume");
  }

  /** Cancels Slurm jobs this run adopted and will not watch, saying so in `log` events. */
  async #cancelJobs(pipeline: EventPipeline, jobIds: string[], why: string): Promise<void> {
    const backend = this.#options.backends.slurm;
    if (jobIds.length === 0 || backend?.cancelJobs === undefined) return;
    const { cancelled, problem } = await backend.cancelJobs(jobIds);
    const say = (message: string) => pipeline.emit({ type: "log", level: "warn", message });
    if (cancelled.length > 0) say(`cancelled Slurm job(s) ${cancelled.join(", ")}: ${why}`);
    if (problem !== undefined)
      say(`could not cancel Slurm job(s) ${jobIds.join(", ")} (${why}): ${problem}`);
  }

  /**
   * Starts an attempt with the next capture number. The number is taken only once a capture of
   * it exists, so the NNNNNN- prefixes have no gap: an attempt whose captures cannot be created
   * at all (ENOSPC, EMFILE, the run directory gone) fails to start without using one. If one of
   * the pair was created before the other failed, the number stays taken (never used twice).
   */
  #startAttempt(pipeline: EventPipeline, step: ResolvedStep, attempt: number): RunningStep {
    const seq = this.#captureSeq + 1;
    try {
      const running = startStep(this.#stepContext(pipeline), step, seq, attempt);
      this.#captureSeq = seq;
      return running;
    } catch (error) {
      if (captureExists(this.#options.created.directory, seq, step.id)) this.#captureSeq = seq;
      // No room for its captures: this step fails (the throw), the rest are not started.
      if (storageFailure(error)) this.#onFatal(error);
      throw error;
    }
  }

  /**
   * The workflow's `return`: the output it names, written to return_value.txt (before run-end,
   * so a reader that sees the end finds the file). A step that did not set it is a warning,
   * not a failure; a write that fails is logged and the run still ends.
   */
  async #writeReturnValue(pipeline: EventPipeline): Promise<string | undefined> {
    const returns = this.#options.workflow.returns;
    if (returns === undefined) return undefined;
    const value = this.#outputs.of(returns.step)?.[returns.output];
    if (value === undefined) {
      pipeline.emit({
        type: "log",
        level: "warn",
        message: `no return value: step ${returns.step} did not set the output ${returns.output}`,
      });
      return undefined;
    }
    try {
      await writeFileAtomic(this.#options.created.paths.returnValue, value);
    } catch (error) {
      this.#log.write("error", `${RUN_FILES.returnValue}: ${describe(error)}`);
      if (storageFailure(error)) this.#onFatal(error);
    }
    return value;
  }

  #emitRunEnd(
    pipeline: EventPipeline,
    finalStatus: FinalStatus,
    reason: string | undefined,
    handled: ReadonlyMap<string, string[]> = new Map(),
    returnValue?: string,
  ) {
    this.#finalStatus = finalStatus;
    const fatal = this.#fatal;
    pipeline.emit({
      type: "run-end",
      finalStatus,
      durationMs: Math.round(performance.now() - this.#startedAt),
      ...(reason === undefined ? {} : { reason }),
      ...(fatal === undefined ? {} : { error: toRunError(fatal) }),
      ...(handled.size === 0 ? {} : { handled: Object.fromEntries(handled) }),
      ...(returnValue === undefined ? {} : { returnValue }),
    });
  }

  /**
   * Ends the run on the spot (see killAllNow): synchronous, never throws. Only called between
   * run-start and the end meta.json, when the scheduler and the pipeline exist.
   */
  killNow(reason: string): void {
    const scheduler = this.#scheduler;
    const pipeline = this.#pipeline;
    if (this.#killed || this.#meta.finalStatus !== null) return;
    this.#killed = true;
    const attempt = (what: string, action: () => void) => {
      try {
        action();
      } catch (error) {
        this.#log.write("error", `exiting at once: ${what}: ${describe(error)}`);
      }
    };
    if (scheduler && pipeline && !this.#ended) {
      attempt("killing the steps", () => scheduler.abandon(reason));
      // Now, not in a microtask: this process is about to exit.
      attempt("killing what left the steps' sessions", () => this.#killEscapedNow());
      // A failure an `if: failure` step already handled does not fail the run here either.
      const states = new Map(this.#status.steps.map((step) => [step.nodeId, step.status]));
      const { failed, handled } = failures(this.#options.workflow.steps, states);
      const { finalStatus, reason: why } = outcome(
        this.#fatal,
        failed,
        true,
        scheduler.cancelReason,
        handled,
      );
      attempt("run-end", () => this.#emitRunEnd(pipeline, finalStatus, why, handled));
    }
    const directory = this.#options.created.directory;
    const finalStatus = this.#finalStatus ?? "cancelled";
    attempt("status.json", () => writeStatusNow(directory, this.#status));
    attempt("meta.json", () => {
      const meta: RunMeta = { ...this.#meta, endedAt: now(), finalStatus };
      writeMetaNow(directory, meta);
      this.#meta = meta;
    });
    attempt("ipc.sock", () => {
      try {
        unlinkSync(this.#options.created.paths.socket);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    });
  }
}
