// Runs one attempt of one step: opens its captures, emits step-start, starts it on the backend,
// writes its output to the captures as it comes (and to whoever wants it live), and emits
// step-end with how it ended. Cancelling sends SIGTERM, then SIGKILL after a grace period.
import { statSync } from "node:fs";
import type { ResolvedStep, StepStatus } from "@runyard/schema";
import { type CaptureStream, CaptureWriter } from "@runyard/store";
import type { Backend, CaptureSink, StepExit, StepHandle } from "./backend.js";
import type { EventPipeline } from "./event-pipeline.js";
import { Utf8Chunker } from "./utf8-chunker.js";

export type StepOutcome = Extract<StepStatus, "completed" | "failed" | "cancelled">;

export interface RunningStep {
  readonly done: Promise<StepOutcome>;
  cancel(reason: string): void;
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

/** Starts the attempt; throws only if its captures cannot be created. */
export function startStep(
  context: StepRunnerContext,
  step: ResolvedStep,
  captureSeq: number,
  attempt: number,
): RunningStep {
  const { pipeline } = context;
  const backend = context.backendFor(step);
  const captures = CaptureWriter.open(context.runDirectory, captureSeq, step.id);
  const startedAt = performance.now();
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
  });

  const chunkers = { stdout: new Utf8Chunker(), stderr: new Utf8Chunker() };
  const forward = (stream: CaptureStream, chunk: Buffer) => {
    let offset: number;
    try {
      offset = captures.write(stream, chunk);
    } catch (error) {
      context.onFatal(error);
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
  let handle: StepHandle | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let exit: Promise<StepExit>;
  const problem = workingDirectoryProblem(step.cwd);
  if (problem === undefined) {
    handle = backend.start(step, sink, context.environment(step, captureSeq, attempt));
    exit = handle.exit;
  } else exit = Promise.resolve({ exitCode: null, signal: null, error: problem });

  const done = exit.then((result) => {
    clearTimeout(killTimer);
    for (const stream of ["stdout", "stderr"] as const) {
      const text = chunkers[stream].end(captures.size(stream), pipeline.wantsOutput(step.id));
      if (text)
        pipeline.emitOutput({ type: "step-output", stepId: step.id, captureSeq, stream, ...text });
    }
    captures.close();
    const status: StepOutcome =
      cancelReason !== undefined
        ? "cancelled"
        : result.exitCode === 0 && !result.error
          ? "completed"
          : "failed";
    pipeline.emit({
      type: "step-end",
      stepId: step.id,
      captureSeq,
      attempt,
      status,
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: Math.round(performance.now() - startedAt),
      reason:
        cancelReason ?? (status === "completed" ? "exited with code 0" : describeExit(result)),
    });
    return status;
  });

  return {
    done,
    cancel(reason) {
      if (cancelReason !== undefined || !handle) return;
      cancelReason = reason;
      handle.kill("SIGTERM");
      const running = handle;
      killTimer = setTimeout(() => running.kill("SIGKILL"), context.killGraceMs);
      killTimer.unref();
    },
  };
}
