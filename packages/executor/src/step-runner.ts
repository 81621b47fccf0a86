// Runs one attempt of one step: opens its captures, emits step-start, starts it on the backend,
// writes its output to the captures as it comes (and to whoever wants it live), and emits
// step-end with how it ended. Cancelling stops the step's processes (SIGTERM, then SIGKILL
// after a grace period), and the step-end waits until they are gone.
import { statSync } from "node:fs";
import type { ResolvedStep, StepStatus } from "@runyard/schema";
import { type CaptureStream, CaptureWriter, storageFailure } from "@runyard/store";
import type { Backend, CaptureSink, StepExit, StepHandle } from "./backend.js";
import type { EventPipeline } from "./event-pipeline.js";
import { RunFileWriteError } from "./run-outcome.js";
import { describeStartFailure } from "./start-failure.js";
import { Utf8Chunker } from "./utf8-chunker.js";

export type StepOutcome = Extract<StepStatus, "completed" | "failed" | "cancelled">;

export interface RunningStep {
  readonly done: Promise<StepOutcome>;
  cancel(reason: string): void;
  /**
   * For a process about to exit at once: SIGKILLs every process of the step and records its
   * end (cancelled, with `reason`) synchronously; `done` later says "cancelled" and no more.
   */
  abandon(reason: string): void;
}

export interface StepRunnerContext {
  runDirectory: string;
  /** The backend a step runs on (checked to exist before the run began). */
  backendFor(step: ResolvedStep): Backend;
  pipeline: EventPipeline;
  killGraceMs: number;
  /** The step's environment for this attempt. */
  environment(step: ResolvedStep, captureSeq: number, attempt: number): NodeJS.ProcessEnv;
  /** A capture write failed (disk full?): the run cannot keep its record and must stop. */
  onFatal(error: unknown): void;
  /**
   * False once the disk filled up: output that still arrives is dropped (and counted), so it
   * does not take the space freed for the end of the run.
   */
  keepsOutput(): boolean;
  /**
   * The attempt `captureSeq` was killed at once: SIGKILL also what left its session (setsid),
   * found by its environment.
   */
  killEscaped(captureSeq: number): void;
}

