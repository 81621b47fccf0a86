// @runyard/schema — the run-directory contract: every file a run writes, its layout, and
// the workflow format, as zod schemas with inferred types.
export { now, SCHEMA_VERSION, TimestampSchema, UuidSchema } from "./common.js";
export { formatProblem, RunyardError, ValidationError, type ValidationProblem } from "./errors.js";
export {
  CHANNEL_PATTERN,
  captureFileNames,
  captureStem,
  DIRECTORY_MODE,
  ENV,
  FILE_MODE,
  InvalidRunIdError,
  inboxFileName,
  isRunId,
  parseCaptureFileName,
  parseRunId,
  RUN_FILES,
  type RunsRootOptions,
  type RunsRootSource,
  resolveRunsRoot,
  runDirectory,
  STEP_ID_MAX_LENGTH,
  STEP_ID_PATTERN,
} from "./layout.js";
export {
  type ExecutorIdentity,
  ExecutorIdentitySchema,
  type FinalStatus,
  FinalStatusSchema,
  type RunMeta,
  RunMetaSchema,
} from "./run-meta.js";
export {
  LenientRunStatusSchema,
  LenientStepStatusSchema,
  type RunStatus,
  RunStatusSchema,
  STEP_STATUSES,
  type StepState,
  StepStateSchema,
  type StepStatus,
  StepStatusSchema,
  StepTerminalStatuses,
} from "./run-status.js";
export { check, describeIssue, formatPath } from "./validate.js";
export {
  BackendSchema,
  DefaultsSchema,
  DurationSchema,
  EnvMapSchema,
  ParamSchema,
  SlurmOptionsSchema,
  type Step,
  StepIdSchema,
  StepSchema,
  WORKFLOW_KEYS,
  type Workflow,
  WorkflowSchema,
} from "./workflow.js";
export {
  durationSeconds,
  loadWorkflowFile,
  parseWorkflow,
  type ResolvedStep,
  type ResolvedWorkflow,
  WORKFLOW_ID_NAMESPACE,
  WorkflowError,
  type WorkflowParseResult,
  workflowIdForPath,
} from "./workflow-load.js";
