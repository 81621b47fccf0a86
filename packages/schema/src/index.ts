// @runyard/schema — the run-directory contract: every file a run writes, its layout, and
// the workflow format, as zod schemas with inferred types, plus the JSON Schemas made from them.
export { now, SCHEMA_VERSION, TimestampSchema, UuidSchema } from "./common.js";
export { type ConfigParseResult, parseConfigDocument } from "./config-parse.js";
export { DURATION_PATTERN, durationSeconds, formatDurationSeconds } from "./duration.js";
export {
  formatProblem,
  RunyardError,
  ValidationError,
  type ValidationProblem,
  WorkflowReadError,
} from "./errors.js";
export {
  FOREACH_FILE_MAX_BYTES,
  FOREACH_MAX_ITEMS,
  instanceIds,
  interpolate,
  parseForeachFile,
  parseForeachText,
  parseInstanceId,
  referencesIn,
} from "./foreach.js";
export {
  HOOK_EVENTS,
  HOOK_TIMEOUT_DEFAULT_MS,
  HOOK_TIMEOUT_MAX_MS,
  HOOKS_MAX,
  HOOKS_PARALLEL_DEFAULT,
  HOOKS_PARALLEL_MAX,
  type Hook,
  type HookEvent,
  HookEventSchema,
  HookSchema,
  HooksParallelSchema,
  HooksSchema,
  hookName,
  type LaunchHook,
  LaunchHookSchema,
  launchHooks,
} from "./hooks.js";
export { HOSTNAME_ENV, shortHostname } from "./host.js";
export {
  type InputFileOptions,
  type InputFileResult,
  MAX_INPUT_FILE_BYTES,
  readInputFile,
  readUpTo,
} from "./input-file.js";
export { isRecord } from "./is-record.js";
export {
  describeFound,
  JSON_VOCABULARY,
  type Vocabulary,
  YAML_VOCABULARY,
} from "./issue-words.js";
export { type DescribeOptions, describeIssues, type IssueProblem } from "./issues.js";
export {
  type JsonSchemaFileState,
  type JsonSchemaSource,
  jsonSchemaDocument,
  jsonSchemaId,
  RUN_DIRECTORY_JSON_SCHEMAS,
  renderJsonSchema,
  SCHEMA_URL_BASE,
  syncJsonSchemaFiles,
} from "./json-schemas.js";
export { type LaunchRecord, LaunchRecordSchema } from "./launch-record.js";
export {
  ARTIFACT_NAME_MAX_BYTES,
  artifactNameProblem,
  CHANNEL_PATTERN,
  captureFileNames,
  captureStem,
  channelProblem,
  DIRECTORY_MODE,
  ENV,
  FILE_MODE,
  INSTANCE_ID_PATTERN,
  InvalidRunIdError,
  inboxFileName,
  isRunId,
  LOG_MESSAGE_MAX_BYTES,
  MESSAGE_MAX_BYTES,
  NODE_ID_PATTERN,
  outputsFileName,
  parseCaptureFileName,
  parseInboxFileName,
  parseRunId,
  RESERVED_ENV_PREFIX,
  RUN_FILES,
  type RunsRootOptions,
  type RunsRootSource,
  resolveRunsRoot,
  runDirectory,
  runyardHome,
  STAGED_FILE_PATTERN,
  STEP_ID_MAX_LENGTH,
  STEP_ID_PATTERN,
} from "./layout.js";
export { checkLenientRunMeta, checkLenientRunStatus } from "./lenient-read.js";
export {
  formatChoices,
  inferParamType,
  isParamNumber,
  type ParamType,
  ParamTypeSchema,
  paramValueProblem,
} from "./param-types.js";
export { type ParamProblem, type ParamValuesResult, resolveParamValues } from "./params.js";
export {
  loadParamsFile,
  type ParamsFileEntry,
  type ParamsFileParseResult,
  ParamsFileReadError,
  parseParamsFile,
} from "./params-file.js";
export {
  PROJECT_CONFIG_FILE,
  type ProjectConfig,
  ProjectConfigSchema,
  parseProjectConfig,
  TRUSTED_PROJECTS_FILE,
  type TrustedProjects,
  TrustedProjectsSchema,
  trustedProjectsPath,
} from "./project-config.js";
export {
  type ByteSize,
  ByteSizeSchema,
  DEFAULT_RETENTION_POLICY,
  parseByteSize,
  RETENTION_OUTCOMES,
  type RetentionOutcome,
  type RetentionPolicy,
  type RetentionPolicyInput,
  RetentionPolicySchema,
  type RetentionRule,
  RetentionRuleSchema,
} from "./retention-policy.js";
export {
  type ExecutorIdentity,
  ExecutorIdentitySchema,
  type FinalStatus,
  FinalStatusSchema,
  LenientRunMetaSchema,
  type RunMeta,
  RunMetaSchema,
  type RunResumeRecord,
  RunResumeRecordSchema,
} from "./run-meta.js";
export {
  LenientRunStatusSchema,
  LenientStepStatusSchema,
  type RunOutcome,
  RunOutcomeSchema,
  type RunStatus,
  RunStatusSchema,
  STEP_STATUSES,
  type StepState,
  StepStateSchema,
  type StepStatus,
  StepStatusSchema,
  StepTerminalStatuses,
  workSteps,
} from "./run-status.js";
export { OUTPUTS_MAX_BYTES, type ParsedOutputs, parseStepOutputs } from "./step-outputs.js";
export { didYouMean, editDistance, suggest } from "./suggest.js";
export {
  loadUserConfig,
  type UserConfigLocation,
  UserConfigReadError,
  userConfigPath,
} from "./user-config.js";
export { parseUserConfig, type UserConfigParseResult } from "./user-config-parse.js";
export { type UserConfig, UserConfigSchema } from "./user-config-schema.js";
export { check, describeIssue, formatPath } from "./validate.js";
export {
  BackendSchema,
  DefaultsSchema,
  DurationSchema,
  EnvMapSchema,
  ForeachSchema,
  NeedsSchema,
  ParamObjectSchema,
  ParamSchema,
  RetriesSchema,
  ScalarSchema,
  SlurmOptionsSchema,
  type Step,
  StepConditionSchema,
  StepIdSchema,
  StepSchema,
  VariableNameSchema,
  WORKFLOW_KEYS,
  type Workflow,
  WorkflowSchema,
} from "./workflow.js";
export {
  loadWorkflowFile,
  parseWorkflow,
  WorkflowError,
  type WorkflowParseResult,
} from "./workflow-load.js";
export {
  type ParamSource,
  type PlannedLoop,
  type PlannedParam,
  type PlannedStep,
  type PlanParams,
  planWorkflow,
  type WorkflowPlan,
} from "./workflow-plan.js";
export {
  expandLoop,
  type ForeachSpec,
  type LoopItem,
  type ResolvedParam,
  type ResolvedStep,
  type ResolvedWorkflow,
  type SlurmOptions,
  type StepCondition,
  WORKFLOW_ID_NAMESPACE,
  workflowIdForPath,
} from "./workflow-resolve.js";
