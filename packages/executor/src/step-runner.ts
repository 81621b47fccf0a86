// Runs one attempt of one step: opens its captures, starts it on the backend, emits step-start
// (once the backend knows its pid), gets its output to whoever wants it live — from the pipes,
// written to the captures as it comes, or by following the captures a backend writes itself —
// and emits step-end with how it ended. Cancelling stops the step's processes (SIGTERM, then SIGKILL
// after a grace period), and the step-end waits until they are gone.
import { statfsSync, statSync } from "node:fs";
import { formatDurationSeconds, type ResolvedStep, type StepStatus } from "@runyard/schema";
import { type CaptureStream, CaptureWriter, storageFailure } from "@runyard/store";
import type { Backend, CaptureTarget, StepExit, StepHandle } from "./backend.js";
import { CaptureFollower } from "./capture-follower.js";
import type { EventPipeline } from "./event-pipeline.js";
import { RunFileWriteError } from "./run-outcome.js";
import type { SlurmStepHandle } from "./slurm-backend.js";
import { describeStartFailure } from "./start-failure.js";
import { type TextChunk, Utf8Chunker } from "./utf8-chunker.js";

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
  /**
   * A completed attempt's outputs (what it wrote to RUNYARD_OUTPUT), for its step-end; the
   * lines not taken are said as warnings by the context.
   */
  takeOutputs?(
    step: ResolvedStep,
    captureSeq: number,
  ): Readonly<Record<string, string>> | undefined;
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

/** Free space below which a step writing its own captures is taken to have filled the disk. */
const FULL_BELOW_BYTES = 64 * 1024;

/**
 * For a step that wrote its captures itself, and failed or wrote something: whether the file
 * system of the run directory is full now that it ended (as far as this process's user may write: root may use
 * the blocks reserved for it). Then its output could not all be written, as a write of the
 * executor's own would have found out; the answer is an ENOSPC error for the capture it wrote
 * most to.
 */
function diskFilledBy(
  runDirectory: string,
  sizes: Record<"stdout" | "stderr", number>,
  names: { outName: string; errName: string },
): RunFileWriteError | undefined {
  let free: number;
  try {
    const stats = statfsSync(runDirectory);
    free = (process.geteuid?.() === 0 ? stats.bfree : stats.bavail) * stats.bsize;
  } catch {
    return undefined;
  }
  if (free >= FULL_BELOW_BYTES) return undefined;
  const name = sizes.stderr > sizes.stdout ? names.errName : names.outName;
  const error = Object.assign(new Error("ENOSPC: no space left on device, write"), {
    code: "ENOSPC",
    errno: -28,
    syscall: "write",
  });
  return new RunFileWriteError(name, error);
}

