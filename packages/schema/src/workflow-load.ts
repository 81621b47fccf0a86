// Loads a workflow file: bytes → YAML → schema → cross-field rules → ResolvedWorkflow, or
// every problem found, each with its line and column, in the order they appear in the file.
import { resolve } from "node:path";
import type { z } from "zod";
import { ValidationError, type ValidationProblem, WorkflowReadError } from "./errors.js";
import { readInputFile } from "./input-file.js";
import { describeFound, YAML_VOCABULARY } from "./issue-words.js";
import { describeIssues, type IssueProblem } from "./issues.js";
import { decodeUtf8Text } from "./utf8-text.js";
import { formatPath } from "./validate.js";
import { StepIdSchema, VariableNameSchema, type Workflow, WorkflowSchema } from "./workflow.js";
import { checkWorkflow } from "./workflow-checks.js";
import { type ResolvedWorkflow, resolveWorkflow } from "./workflow-resolve.js";
import {
  keysAt,
  locate,
  parseYamlDocument,
  positionAt,
  positionOf,
  writtenAs,
} from "./yaml-document.js";

export type WorkflowParseResult =
  | { ok: true; workflow: ResolvedWorkflow }
  | {
      ok: false;
      problems: ValidationProblem[];
      /**
       * The YAML's value when the text parsed but did not validate: what a front end shows
       * of an invalid workflow (its steps, its params) as best it can. Never trust it.
       */
      document?: unknown;
    };

export class WorkflowError extends ValidationError {
  constructor(file: string, problems: readonly ValidationProblem[]) {
    super(file, problems, "E_WORKFLOW_INVALID");
  }
}

/**
 * The workflow file could not be read at all: missing, a directory, no permission, not a
 * regular file, too large. `reason` says which, in words.
 */
const KEY_LABELS: ReadonlyMap<z.ZodType, string> = new Map<z.ZodType, string>([
  [StepIdSchema, "step id"],
  [VariableNameSchema, "variable name"],
]);

/** What the keys of the mapping at `path` are, for duplicate-key messages. */
function keyKind(path: readonly PropertyKey[]): string {
  if (path.length === 1 && path[0] === "steps") return "step id";
  if (path.length === 1 && path[0] === "params") return "param";
  if (path[path.length - 1] === "env") return "variable";
  return "key";
}

/** Advice for the mistakes people bring from other tools. */
function hint(path: readonly PropertyKey[], found: unknown): string {
  if (path.length === 1 && path[0] === "steps" && Array.isArray(found)) {
    return ' (steps are a mapping of step id to step: write "build:" rather than "- name: build")';
  }
  if (path[path.length - 1] === "run" && Array.isArray(found)) {
    return ' (for several commands, write "run: |" and one command per line below it)';
  }
  return "";
}

function describeTopLevel(value: unknown): string | undefined {
  if (value === null || value === undefined) {
    return 'the workflow file is empty: expected a mapping with at least "steps"';
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    return `expected a mapping of workflow keys (name, steps, ...), found ${describeFound(value, YAML_VOCABULARY)}`;
  }
  return undefined;
}

/**
 * Parses and validates workflow text. `file` is the absolute path it came from: it names the
 * default workflow id and anchors relative `cwd`s. Problems come in document order.
 */
export function parseWorkflow(source: Uint8Array | string, file: string): WorkflowParseResult {
  const bytes = typeof source === "string" ? new TextEncoder().encode(source) : source;
  const decoded = decodeUtf8Text(bytes);
  if (!decoded.ok) return { ok: false, problems: [decoded.problem] };
  const parsed = parseYamlDocument(decoded.text, keyKind);
  if (!parsed.ok) return parsed;
  const yaml = parsed.source;
  const topLevel = describeTopLevel(yaml.value);
  if (topLevel !== undefined) {
    return {
      ok: false,
      problems: [{ path: "", message: topLevel, ...positionOf(yaml, locate(yaml, []).value) }],
      document: yaml.value,
    };
  }

  // Plain objects put integer-like keys ("10", "2") first; the text keeps the user's order.
  const order = keysAt(yaml, ["steps"]);
  const result = WorkflowSchema.safeParse(yaml.value);
  const found: IssueProblem[] = [
    ...(result.success
      ? []
      : describeIssues(WorkflowSchema, result.error.issues, yaml.value, {
          vocabulary: YAML_VOCABULARY,
          keyLabels: KEY_LABELS,
          hint,
        })),
    ...checkWorkflow({
      value: yaml.value,
      stepOrder: order,
      writtenAs: (path) => writtenAs(yaml, path),
    }),
  ];
  if (found.length > 0 || parsed.problems.length > 0 || !result.success) {
    const problems = [
      ...parsed.problems,
      ...found.map((problem) => ({
        path: formatPath(problem.path),
        message: problem.message,
        ...positionAt(yaml, problem.path, problem.anchor),
      })),
    ];
    // Stable sort: problems at one spot keep the order the checks found them in.
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, problems, document: yaml.value };
  }

  return {
    ok: true,
    workflow: resolveWorkflow({
      workflow: result.data as Workflow,
      stepOrder: order,
      stepPosition: (id) => positionAt(yaml, ["steps", id], "key"),
      file,
      source: bytes,
    }),
  };
}

/**
 * Reads and validates a workflow file; throws WorkflowReadError when it cannot be read (or is
 * not a regular file of at most MAX_INPUT_FILE_BYTES), WorkflowError listing every problem.
 */
export async function loadWorkflowFile(path: string): Promise<ResolvedWorkflow> {
  const file = resolve(path);
  const read = await readInputFile(file);
  if (!read.ok) throw new WorkflowReadError(path, read.reason, { cause: read.cause });
  const result = parseWorkflow(read.bytes, file);
  if (!result.ok) throw new WorkflowError(path, result.problems);
  return result.workflow;
}
