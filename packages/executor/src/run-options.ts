// The options and the result of runWorkflow: the executor's public contract.

import type { RunEvent } from "@runyard/protocol";
import type { FinalStatus, LaunchHook, RunMeta, RunStatus } from "@runyard/schema";
import type { Backend } from "./backend.js";

/** The backends a run has when it is given none (runWorkflow, a launched executor). */
export const DEFAULT_BACKEND_NAMES: readonly string[] = ["local", "slurm"];

export interface RunWorkflowOptions {
  /**
   * The workflow file: its directory anchors the steps' relative `cwd`s, its path the
   * workflow's id and messages. Read unless `workflowSource` is given.
   */
  workflowFile: string;
  /** The workflow's text, when it is not to be read from `workflowFile` (a test's own). */
  workflowSource?: Uint8Array | string;
  runsRoot: string;
  /** Values for the workflow's params (NAME → value); defaults fill the rest. */
  params?: Readonly<Record<string, string>>;
  /** Base environment of the steps (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Every durable event, in seq order, after it is in run_summary.jsonl and broadcast. */
  onEvent?: (event: RunEvent) => void;
  /** step-output events onEvent also receives: none (default), all, or these step ids. */
  output?: boolean | readonly string[];
  /**
   * Aborting cancels the run: SIGTERM to every process of every running step (its session,
   * for the local backend), SIGKILL to those left after killGraceMs; the run ends once they are gone. For a
   * process that must exit without waiting, see killAllNow.
   */
  signal?: AbortSignal;
  /** Steps running at once on this host (default os.availableParallelism()). */
  maxParallel?: number;
  /** Slurm jobs queued or running at once (default SLURM_MAX_JOBS, 100). */
  maxSlurmJobs?: number;
  /** Run id to use (a lowercase UUID); a new UUIDv7 by default. */
  runId?: string;
  /**
   * Time between SIGTERM and SIGKILL when cancelling (default 5000 ms). The SIGKILL goes to
   * every process of the step that is left, even if its main process exited at the SIGTERM.
   */
  killGraceMs?: number;
  /** Backends by name; default { local }. */
  backends?: Readonly<Record<string, Backend>>;
  /**
   * Commands to run on the run's events, each with the event's JSON on stdin (see
   * LaunchHookSchema; resolveHooks in @runyard/store finds a user's). The run ends first;
   * runWorkflow resolves once they are done, or stopped.
   */
  hooks?: readonly LaunchHook[];
  /** How many hooks may run at once (default 4). */
  hooksParallel?: number;
  /**
   * A directory holding a `runyard` launcher, put first on every step's PATH, so that a step's
   * `runyard log`, `send` and `artifact save` are that Runyard's (launch.json's binDirectory).
   */
  binDirectory?: string;
}

export interface RunResult {
  runId: string;
  runDirectory: string;
  finalStatus: FinalStatus;
  meta: RunMeta;
  status: RunStatus;
}
