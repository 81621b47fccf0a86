// Rules of the workflow format that span several fields, which a per-field schema cannot
// express: what `needs` points at, cycles, params against env, reserved names, and numbers
// that YAML would silently rewrite. They run on the raw document even when the schema found
// problems, so the user sees everything at once; values the schema rejects are skipped here.

import { referencesIn } from "./foreach.js";
import { isRecord } from "./is-record.js";
import { describeFound, YAML_VOCABULARY } from "./issue-words.js";
import type { IssueProblem } from "./issues.js";
import { RESERVED_ENV_PREFIX, STEP_ID_PATTERN } from "./layout.js";
import {
  expectedForType,
  inferParamType,
  ParamTypeSchema,
  paramValueProblem,
} from "./param-types.js";
import { didYouMean } from "./suggest.js";
import { StepIdSchema } from "./workflow.js";
import { findCycles } from "./workflow-graph.js";

type Path = readonly PropertyKey[];
type Record_ = Readonly<Record<string, unknown>>;

export interface CheckInput {
  /** The document as plain data. */
  readonly value: unknown;
  /** Step ids in the order the file lists them (plain objects reorder numeric keys). */
  readonly stepOrder: readonly string[];
  /** A plain scalar's text when it differs from its parsed value (`1.10` read as 1.1). */
  readonly writtenAs: (path: Path) => string | undefined;
}

const RESERVED_PREFIX = RESERVED_ENV_PREFIX;

/** Names a step can never see: Runyard's own, and one a JavaScript object drops silently. */
function reservedName(name: string, path: Path): IssueProblem[] {
  if (name === "__proto__") {
    return [{ path, message: `"__proto__" cannot be used as a name`, anchor: "key" }];
  }
  if (name.startsWith(RESERVED_PREFIX)) {
    return [
      {
        path,
        message: `names starting with ${RESERVED_PREFIX} are reserved: Runyard sets them for every step`,
        anchor: "key",
      },
    ];
  }
  return [];
}

/**
 * zod skips a `__proto__` key of a record (assigning it would replace the prototype), so the
 * schema never sees that step id and it would only fail when the run starts. Same words as
 * the schema's own message for an id it rejects.
 */
function skippedStepIds(order: readonly string[]): IssueProblem[] {
  return order
    .filter((id) => id === "__proto__")
    .map((id) => {
      const result = StepIdSchema.safeParse(id);
      const reason = result.success ? "" : `: ${result.error.issues[0]?.message ?? ""}`;
      return {
        path: ["steps", id],
        message: `invalid step id ${JSON.stringify(id)}${reason}`,
        anchor: "key" as const,
      };
    });
}

function needsOf(step: unknown, id: string): Array<{ target: string; path: Path }> {
  if (!isRecord(step)) return [];
  const needs = step.needs;
  const base: Path = ["steps", id, "needs"];
  if (typeof needs === "string") return [{ target: needs, path: base }];
  if (!Array.isArray(needs)) return [];
  return needs.flatMap((target, index) =>
    typeof target === "string" ? [{ target, path: [...base, index] }] : [],
  );
}

function checkNeeds(steps: Record_, order: readonly string[]): IssueProblem[] {
  const problems: IssueProblem[] = [];
  const known = new Set(order);
  const graph = new Map<string, string[]>();
  const edgePath = new Map<string, Path>();
  for (const id of order) {
    const edges: string[] = [];
    const seen = new Set<string>();
    for (const { target, path } of needsOf(steps[id], id)) {
      // An ill-formed id was reported by the schema; saying it is also unknown adds nothing.
      if (!STEP_ID_PATTERN.test(target)) continue;
      if (seen.has(target)) {
        problems.push({ path, message: `step "${target}" is listed twice`, anchor: "value" });
      } else if (target === id) {
        problems.push({ path, message: `step "${id}" cannot need itself`, anchor: "value" });
      } else if (!known.has(target)) {
        problems.push({
          path,
          message: `unknown step "${target}"${didYouMean(target, order)}`,
          anchor: "value",
        });
      } else {
        edges.push(target);
        edgePath.set(`${id}\n${target}`, path);
      }
      seen.add(target);
    }
    graph.set(id, edges);
  }
  for (const cycle of findCycles(graph, order)) {
    const [from, to] = cycle;
    problems.push({
      path: edgePath.get(`${from}\n${to}`) ?? ["steps", from ?? "", "needs"],
      message: `dependency cycle: ${cycle.join(" → ")} (each step needs the next)`,
      anchor: "value",
    });
  }
  return problems;
}

