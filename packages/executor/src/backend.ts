// Where a step's process runs. The local backend spawns it here; a Slurm backend will submit
// it as a job. The executor only needs: start it with an environment, get its output as it
// comes, learn how it exited, and be able to signal it.
import type { ResolvedStep } from "@runyard/schema";

/** Receives the step's output chunk by chunk, as it is produced. */
export interface CaptureSink {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

export interface StepExit {
  /** Exit code, or null when a signal ended the step or it never started. */
  exitCode: number | null;
  /** Name of the signal that ended it, e.g. SIGTERM. */
  signal: NodeJS.Signals | null;
  /** Set when the step could not be started or its process could not be followed. */
  error?: string;
}

export interface StepHandle {
  /** Resolves once the step ended and all its output was delivered to the sink. */
  readonly exit: Promise<StepExit>;
  /** Signals the step (its whole process group, for the local backend). No-op once it ended. */
  kill(signal: NodeJS.Signals): void;
  /** Slurm job id, for backends that have one. */
  readonly jobId?: string;
}

export interface Backend {
  /** "local", "slurm": recorded in step-start and status.json. */
  readonly name: string;
  start(step: ResolvedStep, captures: CaptureSink, env: NodeJS.ProcessEnv): StepHandle;
}