function describeExit(exit: StepExit): string {
  if (exit.error) return exit.error;
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exited with code ${exit.exitCode}`;
}

function workingDirectoryProblem(cwd: string): string | undefined {
  try {
    if (statSync(cwd).isDirectory()) return undefined;
    return `working directory is not a directory: ${cwd}`;
  } catch {
    return `working directory does not exist: ${cwd}`;
  }
}

/** A step's captures could not be created; the step fails to start, with this as reason. */
export class CaptureOpenError extends Error {
  constructor(cause: unknown) {
    const storage = storageFailure(cause);
    super(
      storage
        ? `${storage.reason}: cannot create its captures (${storage.system.code})`
        : `cannot create its captures: ${describeStartFailure(cause)}`,
      { cause },
    );
  }
}

function openCaptures(runDirectory: string, seq: number, stepId: string): CaptureWriter {
  try {
    return CaptureWriter.open(runDirectory, seq, stepId);
  } catch (error) {
    throw new CaptureOpenError(error);
  }
}

/** Starts the attempt; throws (CaptureOpenError) only if its captures cannot be created. */
export function startStep(
  context: StepRunnerContext,
  step: ResolvedStep,
  captureSeq: number,
  attempt: number,
): RunningStep {
  const { pipeline } = context;
  const backend = context.backendFor(step);
  const captures = openCaptures(context.runDirectory, captureSeq, step.id);
  const startedAt = performance.now();
  // step-start goes out right after the backend started the step, in the same turn (before any
  // of its output can arrive), so that it can carry the step's process ids: the timeline is
  // written synchronously, and the crash watchdog (watchdog.ts) finds the step's processes by
  // them should the executor die the next moment.
  const emitStart = (started: StepHandle | undefined) =>
    pipeline.emit({
      type: "step-start",
      stepId: step.id,
      name: step.name,
      nodeId: step.id,
      captureSeq,
      attempt,
      out: captures.outName,
      err: captures.errName,
      backend: backend.name,
      ...(started?.pid === undefined ? {} : { pid: started.pid }),
      ...(started?.pgid === undefined ? {} : { pgid: started.pgid }),
    });

  const chunkers = { stdout: new Utf8Chunker(), stderr: new Utf8Chunker() };
  /** Output bytes not kept: they came after the step's capture failed or the disk filled. */
  let dropped = 0;
  const forward = (stream: CaptureStream, chunk: Buffer) => {
    if (failReason !== undefined || !context.keepsOutput()) {
      dropped += chunk.length;
      return;
    }
    let offset: number;
    try {
      offset = captures.write(stream, chunk);
    } catch (error) {
      dropped += chunk.length;
      const failure = new RunFileWriteError(
        stream === "stdout" ? captures.outName : captures.errName,
        error,
      );
      const storage = storageFailure(error);
      // This step is the one that hit it: it fails (the rest of the run is stopped, onFatal).
      fail(storage ? `${storage.reason}: ${failure.message}` : failure.message);
      context.onFatal(failure);
      return;
    }
    const text = chunkers[stream].push(chunk, offset, pipeline.wantsOutput(step.id));
    if (text)
      pipeline.emitOutput({ type: "step-output", stepId: step.id, captureSeq, stream, ...text });
  };
  const sink: CaptureSink = {
    stdout: (chunk) => forward("stdout", chunk),
    stderr: (chunk) => forward("stderr", chunk),
  };

  let cancelReason: string | undefined;
  /** Why the step failed while running, from the executor's side (its capture failed). */
  let failReason: string | undefined;
  let stopped: Promise<void> = Promise.resolve();
  let abandoned = false;
  let handle: StepHandle | undefined;
  let exit: Promise<StepExit>;
  // Every way of not running is this attempt failing, with its (empty) captures and a
  // step-start before its step-end: a missing cwd, or a backend that cannot start the process.
  const problem = workingDirectoryProblem(step.cwd);
  if (problem === undefined) {
    try {
      handle = backend.start(step, sink, context.environment(step, captureSeq, attempt));
      exit = handle.exit;
    } catch (error) {
      exit = Promise.resolve({
        exitCode: null,
        signal: null,
        error: `could not start: ${describeStartFailure(error)}`,
      });
    }
  } else exit = Promise.resolve({ exitCode: null, signal: null, error: problem });
  emitStart(handle);

  let recorded = false;
  const end = (status: StepOutcome, result: StepExit, reason: string) => {
    if (recorded) return;
    recorded = true;
    for (const stream of ["stdout", "stderr"] as const) {
      const text = chunkers[stream].end(captures.size(stream), pipeline.wantsOutput(step.id));
      if (text)
        pipeline.emitOutput({ type: "step-output", stepId: step.id, captureSeq, stream, ...text });
    }
    captures.close();
    pipeline.emit({
      type: "step-end",
      stepId: step.id,
      captureSeq,
      attempt,
      status,
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: Math.round(performance.now() - startedAt),
      reason,
    });
  };

  const done = exit.then(async (result) => {
    // A cancelled step has ended when all its processes have, not just the main one.
    await stopped;
    if (abandoned) return "cancelled";
    const status: StepOutcome =
      failReason !== undefined
        ? "failed"
        : cancelReason !== undefined
          ? "cancelled"
          : result.exitCode === 0 && !result.error
            ? "completed"
            : "failed";
    const reason =
      failReason ??
      cancelReason ??
      (status === "completed" ? "exited with code 0" : describeExit(result));
    end(status, result, dropped > 0 ? `${reason}; ${dropped} bytes of output not kept` : reason);
    return status;
  });

  function fail(reason: string): void {
    if (failReason !== undefined || cancelReason !== undefined || !handle) return;
    failReason = reason;
    stopped = handle.stop(context.killGraceMs);
  }

  return {
    done,
    cancel(reason) {
      if (cancelReason !== undefined || failReason !== undefined || !handle) return;
      cancelReason = reason;
      stopped = handle.stop(context.killGraceMs);
    },
    abandon(reason) {
      if (abandoned) return;
      abandoned = true;
      handle?.kill("SIGKILL");
      if (handle) context.killEscaped(captureSeq);
      end("cancelled", { exitCode: null, signal: "SIGKILL" }, reason);
    },
  };
}