/** Env names Runyard sets itself, and values YAML would rewrite (1.10 → "1.1"). */
function checkEnv(env: unknown, base: Path, input: CheckInput): IssueProblem[] {
  if (!isRecord(env)) return [];
  const problems: IssueProblem[] = [];
  for (const [name, value] of Object.entries(env)) {
    const path = [...base, name];
    problems.push(...reservedName(name, path));
    problems.push(...checkWritten(value, path, input));
  }
  return problems;
}

function checkWritten(value: unknown, path: Path, input: CheckInput): IssueProblem[] {
  if (typeof value !== "number" && typeof value !== "boolean") return [];
  const written = input.writtenAs(path);
  if (written === undefined) return [];
  return [
    {
      path,
      message: `${written} would reach steps as ${JSON.stringify(String(value))}; put it in quotes to keep it as written`,
      anchor: "value",
    },
  ];
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/**
 * A typed param's default and choices must be values it accepts, checked as `-p` values are
 * (param-types.ts): each choice of its type, no choice twice, the default of its type and
 * among the choices.
 */
function checkParamValues(param: Record_, path: Path): IssueProblem[] {
  const problems: IssueProblem[] = [];
  const type = inferParamType(param);
  const declared = ParamTypeSchema.safeParse(param.type).success;
  // Said when the type was not written down: where it came from, and how to change it.
  const like = declared ? "" : " like the default";
  const otherwise = declared ? "" : ` (set "type" if the param is not ${expectedForType(type)})`;
  const choices: string[] = [];
  if (Array.isArray(param.choices) && param.choices.every(isScalar)) {
    const seen = new Set<string>();
    param.choices.forEach((choice, index) => {
      const text = String(choice);
      const problem = paramValueProblem(text, type, undefined);
      if (problem === undefined && !seen.has(text)) choices.push(text);
      if (problem !== undefined) {
        problems.push({
          path: [...path, "choices", index],
          message: `expected ${problem.expected}${like}, found ${describeFound(choice, YAML_VOCABULARY)}${otherwise}`,
          anchor: "value",
        });
      } else if (seen.has(text)) {
        problems.push({
          path: [...path, "choices", index],
          message: `${JSON.stringify(text)} is listed twice`,
          anchor: "value",
        });
      }
      seen.add(text);
    });
  }
  if (isScalar(param.default)) {
    const text = String(param.default);
    // Against the choices that are good ones: a bad choice was reported on its own.
    const problem = paramValueProblem(text, type, choices.length > 0 ? choices : undefined);
    if (problem !== undefined) {
      problems.push({
        path: [...path, "default"],
        message: `expected ${problem.expected}, found ${describeFound(param.default, YAML_VOCABULARY)}${didYouMean(text, problem.candidates)}`,
        anchor: "value",
      });
    }
  }
  return problems;
}

function checkParams(params: unknown, env: unknown, input: CheckInput): IssueProblem[] {
  if (!isRecord(params)) return [];
  const problems: IssueProblem[] = [];
  const envNames = isRecord(env) ? new Set(Object.keys(env)) : new Set<string>();
  for (const [name, param] of Object.entries(params)) {
    const path = ["params", name];
    problems.push(...reservedName(name, path));
    if (envNames.has(name)) {
      problems.push({
        path,
        message: `"${name}" is also set in env; a name is either a param or an env variable`,
        anchor: "key",
      });
    }
    if (isRecord(param)) {
      if (param.required === true && param.default !== undefined) {
        problems.push({
          path: [...path, "required"],
          message: `a param with a default is never missing, so it cannot be required; remove "required" or "default"`,
          anchor: "key",
        });
      }
      problems.push(...checkWritten(param.default, [...path, "default"], input));
      if (Array.isArray(param.choices)) {
        param.choices.forEach((choice, index) => {
          problems.push(...checkWritten(choice, [...path, "choices", index], input));
        });
      }
      problems.push(...checkParamValues(param, path));
    } else {
      problems.push(...checkWritten(param, path, input));
    }
  }
  return problems;
}

/** Items YAML would rewrite (1.10 read as 1.1) would name the wrong instance: say so. */
function checkForeachItems(foreach: unknown, path: Path, input: CheckInput): IssueProblem[] {
  if (!Array.isArray(foreach)) return [];
  return foreach.flatMap((item, index) => checkWritten(item, [...path, index], input));
}

/** What `${NAME}` may name in `foreach.file`: a param of the workflow, or the run directory. */
function checkForeachFile(foreach: unknown, path: Path, workflow: Record_): IssueProblem[] {
  if (!isRecord(foreach) || typeof foreach.file !== "string") return [];
  const { names, unclosed } = referencesIn(foreach.file);
  const known = [
    ...(isRecord(workflow.params) ? Object.keys(workflow.params) : []),
    "RUNYARD_RUN_DIR",
  ];
  const problems: IssueProblem[] = [];
  if (unclosed) {
    const message = `a "$\{" is not closed: expected $\{NAME}`;
    problems.push({ path, message, anchor: "value" });
  }
  for (const name of names.filter((name) => !known.includes(name))) {
    problems.push({
      path,
      message: `\${${name}} names no param: expected a param of the workflow or RUNYARD_RUN_DIR${didYouMean(name, known)}`,
      anchor: "value",
    });
  }
  return problems;
}

/** Every cross-field problem in a workflow document, in no particular order. */
export function checkWorkflow(input: CheckInput): IssueProblem[] {
  const { value } = input;
  if (!isRecord(value)) return [];
  const problems: IssueProblem[] = [];
  problems.push(...checkParams(value.params, value.env, input));
  problems.push(...checkEnv(value.env, ["env"], input));
  const steps = value.steps;
  if (isRecord(steps)) {
    if (input.stepOrder.length === 0) {
      problems.push({ path: ["steps"], message: "the workflow has no steps", anchor: "key" });
    }
    problems.push(...skippedStepIds(input.stepOrder));
    problems.push(...checkNeeds(steps, input.stepOrder));
    const returns = value.return;
    if (
      isRecord(returns) &&
      typeof returns.step === "string" &&
      STEP_ID_PATTERN.test(returns.step)
    ) {
      if (!input.stepOrder.includes(returns.step)) {
        problems.push({
          path: ["return", "step"],
          message: `no step "${returns.step}"${didYouMean(returns.step, input.stepOrder)}`,
          anchor: "value",
        });
      }
    }
    for (const id of input.stepOrder) {
      const step = steps[id];
      if (!isRecord(step)) continue;
      problems.push(...checkEnv(step.env, ["steps", id, "env"], input));
      // It runs when one of its needs fails: without any, it could never run.
      if (step.if === "failure" && needsOf(step, id).length === 0) {
        problems.push({
          path: ["steps", id, "if"],
          message:
            'a step with "if: failure" runs when one of its needs fails, and this one needs no step (add needs)',
          anchor: "value",
        });
      }
      if (step.parallel !== undefined && step.foreach === undefined) {
        problems.push({
          path: ["steps", id, "parallel"],
          message:
            '"parallel" limits how many instances of a foreach step run at once, and this step has no foreach',
          anchor: "key",
        });
      }
      problems.push(...checkForeachItems(step.foreach, ["steps", id, "foreach"], input));
      problems.push(...checkForeachFile(step.foreach, ["steps", id, "foreach", "file"], value));
    }
  }
  return problems;
}
