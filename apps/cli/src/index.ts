// runyard — the command users type. The package's public face is the CLI itself; `main` is
// exported for embedding and tests.

export { EXIT } from "./errors.js";
export {
  type DuResultJson,
  DuResultJsonSchema,
  type GcResultJson,
  GcResultJsonSchema,
  type RmResultJson,
  RmResultJsonSchema,
  RunStateJsonSchema,
} from "./json/retention.js";
export { COMMANDS, type MainOptions, main } from "./main.js";
