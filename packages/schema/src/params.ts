// Params are a workflow's named inputs. A run takes each param's value from what the user
// supplied (CLI `-p name=value` or a params file, GUI form), else its default; steps see the
// result as environment variables of the same names. This module is that rule, in one place.
import type { ValidationProblem } from "./errors.js";
import { paramValueProblem } from "./param-types.js";
import { didYouMean } from "./suggest.js";
import type { ResolvedWorkflow } from "./workflow-resolve.js";

/**
 * A problem with the values given for the params: `param` names the param it is about, `kind`
 * says whether the name is unknown, a required value missing, or a value refused.
 */
export interface ParamProblem extends ValidationProblem {
  readonly param: string;
  readonly kind: "unknown" | "missing" | "refused";
}

export type ParamValuesResult =
  | { ok: true; values: Record<string, string> }
  | { ok: false; problems: ParamProblem[] };

/**
 * The values a run's params take: supplied values over defaults. Unknown names, missing
 * required params and values that are not of the param's type or among its choices are
 * problems (all of them at once, in the order given, then in the workflow's); an optional
 * param without a default that is not supplied is simply absent. A value is checked, never
 * rewritten: the step sees it as given.
 */
export function resolveParamValues(
  workflow: Pick<ResolvedWorkflow, "params">,
  supplied: Readonly<Record<string, string>>,
): ParamValuesResult {
  const problems: ParamProblem[] = [];
  const names = workflow.params.map((param) => param.name);
  for (const name of Object.keys(supplied)) {
    if (!names.includes(name)) {
      const known = names.length === 0 ? " (the workflow has no params)" : didYouMean(name, names);
      problems.push({
        path: "",
        param: name,
        kind: "unknown",
        message: `unknown param "${name}"${known}`,
      });
    }
  }
  const values: Array<[string, string]> = [];
  for (const param of workflow.params) {
    const given = Object.hasOwn(supplied, param.name) ? supplied[param.name] : undefined;
    const value = given ?? param.default;
    if (value === undefined) {
      if (param.required) {
        const about = param.description === undefined ? "" : ` (${param.description})`;
        problems.push({
          path: "",
          param: param.name,
          kind: "missing",
          message: `missing a value for param "${param.name}"${about}`,
        });
      }
      continue;
    }
    // The loader checked the default already.
    const problem =
      given === undefined ? undefined : paramValueProblem(given, param.type, param.choices);
    if (problem !== undefined) {
      problems.push({
        path: "",
        param: param.name,
        kind: "refused",
        message: `param "${param.name}": expected ${problem.expected}, got ${JSON.stringify(value)}${didYouMean(value, problem.candidates)}`,
      });
      continue;
    }
    values.push([param.name, value]);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, values: Object.fromEntries(values) };
}
