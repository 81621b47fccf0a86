// One run from its first event to its last: opens the writers, serves ipc.sock, emits
// run-start, lets the scheduler walk the DAG, emits run-end, then closes in the order readers
// rely on — status.json, the summary, meta.json (the end marker), the socket, the heartbeat.
// The executor never deletes a file of the run.

import { createIpcServer, type IpcServer, type IpcServerHandlers } from "@runyard/ipc";
import type { RunEvent } from "@runyard/protocol";
import type {
  FinalStatus,
  ResolvedStep,
  ResolvedWorkflow,
  RunMeta,
  RunStatus,
} from "@runyard/schema";
import { now, RunyardError } from "@runyard/schema";
import {
  type CreatedRunDirectory,
  createInitialStatus,
  ExecutorLog,
  StatusWriter,
  SummaryWriter,
  startHeartbeat,
  streamSummary,
  writeMeta,
} from "@runyard/store";
import { abortReason } from "./abort.js";
import type { Backend } from "./backend.js";
import { EventPipeline } from "./event-pipeline.js";
import type { RunResult } from "./run-options.js";
import { Scheduler } from "./scheduler.js";
import { stepEnvironment } from "./step-env.js";
import { type StepRunnerContext, startStep } from "./step-runner.js";

export interface RunSessionOptions {
  workflow: ResolvedWorkflow;
  created: CreatedRunDirectory;
  backends: Readonly<Record<string, Backend>>;
  maxParallel: number;
  killGraceMs: number;
  env: NodeJS.ProcessEnv;
  /** The value of every workflow param, given or defaulted. */
  params: Readonly<Record<string, string>>;
  onEvent: ((event: RunEvent) => void) | undefined;
  output: boolean | ReadonlySet<string>;
  signal: AbortSignal | undefined;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class RunSession {
  readonly #options: RunSessionOptions;
  readonly #log: ExecutorLog;
  readonly #status: RunStatus;
  #meta: RunMeta;
  #fatal: unknown;
  #scheduler: Scheduler | undefined;
  #ended = false;

  constructor(options: RunSessionOptions) {
    this.#options = options;
    const { created, workflow } = options;
    this.#log = new ExecutorLog(created.paths.executorLog);
    this.#meta = created.meta;
    this.#status = createInitialStatus({
      runId: created.runId,
      workflowId: workflow.id,
      updatedAt: created.meta.startedAt,
      steps: workflow.steps.map((step) => ({ nodeId: step.id, name: step.name })),
    });
  }

  #onFatal = (error: unknown): void => {
    if (this.#fatal !== undefined) return;
    this.#fatal = error;
    this.#log.write("error", `cannot keep the run's record, stopping: ${describe(error)}`);
    this.#scheduler?.cancel(`internal error: ${describe(error)}`);
  };

  async run(): Promise<RunResult> {
    const { created, workflow, signal } = this.#options;
    const paths = created.paths;
    const statusWriter = new StatusWriter(paths.status, () => structuredClone(this.#status), {
      onError: (error) => this.#log.write("warn", `status.json: ${describe(error)}`),
    });
    let summary: SummaryWriter;
    try {
      await statusWriter.flush();
      summary = SummaryWriter.open(paths.summary, {
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
      onError: (error) => this.#log.write("warn", `heartbeat: ${describe(error)}`),
    });
    const pipeline = new EventPipeline({
      runId: created.runId,
      summary,
      status: this.#status,
      statusWriter,
      onEvent: this.#options.onEvent,
      output: this.#options.output,
      onFatal: this.#onFatal,
    });
    let captureSeq = 0;
    const scheduler = new Scheduler(workflow.steps, this.#options.maxParallel, {
      start: (step) => startStep(this.#stepContext(pipeline), step, ++captureSeq, 1),
      settle: (step, status, reason) => this.#settle(pipeline, step, status, reason),
    });
    this.#scheduler = scheduler;

    let server: IpcServer | undefined;
    let serverProblem: string | undefined;
    try {
      server = await createIpcServer(paths.socket, this.#ipcHandlers(pipeline, scheduler));
      pipeline.attach(server);
    } catch (error) {
      serverProblem = `no live updates: cannot serve ${paths.socket}: ${describe(error)}`;
    }

    const startedAt = performance.now();
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
    if (serverProblem) pipeline.emit({ type: "log", level: "warn", message: serverProblem });

    const onAbort = () => signal && scheduler.cancel(abortReason(signal));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const states = await scheduler.run();
    signal?.removeEventListener("abort", onAbort);
    this.#ended = true;

    const failed = workflow.steps.filter((step) => states.get(step.id) === "failed");
    const cancelledSteps = workflow.steps.filter((step) => states.get(step.id) === "cancelled");
    const finalStatus: FinalStatus =
      this.#fatal !== undefined || failed.length > 0
        ? "failed"
        : scheduler.cancelled || cancelledSteps.length > 0
          ? "cancelled"
          : "success";
    const reason =
      this.#fatal !== undefined
        ? `internal error: ${describe(this.#fatal)}`
        : failed.length > 0
          ? `failed: ${failed.map((step) => step.id).join(", ")}`
          : finalStatus === "cancelled"
            ? (scheduler.cancelReason ??
              this.#status.steps.find((step) => step.status === "cancelled")?.reason ??
              "cancelled")
            : undefined;
    pipeline.emit({
      type: "run-end",
      finalStatus,
      durationMs: Math.round(performance.now() - startedAt),
      ...(reason === undefined ? {} : { reason }),
    });

    // Close in the order readers rely on; a failure here is reported, after the rest is done.
    const closing: unknown[] = [];
    const attempt = async (what: () => Promise<void>) => {
      try {
        await what();
      } catch (error) {
        closing.push(error);
      }
    };
    await attempt(() => statusWriter.close());
    await attempt(() => summary.close());
    await attempt(() => this.#writeEndMeta(finalStatus));
    await attempt(async () => server?.close(finalStatus));
    await attempt(() => heartbeat.stop());
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

  async #writeEndMeta(finalStatus: FinalStatus): Promise<void> {
    const meta: RunMeta = { ...this.#meta, endedAt: now(), finalStatus };
    await writeMeta(this.#options.created.directory, meta);
    this.#meta = meta;
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
        }),
      onFatal: this.#onFatal,
    };
  }

  #settle(
    pipeline: EventPipeline,
    step: ResolvedStep,
    status: "skipped" | "cancelled" | "failed",
    reason: string,
  ) {
    pipeline.emit({
      type: "step-end",
      stepId: step.id,
      status,
      exitCode: null,
      signal: null,
      durationMs: 0,
      reason,
    });
  }

  #ipcHandlers(pipeline: EventPipeline, scheduler: Scheduler): IpcServerHandlers {
    const summaryPath = this.#options.created.paths.summary;
    return {
      snapshot: () => ({
        meta: this.#meta,
        status: structuredClone(this.#status),
        lastSeq: pipeline.lastSeq,
      }),
      replay: async function* (fromSeq, toSeq) {
        // Events up to toSeq are whole lines by now; a torn last line is a later event being
        // appended, not yet part of the timeline.
        for await (const record of streamSummary(summaryPath, { fromSeq, toSeq })) {
          if (record.kind === "event") yield record.event;
          else if (record.kind === "problem") throw new Error(record.message);
        }
      },
      cancel: ({ stepId, reason }) => {
        if (this.#ended) throw new RunyardError("E_RUN_ENDED", "the run has already ended");
        const why = reason ?? "cancelled by a client";
        if (stepId !== undefined && !scheduler.has(stepId)) {
          throw new RunyardError("E_UNKNOWN_STEP", `this run has no step "${stepId}"`);
        }
        pipeline.emit({
          type: "log",
          level: "info",
          message: `cancel requested${stepId === undefined ? "" : ` for step ${stepId}`}: ${why}`,
          ...(stepId === undefined ? {} : { stepId }),
        });
        if (stepId === undefined) scheduler.cancel(why);
        else scheduler.cancelStep(stepId, why);
      },
      diagnostic: (message) => this.#log.write("info", `ipc: ${message}`),
    };
  }
}