/** The longest delay setTimeout takes (about 24.8 days); a longer one would fire at once. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** Calls `action` after `milliseconds`, however long; returns how to call it off. */
export function after(milliseconds: number, action: () => void): () => void {
  let timer: NodeJS.Timeout;
  const due = performance.now() + milliseconds;
  const arm = () => {
    const left = due - performance.now();
    timer = left > LONGEST_TIMER_MS ? setTimeout(arm, LONGEST_TIMER_MS) : setTimeout(action, left);
  };
  arm();
  return () => clearTimeout(timer);
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

function openCaptures(
  runDirectory: string,
  seq: number,
  stepId: string,
  readable: boolean,
): CaptureWriter {
  try {
    return CaptureWriter.open(runDirectory, seq, stepId, { readable });
  } catch (error) {
    throw new CaptureOpenError(error);
  }
}

/** An adopted attempt's captures, which its job goes on writing. */
function reopenCaptures(runDirectory: string, seq: number, stepId: string): CaptureWriter {
  try {
    return CaptureWriter.reopen(runDirectory, seq, stepId);
  } catch (error) {
    throw new CaptureOpenError(error);
  }
}

/** The backend's adopt, or why it has none. */
function adoptOn(
  backend: Backend,
  step: ResolvedStep,
  jobId: string,
  captures: CaptureTarget,
): StepHandle {
  if (backend.adopt === undefined)
    throw new Error(`the ${backend.name} backend cannot take over job ${jobId}`);
  return backend.adopt(step, jobId, captures);
}

/** For a backend that writes the captures itself: follows them (see capture-follower.ts). */
function followCaptures(
  captures: CaptureWriter,
  wants: () => boolean,
  emit: ConstructorParameters<typeof CaptureFollower>[2],
): CaptureFollower {
  // The executor created them (open for reading too); the backend opens them for its step,
  // the executor only reads, on the descriptors it created them with.
  return new CaptureFollower(captures.release(), wants, emit);
}

/**
 * An attempt a crashed executor started as a Slurm job that outlived it: a resumed executor
 * watches the job again (Backend.adopt) instead of starting the attempt. Its step-start is in
 * the timeline already, and its captures on disk.
 */
export interface AdoptedJob {
  jobId: string;
  /** When the attempt started (its step-start's ts): its duration and timeout count from it. */
  startedAt: string;
}

/**
 * Starts the attempt — or, with `adopted`, takes over its job; throws (CaptureOpenError) only if
 * its captures cannot be created (opened).
 */
export function startStep(
  context: StepRunnerContext,
  step: ResolvedStep,
  captureSeq: number,
  attempt: number,
  adopted?: AdoptedJob,
): RunningStep {
  const { pipeline } = context;
  const backend = context.backendFor(step);
  const captures =
    adopted === undefined
      ? openCaptures(context.runDirectory, captureSeq, step.id, backend.output === "file")
      : reopenCaptures(context.runDirectory, captureSeq, step.id);
  const emitText = (stream: CaptureStream, text: TextChunk) =>
    pipeline.emitOutput({ type: "step-output", stepId: step.id, captureSeq, stream, ...text });
  const follower =
    backend.output === "file"
      ? followCaptures(
          captures,
          () => context.keepsOutput() && pipeline.wantsOutput(step.id),
          emitText,
        )
      : undefined;
  // An adopted attempt started before this executor did: its duration counts from then.
  const startedAt =
    adopted === undefined
      ? performance.now()
      : performance.now() - Math.max(0, Date.now() - Date.parse(adopted.startedAt) || 0);
  // step-start goes out as soon as the backend knows the step's process ids (in the same turn
  // as the spawn, or when the step spawner reports the pid), before any of its output is
  // emitted: the timeline is written synchronously, and the crash watchdog (watchdog.ts) finds
  // the step's processes by them should the executor die the next moment (a step forked just
  // before that is the spawner's to stop).
  // An adopted attempt's step-start is in the timeline already.
  let announced = adopted !== undefined;
  if (announced) follower?.follow();
  const emitStart = (started: StepHandle | undefined) => {
    if (announced) return;
    announced = true;
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
    // Only now: output emitted before the step-start would reach viewers ahead of it.
    follower?.follow();
  };

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
    if (text) emitText(stream, text);
  };
  const target: CaptureTarget = {
    stdout: (chunk) => forward("stdout", chunk),
    stderr: (chunk) => forward("stderr", chunk),
    outPath: captures.outPath,
    errPath: captures.errPath,
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
  // (An adopted job runs already, wherever its directory is.)
  const problem = adopted === undefined ? workingDirectoryProblem(step.cwd) : undefined;
  if (problem === undefined) {
    try {
      handle =
        adopted === undefined
          ? backend.start(step, target, context.environment(step, captureSeq, attempt))
          : adoptOn(backend, step, adopted.jobId, target);
      exit = handle.exit;
    } catch (error) {
      exit = Promise.resolve({
        exitCode: null,
        signal: null,
        error: `could not start: ${describeStartFailure(error)}`,
      });
    }
  } else exit = Promise.resolve({ exitCode: null, signal: null, error: problem });
  // A Slurm job is queued, then runs: step-status events say so, with its job id, after the
  // step-start (so the job id is on disk before the scheduler goes on to other steps).
  (handle as Partial<SlurmStepHandle> | undefined)?.onStatus?.((status) => {
    if (recorded) return;
    emitStart(handle);
    pipeline.emit({
      type: "step-status",
      stepId: step.id,
      status: status.status,
      jobId: status.jobId,
      ...(status.reason === undefined ? {} : { reason: status.reason }),
    });
  });
  // A backend that learns the pid later (the spawner) announces the step once it has it.
  const announce =
    handle?.started === undefined
      ? Promise.resolve(emitStart(handle))
      : handle.started.then(() => emitStart(handle));

  // The step's timeout counts from its start: when it runs out, every process of the step is
  // stopped (SIGTERM, SIGKILL after the grace period) and the attempt fails.
  let disarm: () => void = () => undefined;
  const timeout = step.timeoutSeconds;
  if (timeout !== undefined && handle !== undefined) {
    void announce.then(() => {
      if (recorded) return;
      const ran = performance.now() - startedAt;
      disarm = after(Math.max(0, timeout * 1000 - ran), () =>
        fail(`timeout: the step ran longer than ${formatDurationSeconds(timeout)}`),
      );
    });
  }

  let recorded = false;
  const end = (status: StepOutcome, result: StepExit, reason: string) => {
    if (recorded) return;
    recorded = true;
    emitStart(handle);
    if (follower === undefined) {
      for (const stream of ["stdout", "stderr"] as const) {
        const text = chunkers[stream].end(captures.size(stream), pipeline.wantsOutput(step.id));
        if (text) emitText(stream, text);
      }
    }
    follower?.close();
    captures.close();
    const outputs = status === "completed" ? context.takeOutputs?.(step, captureSeq) : undefined;
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
      ...(outputs === undefined || Object.keys(outputs).length === 0 ? {} : { outputs }),
    });
  };

  const done = announce.then(async () => {
    const result = await exit;
    disarm();
    // A cancelled step has ended when all its processes have, not just the main one.
    await stopped;
    // Output a viewer has not had yet, read before the step-end.
    if (follower !== undefined && !abandoned) {
      const sizes = await follower.finish();
      // A step that failed, or wrote output, and leaves the disk full most likely could not
      // write all of its output (a step may ignore the write error: `cmd; true`); one that
      // wrote nothing and succeeded did not (then the executor's own next write finds it).
      const failed = result.exitCode !== 0 || result.signal !== null;
      const wrote = sizes.stdout + sizes.stderr > 0;
      const full =
        failed || wrote ? diskFilledBy(context.runDirectory, sizes, captures) : undefined;
      if (full !== undefined && failReason === undefined && cancelReason === undefined) {
        // This step is the one that hit it: it fails (the rest of the run is stopped, onFatal).
        failReason = `${storageFailure(full)?.reason ?? "disk full"}: ${full.message}`;
        context.onFatal(full);
      }
    }
    if (abandoned) return "cancelled";
    const status: StepOutcome =
      failReason !== undefined
        ? "failed"
        : cancelReason !== undefined || result.cancelled !== undefined
          ? "cancelled"
          : result.exitCode === 0 && !result.error
            ? "completed"
            : "failed";
    // A stopped step's backend may add what it could not do (a Slurm job it could not confirm
    // ended).
    const stoppedNote =
      (failReason !== undefined || cancelReason !== undefined) && result.error
        ? `; ${result.error}`
        : "";
    const reason =
      (failReason ?? cancelReason ?? result.cancelled)?.concat(stoppedNote) ??
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
      disarm();
      handle?.kill("SIGKILL");
      if (handle) context.killEscaped(captureSeq);
      end("cancelled", { exitCode: null, signal: "SIGKILL" }, reason);
    },
  };
}
