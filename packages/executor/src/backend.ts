// Where a step's process runs. The local backend spawns it here; a Slurm backend will submit
// it as a job. The executor only needs: start it with an environment, get its output as it
// comes, learn how it exited, and be able to stop it — politely, then for good.
import type { ResolvedStep } from "@runyard/schema";

/** Receives the step's output chunk by chunk, as it is produced. */
export interface CaptureSink {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

/**
 * Where a step's output goes. A backend whose `output` is "pipe" hands it to the sink; one
 * whose `output` is "file" has the step write straight into the capture files (they exist,
 * empty, 0600), and the executor follows the files for whoever watches live.
 */
export interface CaptureTarget extends CaptureSink {
  /** Absolute paths of the step's stdout and stderr captures. */
  readonly outPath: string;
  readonly errPath: string;
}

export interface StepExit {
  /** Exit code, or null when a signal ended the step or it never started. */
  exitCode: number | null;
  /** Name of the signal that ended it, e.g. SIGTERM. */
  signal: NodeJS.Signals | null;
  /** Set when the step could not be started or its process could not be followed. */
  error?: string;
  /**
   * Set when the step was cancelled from outside Runyard (a Slurm job someone scancelled): why.
   * The step ends cancelled, not failed.
   */
  cancelled?: string;
}

export interface StepHandle {
  /** Resolves once the step's main process ended and its output was delivered to the sink. */
  readonly exit: Promise<StepExit>;
  /**
   * Signals every process of the step (every process of its session, for the local backend),
   * at once and synchronously — also after the main process exited, so it reaches what the step
   * left running. Harmless once they are all gone.
   */
  kill(signal: NodeJS.Signals): void;
  /**
   * Stops every process of the step: SIGTERM now, SIGKILL to whatever is left after `graceMs`,
   * whether or not the main process has exited by then. Resolves once none is left, or the
   * SIGKILL went out. Calling it again returns the same promise.
   */
  stop(graceMs: number): Promise<void>;
  /**
   * For a backend that learns the step's process ids later than `start` returns (a spawner
   * process does the fork): resolves once `pid` and `pgid` are known, or the start failed
   * (then `exit` says why). Absent: they are known when `start` returns.
   */
  readonly started?: Promise<void>;
  /** Process id of the step's main process, for backends that run it here. */
  readonly pid?: number | undefined;
  /** Process group (and session) id of the step's processes, for backends that run it here. */
  readonly pgid?: number | undefined;
  /** Slurm job id, for backends that have one. */
  readonly jobId?: string;
}

export interface Backend {
  /** "local", "slurm": recorded in step-start and status.json. */
  readonly name: string;
  /** How output reaches the captures (see CaptureTarget); default "pipe". */
  readonly output?: "pipe" | "file";
  /** Starts the step; a throw means it could not be started (recorded as the step failing). */
  start(step: ResolvedStep, captures: CaptureTarget, env: NodeJS.ProcessEnv): StepHandle;
  /**
   * Watches again an attempt this backend started for an executor that is gone — a Slurm job
   * that outlived it (runyard resume): the handle `start` would give, without starting
   * anything. A job that has ended meanwhile is read for how it ended. Absent: the backend's
   * steps do not outlive their executor.
   */
  adopt?(step: ResolvedStep, jobId: string, captures: CaptureTarget): StepHandle;
  /**
   * Cancels jobs this backend started (Slurm's): resolves with those cancelled, or why they
   * could not be (Slurm did not answer); never rejects.
   */
  cancelJobs?(jobIds: readonly string[]): Promise<{ cancelled: string[]; problem?: string }>;
  /**
   * A resume found what an executor that is gone left: cancels those of the jobs `jobIds` that
   * are still queued or running and any other such job of run `runId` the backend knows by its
   * name, but those in `keep` (adopted). Resolves with the ids it cancelled, and with `error`
   * when it could not look for them or cancel them (one may still run); never rejects.
   */
  cancelLeftovers?(
    runId: string,
    jobIds: readonly string[],
    keep: ReadonlySet<string>,
  ): Promise<{ cancelled: string[]; error?: string }>;
  /**
   * The run will start steps soon: start what the backend needs for them (the step spawner),
   * so that its start-up overlaps the run's own instead of delaying the first step.
   */
  warm?(): void;
  /** The run is over (every step ended): release what the backend holds. */
  close?(): void;
}
