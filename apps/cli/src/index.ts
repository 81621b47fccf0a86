// runyard — the command users type. The package's public face is the CLI itself; `main` is
// exported for embedding and tests, and the schemas of what `--json` prints, for scripts
// (docs/cli-json.md).

export { COMMANDS } from "./command-table/index.js";
export { EXIT } from "./errors.js";
export {
  type DryRunJson,
  DryRunJsonSchema,
  type DryRunParamJson,
  DryRunParamJsonSchema,
  type DryRunStepJson,
  DryRunStepJsonSchema,
} from "./json/dry-run.js";
export {
  type PsLineJson,
  PsLineJsonSchema,
  type PsRunJson,
  PsRunJsonSchema,
  type PsUnreadableJson,
  PsUnreadableJsonSchema,
} from "./json/ps.js";
export {
  type DuResultJson,
  DuResultJsonSchema,
  type GcResultJson,
  GcResultJsonSchema,
  type RmResultJson,
  RmResultJsonSchema,
  RunStateJsonSchema,
} from "./json/retention.js";
export { RunJsonShape } from "./json/run.js";
export {
  type RunEndedJson,
  RunEndedJsonSchema,
  type RunStartedJson,
  RunStartedJsonSchema,
} from "./json/run-command.js";
export {
  type CaptureJson,
  CaptureJsonSchema,
  type ShowJson,
  ShowJsonSchema,
  type ShowStepJson,
  ShowStepJsonSchema,
} from "./json/show.js";
export {
  type ValidateLineJson,
  ValidateLineJsonSchema,
  type ValidateProblemJson,
  ValidateProblemJsonSchema,
} from "./json/validate.js";
export { type MainOptions, main } from "./main.js";
