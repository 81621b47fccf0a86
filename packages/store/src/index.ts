// @runyard/store — the run directory on disk: create it, write its files the way the contract
// says (atomic replace, append, 0700/0600), and read it back as a typed view.

// For readers of status.json that depend on the store alone (the GUI).
export { workSteps } from "@runyard/schema";
export { NotARegularFileError, openRegularForAppend } from "./append-file.js";
export { type AtomicWriteOptions, writeFileAtomic, writeJsonAtomic } from "./atomic-write.js";
export { type CaptureStream, CaptureWriter } from "./capture-writer.js";
export {
  type Classified,
  type ClassifyOptions,
  classifyRun,
  HEARTBEAT_STALE_AFTER_MS,
  RUN_CLASSIFICATIONS,
  type RunClassification,
  type SummaryEnd,
  wantsSummaryEnd,
} from "./classify.js";
export { ensureDirectory, fsyncDirectory } from "./directories.js";
export {
  createDiskReserve,
  diskReserveBytes,
  releaseDiskReserve,
  type StorageFailure,
  storageFailure,
} from "./disk-reserve.js";
export { type DiskUsage, diskUsage } from "./disk-usage.js";
export { RunDirectoryError, RunFileError, SummaryOrderError } from "./errors.js";
export { ExecutorLog, type ExecutorLogLevel, type ExecutorLogOptions } from "./executor-log.js";
export {
  type FindRunsRootOptions,
  type FoundRunsRoot,
  findRunsRoot,
  type RunsRootOrigin,
} from "./find-runs-root.js";
export {
  HEARTBEAT_INTERVAL_MS,
  type Heartbeat,
  type HeartbeatOptions,
  readHeartbeat,
  readHeartbeatSync,
  startHeartbeat,
} from "./heartbeat.js";
export {
  type CaptureFile,
  type CaptureFileStream,
  type CaptureScan,
  type ListCapturesOptions,
  listCaptures,
  type RefusedCapture,
  scanCaptures,
} from "./list-captures.js";
export {
  type BrokenRun,
  type ListRunsOptions,
  listRuns,
  type RunList,
} from "./list-runs.js";
export {
  type FoundRetentionPolicy,
  findRetentionPolicy,
  readUserConfig,
} from "./load-user-config.js";
export { capturePaths, type RunPaths, runPaths } from "./paths.js";
export {
  currentExecutorIdentity,
  HOSTNAME_ENV,
  type ProcessState,
  probeProcess,
  readBootId,
  readProcessStartTicks,
  shortHostname,
} from "./process-identity.js";
export {
  checkProjectConfig,
  findProjectConfig,
  listTrustedProjects,
  type ProjectConfigState,
  readTrustedProjects,
  type TrustResult,
  trustProjectConfig,
  untrustProjectConfig,
} from "./project-trust.js";
export {
  type JsonReadResult,
  readJsonFile,
  readJsonFileSync,
  type Validate,
} from "./read-json.js";
export { type ReadRunOptions, type RunView, readRun, readRunSync } from "./read-run.js";
export {
  ABANDONED_LAUNCH_AFTER_MS,
  deleteRemoval,
  listPendingRemovals,
  type PendingRemoval,
  type RemovalState,
  type RemovedRun,
  RemoveRunError,
  type RemoveRunErrorCode,
  type RemoveRunOptions,
  removeRun,
} from "./remove-run.js";
export { type ResolvedHooks, resolveHooks } from "./resolve-hooks.js";
export {
  type ResolvedRun,
  RunReferenceError,
  type RunReferenceErrorCode,
  resolveRunReference,
  shortRunIds,
} from "./resolve-run-reference.js";
export {
  applyRetention,
  type PlanRetentionOptions,
  planRetention,
  type RetentionDecision,
  type RetentionFailure,
  type RetentionPlan,
  type RetentionResult,
} from "./retention.js";
export { readReturnValue } from "./return-value.js";
export {
  type CreatedRunDirectory,
  type CreateRunDirectoryOptions,
  commitRunDirectory,
  createRunDirectory,
  fillStagingDirectory,
  type StageRunDirectoryOptions,
  stageRunDirectory,
  writeMeta,
} from "./run-directory.js";
export {
  MAX_HEARTBEAT_BYTES,
  MAX_META_BYTES,
  MAX_STATUS_BYTES,
  type OpenedRunFile,
  openRunFile,
  openRunFileSync,
  readRunFile,
  readRunFileSync,
} from "./run-file.js";
export { listRunIds } from "./run-ids.js";
export {
  acquireRunLock,
  liveLockHolder,
  type RunLock,
  RunLockedError,
  type RunLockHolder,
} from "./run-lock.js";
export {
  RUN_VIEW_SETTLE_MS,
  type RunStamp,
  RunViewCache,
  type RunViewCacheOptions,
} from "./run-view-cache.js";
export {
  type MeasuredRemoval,
  type MeasuredRun,
  measureRuns,
  type RunsUsage,
} from "./runs-usage.js";
export {
  createStagingDirectory,
  newRunId,
  STAGING_PREFIX,
  type StagedRunDirectory,
} from "./staging.js";
export { statusJson } from "./status-json.js";
export { applyEvent, createInitialStatus, type StatusStep } from "./status-reducer.js";
export { StatusWriter, type StatusWriterOptions } from "./status-writer.js";
export {
  RESUME_MARKER,
  readStopRecord,
  readStopRecordSync,
  STOP_MARKER,
  type StopRecord,
} from "./stop-record.js";
export {
  readSummary,
  type SummaryOptions,
  type SummaryRange,
  type SummaryReadResult,
  type SummaryRecord,
  streamSummary,
} from "./summary-reader.js";
export {
  readLastSummaryEvent,
  readLastSummaryEventSync,
  SUMMARY_TAIL_BYTES,
} from "./summary-tail.js";
export {
  SummaryWriteError,
  SummaryWriter,
  type SummaryWriterOptions,
} from "./summary-writer.js";
export {
  explainSystemError,
  findSystemError,
  type SystemErrorFacts,
} from "./system-errors.js";
export {
  SUMMARY_COUNT_BYTES,
  SUMMARY_FULL_CHECK_BYTES,
  TIMELINE_DAMAGE_KINDS,
  type TimelineDamage,
  type TimelineDamageKind,
  type TimelineFacts,
  type TimelineIntegrity,
  type TimelineReport,
} from "./timeline-checker.js";
export { checkTimeline } from "./timeline-integrity.js";
export { checkTimelineTail } from "./timeline-tail.js";
