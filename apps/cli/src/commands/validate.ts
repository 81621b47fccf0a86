// `runyard validate WORKFLOW...`: check workflow files without running them; every problem
// of every file, each with its line and column, and a warning for each thing the format
// accepts but this version cannot run yet (the slurm backend): the file is valid, but
// `runyard run` refuses it.

import { resolve } from "node:path";
import { missingSlurmCommand } from "@runyard/executor";
import {
  formatPath,
  formatProblem,
  loadWorkflowFile,
  type ResolvedWorkflow,
  RunyardError,
  ValidationError,
  type ValidationProblem,
} from "@runyard/schema";
import type { CommandRun } from "../command.js";
import { EXIT, UsageError } from "../errors.js";
import type { ValidateLineJson, ValidateProblemJson } from "../json/validate.js";
import { type Output, paint } from "../output.js";
import { AVAILABLE_BACKENDS } from "../run-checks.js";
import { safeText } from "../safe-text.js";

type PositionedProblem = ValidationProblem & { line: number; column: number };

/**
 * Each step whose backend `runyard run` does not have here — Slurm steps on a host without
 * Slurm's commands — at the step (the position of its `backend` key is not known here), in
 * file order.
 */
function unavailableBackends(
  workflow: ResolvedWorkflow,
  env: NodeJS.ProcessEnv,
): PositionedProblem[] {
  const missing = missingSlurmCommand(env);
  const refusal = (backend: string) =>
    backend === "slurm"
      ? `needs ${missing}, which is not on PATH here; run will refuse it`
      : "is not available in this executor yet; run will refuse it";
  return workflow.steps
    .filter(
      (step) =>
        !AVAILABLE_BACKENDS.has(step.backend) ||
        (step.backend === "slurm" && missing !== undefined),
    )
    .map((step) =>
      step.raw.backend === undefined
        ? {
            path: formatPath(["steps", step.id]),
            message: `backend "${step.backend}" (from defaults.backend) ${refusal(step.backend)}`,
            ...step.position,
          }
        : {
            path: formatPath(["steps", step.id, "backend"]),
            message: `"${step.backend}" ${refusal(step.backend)}`,
            ...step.position,
          },
    );
}

/** What `runyard run` would refuse in a valid workflow, in the order of the file. */
function runWouldRefuse(workflow: ResolvedWorkflow, env: NodeJS.ProcessEnv): PositionedProblem[] {
  return [...unavailableBackends(workflow, env)].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  );
}

function problemJson(problem: ValidationProblem): ValidateProblemJson {
  return {
    path: problem.path,
    message: problem.message,
    line: problem.line ?? null,
    column: problem.column ?? null,
  };
}

type Checked =
  | { ok: true; workflow: ResolvedWorkflow; warnings: PositionedProblem[] }
  | { ok: false; error: RunyardError };

async function check(file: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Checked> {
  try {
    const workflow = await loadWorkflowFile(resolve(cwd, file));
    return { ok: true, workflow, warnings: runWouldRefuse(workflow, env) };
  } catch (error) {
    // A file that cannot be read (WorkflowReadError) or is invalid (WorkflowError, one
    // line per problem): either message already names the file.
    if (!(error instanceof RunyardError)) throw error;
    return { ok: false, error };
  }
}

/** The file name comes from the command line and the rest from the file: shown, never sent. */
function printText(output: Output, file: string, checked: Checked): void {
  if (!checked.ok) {
    // One line per problem: the newlines are kept, every other control is shown.
    output.err(`${safeText(checked.error.message, { lines: true })}\n`);
    return;
  }
  const { workflow, warnings } = checked;
  output.out(
    `${paint(output, "green", "ok")} ${safeText(file)}: ${safeText(workflow.name)}, ${workflow.steps.length} step${workflow.steps.length === 1 ? "" : "s"}\n`,
  );
  for (const problem of warnings) {
    output.err(
      `${paint(output, "yellow", "warning:")} ${safeText(formatProblem(file, problem))}\n`,
    );
  }
}

function lineJson(file: string, checked: Checked): ValidateLineJson {
  if (checked.ok) {
    return {
      file,
      valid: true,
      workflowName: checked.workflow.name,
      steps: checked.workflow.steps.length,
      errors: [],
      warnings: checked.warnings.map(problemJson),
    };
  }
  const { error } = checked;
  const problems =
    error instanceof ValidationError ? error.problems : [{ path: "", message: error.message }];
  return {
    file,
    valid: false,
    workflowName: null,
    steps: null,
    errors: problems.map(problemJson),
    warnings: [],
  };
}

/** `runyard validate`, once its flags are parsed (its help and flags: command-table/validate.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  if (positionals.length === 0)
    throw new UsageError("missing the workflow file", "usage: runyard validate <workflow.yaml>...");
  let invalid = 0;
  for (const file of positionals) {
    const checked = await check(file, context.cwd, context.env);
    if (values.json === true) context.output.out(`${JSON.stringify(lineJson(file, checked))}\n`);
    else printText(context.output, file, checked);
    if (!checked.ok) invalid += 1;
  }
  return invalid === 0 ? EXIT.ok : EXIT.invalid;
};
