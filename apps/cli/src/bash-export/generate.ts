// `runyard export --bash`: a workflow and its params → one standalone bash script. The script
// is a data section — each step's settings as bash arrays, every value a single-quoted word
// made by shellQuote — and the runtime (runtime-*.ts), the same text for every workflow, which
// walks the DAG as the executor does. Nothing from the workflow is ever spliced into code:
// a step's `run` is a quoted string handed to `bash -c`, its env and the params are NAME=value
// words handed to env(1).
import { dirname, isAbsolute, relative } from "node:path";
import {
  ENV,
  formatDurationSeconds,
  interpolate,
  type ResolvedStep,
  type ResolvedWorkflow,
} from "@runyard/schema";
import { safeText } from "../safe-text.js";
import { shellComment, shellQuote } from "./quote.js";
import { PRELUDE, RUNTIME } from "./runtime.js";
import { SHIM } from "./shim.js";

export interface ExportOptions {
  /** Every param's value, as resolveParamValues gives them (an optional one left out is unset). */
  readonly params: Readonly<Record<string, string>>;
  /** The runyard that exported it, for the script's first lines. */
  readonly version: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The variables an enclosing run's step would leave behind: unset before anything runs. */
const STEP_VARIABLES = Object.values(ENV).filter(
  (name) => name !== ENV.runsDir && name !== ENV.home && name !== ENV.config,
);

/** `${RUNYARD_RUN_DIR}` is only known when the script runs: a foreach file is cut around it. */
const RUN_DIR_REFERENCE = `\${${ENV.runDir}}`;

/** Seconds for `read -t`: at most three decimals, and no more than about 31 years. */
function seconds(value: number): string {
  return String(Math.min(Number(value.toFixed(3)), 999_999_999));
}

/** A name that becomes NAME=value for env(1): the loader allows no other (checked again here). */
function variableName(name: string, where: string): string {
  if (!NAME.test(name)) throw new Error(`${where}: ${JSON.stringify(name)} is not a variable name`);
  return shellQuote(name, where);
}

/** A step's cwd as the script takes it: "" for the workflow's directory, else relative or absolute. */
function scriptCwd(workflow: ResolvedWorkflow, step: ResolvedStep): string {
  const written = step.raw.cwd ?? workflow.raw.defaults?.cwd;
  if (written !== undefined && isAbsolute(written)) return step.cwd;
  return relative(dirname(workflow.file), step.cwd);
}

/** The lines that give step number `index` its settings. */
function stepBlock(
  workflow: ResolvedWorkflow,
  step: ResolvedStep,
  index: number,
  params: Readonly<Record<string, string>>,
): string[] {
  const at = `steps.${step.id}`;
  const q = (value: string, field: string) => shellQuote(value, `${at}.${field}`);
  const lines = [
    `# ${shellComment(step.id)}${step.name === step.id ? "" : ` (${shellComment(step.name)})`}`,
    `_ry_ids[${index}]=${q(step.id, "id")}`,
    `_ry_needs[${index}]=${q(
      step.needs.map((need) => workflow.steps.findIndex((other) => other.id === need)).join(" "),
      "needs",
    )}`,
    `_ry_cond[${index}]=${q(step.condition, "if")}`,
    `_ry_cwd[${index}]=${q(scriptCwd(workflow, step), "cwd")}`,
    `_ry_timeout[${index}]=${q(step.timeoutSeconds === undefined ? "" : seconds(step.timeoutSeconds), "timeout")}`,
    `_ry_timeout_text[${index}]=${q(
      step.timeoutSeconds === undefined ? "" : formatDurationSeconds(step.timeoutSeconds),
      "timeout",
    )}`,
    `_ry_retries[${index}]=${step.retries}`,
    `_ry_delay[${index}]=${q(seconds(step.retryDelaySeconds), "retryDelay")}`,
    `_ry_delay_text[${index}]=${q(formatDurationSeconds(step.retryDelaySeconds), "retryDelay")}`,
    `_ry_loop[${index}]=${q(step.foreach?.kind ?? "", "foreach")}`,
    `_ry_parallel[${index}]=${q(step.parallel === undefined ? "" : String(step.parallel), "parallel")}`,
  ];
  const loop = step.foreach;
  if (loop?.kind === "items") {
    lines.push(
      `_ry_items_from[${index}]=\${#_ry_item_values[@]} _ry_items_count[${index}]=${loop.items.length}`,
      `_ry_item_values+=(${loop.items.map((item) => q(item, "foreach")).join(" ")})`,
    );
  } else if (loop?.kind === "file") {
    // Params are put in now; the run directory, around which the path is cut, when it runs.
    const segments = loop.written
      .split(RUN_DIR_REFERENCE)
      .map((segment) => q(interpolate(segment, params), "foreach.file"));
    lines.push(
      `_ry_file_from[${index}]=\${#_ry_file_segments[@]} _ry_file_count[${index}]=${segments.length}`,
      `_ry_file_segments+=(${segments.join(" ")})`,
      `_ry_file_text[${index}]=${q(safeText(loop.written), "foreach.file")}`,
    );
  }
  for (const [name, value] of Object.entries(step.env)) {
    lines.push(
      `_ry_env_step+=(${index}) _ry_env_name+=(${variableName(name, `${at}.env`)}) _ry_env_value+=(${q(value, `env.${name}`)})`,
    );
  }
  lines.push(`_ry_run[${index}]=${q(step.run, "run")}`, "");
  return lines;
}

/** What `--help` of the script says first: the workflow, and the params it was fixed with. */
function about(workflow: ResolvedWorkflow, options: ExportOptions): string {
  const lines = [
    `Runs the workflow ${safeText(workflow.name)} (${safeText(workflow.file)}) as 'runyard run' would,`,
    `with bash alone: exported by runyard ${options.version}.`,
  ];
  const params = workflow.params.map((param) => {
    const value = options.params[param.name];
    return `  ${param.name}=${value === undefined ? "(not set)" : safeText(JSON.stringify(value))}`;
  });
  if (params.length > 0) lines.push("", "Params, fixed when it was exported:", ...params);
  return lines.join("\n");
}

/** The whole script for `workflow` run with `options.params`. */
export function exportBash(workflow: ResolvedWorkflow, options: ExportOptions): string {
  const { params } = options;
  const header = [
    "#!/usr/bin/env bash",
    `# The workflow ${shellComment(workflow.name)} as a bash script, made by 'runyard export --bash'`,
    `# (runyard ${options.version}) from ${shellComment(workflow.file)}.`,
    "# It runs the same steps as 'runyard run' would, with bash 4 or newer and no Runyard: the same",
    "# order, parallelism, conditions, loops, outputs, timeouts, retries, return value and exit",
    '# status. Run it with --help for its options; docs/workflow.md, "Exporting to bash", says',
    "# what maps to what.",
  ];
  for (const param of workflow.params) {
    const value = params[param.name];
    if (value !== undefined) header.push(`# param ${param.name} = ${shellComment(value)}`);
  }
  const base: string[] = [];
  const baseEntries: [string, string, string][] = [
    ...Object.entries(workflow.env).map(([name, value]): [string, string, string] => [
      name,
      value,
      `env.${name}`,
    ]),
    ...workflow.params.flatMap((param): [string, string, string][] => {
      const value = params[param.name];
      return value === undefined ? [] : [[param.name, value, `param ${param.name}`]];
    }),
  ];
  for (const [name, value, where] of baseEntries) {
    base.push(
      `_ry_base_name+=(${variableName(name, where)}) _ry_base_value+=(${shellQuote(value, where)})`,
    );
  }
  const returnStep =
    workflow.returns === undefined
      ? ""
      : String(workflow.steps.findIndex((step) => step.id === workflow.returns?.step));
  const data = [
    "# ---- the workflow ----",
    `_ry_name=${shellQuote(safeText(workflow.name), "name")}`,
    `_ry_about=${shellQuote(about(workflow, options))}`,
    `_ry_workflow_id=${shellQuote(workflow.id)}`,
    `_ry_workdir_default=${shellQuote(dirname(workflow.file), "the workflow's directory")}`,
    `_ry_step_count=${workflow.steps.length}`,
    `_ry_width=${Math.max(8, ...workflow.steps.map((step) => step.id.length))}`,
    `_ry_return_step=${shellQuote(returnStep)} _ry_return_output=${shellQuote(workflow.returns?.output ?? "")}`,
    `_ry_step_variables=(${STEP_VARIABLES.join(" ")})`,
    "_ry_base_name=() _ry_base_value=() _ry_env_step=() _ry_env_name=() _ry_env_value=()",
    "_ry_item_values=() _ry_items_from=() _ry_items_count=()",
    "_ry_file_segments=() _ry_file_from=() _ry_file_count=() _ry_file_text=()",
    ...base,
    "",
    ...workflow.steps.flatMap((step, index) => stepBlock(workflow, step, index, params)),
    `_ry_shim=${shellQuote(SHIM)}`,
    "",
  ];
  return [...header, PRELUDE, ...data, RUNTIME, '_ry_main "$@"', ""].join("\n");
}
