// @runyard/executor — runs a workflow: the DAG, each step on a backend, the run directory
// kept true while it goes on, and events for whoever watches.

export { abortReason } from "./abort.js";
export type { Backend, CaptureSink, CaptureTarget, StepExit, StepHandle } from "./backend.js";
export {
  findStrayProcesses,
  processesOfRun,
  type ReapResult,
  reapStrayProcesses,
  type StrayProcess,
} from "./crash-reaper.js";
export {
  BackendUnavailableError,
  ParamsError,
  RunAbortedError,
  RunOptionsError,
  SlurmUnavailableError,
} from "./errors.js";
export { type ExecuteStagedOptions, executeStagedRun } from "./execute-staged.js";
export {
  EXECUTOR_BIN,
  ExecutorStartError,
  type LaunchedRun,
  type LaunchRunOptions,
  launchRun,
} from "./launch.js";
export { killAllNow } from "./live-runs.js";
export { createLocalBackend, type LocalBackendOptions } from "./local-backend.js";
export {
  type LaunchSetting,
  PrestartedExecutor,
  type PrestartOptions,
  prestartExecutor,
} from "./prestart.js";
export {
  RerunError,
  type RerunErrorCode,
  type RerunSource,
  type RerunSourceOptions,
  readRerunSource,
} from "./rerun-source.js";
export {
  type ExecuteResumeOptions,
  executeResume,
  type ResumedRun,
  type ResumeRunOptions,
  resumeRun,
} from "./resume.js";
export { DEFAULT_BACKEND_NAMES, type RunResult, type RunWorkflowOptions } from "./run-options.js";
export { runWorkflow } from "./run-workflow.js";
export { createSlurmBackend, SLURM_POLL_MS } from "./slurm-backend.js";
export {
  checkMaxSlurmJobs,
  findSlurmCommand,
  LIVE_JOB_STATES,
  missingSlurmCommand,
  SLURM_COMMANDS,
  SLURM_MAX_JOBS,
  scancelJobs,
  slurmJobStates,
  slurmProblem,
} from "./slurm-job.js";
export {
  createSpawnerBackend,
  createStepBackend,
  findPerl,
  findSpawner,
  findSystemPython,
  PYTHON_SPAWNER_SCRIPT,
  perlSpawner,
  pythonSpawner,
  SPAWNER_SCRIPT,
  type SpawnerBackendOptions,
  type SpawnerProgram,
  SYSTEM_PYTHONS,
  spawnerChoiceProblem,
} from "./spawner-backend.js";
