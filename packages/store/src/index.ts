// @runyard/store — the run directory on disk: create it, write its files the way the contract
// says (atomic replace, append, 0700/0600), and read it back as a typed view.
export { type AtomicWriteOptions, writeFileAtomic, writeJsonAtomic } from "./atomic-write.js";
export { type CaptureStream, CaptureWriter } from "./capture-writer.js";
export {
  type Classified,
  type ClassifyOptions,
  classifyRun,
  HEARTBEAT_STALE_AFTER_MS,
  type RunClassification,
} from "./classify.js";
export { ensureDirectory, fsyncDirectory } from "./directories.js";
export { RunDirectoryError, RunFileError, SummaryOrderError } from "./errors.js";
export { ExecutorLog, type ExecutorLogLevel } from "./executor-log.js";
export {
  HEARTBEAT_INTERVAL_MS,
  type Heartbeat,
  type HeartbeatOptions,
  readHeartbeat,
  startHeartbeat,
} from "./heartbeat.js";
export { type BrokenRun, listRuns, type RunList } from "./list-runs.js";
export { capturePaths, type RunPaths, runPaths } from "./paths.js";
export {
  currentExecutorIdentity,
  type ProcessState,
  probeProcess,
  readBootId,
  readProcessStartTicks,
  shortHostname,
} from "./process-identity.js";
export { type JsonReadResult, readJsonFile, type Validate } from "./read-json.js";
export { type RunView, readRun } from "./read-run.js";
export {
  type CreatedRunDirectory,
  type CreateRunDirectoryOptions,
  createRunDirectory,
  writeMeta,
} from "./run-directory.js";
export { applyEvent, createInitialStatus, type StatusStep } from "./status-reducer.js";
export { StatusWriter, type StatusWriterOptions } from "./status-writer.js";
export {
  readSummary,
  type SummaryRange,
  type SummaryReadResult,
  type SummaryRecord,
  streamSummary,
} from "./summary-reader.js";
export { SummaryWriter, type SummaryWriterOptions } from "./summary-writer.js";
