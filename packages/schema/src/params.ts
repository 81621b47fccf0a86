// Params are a workflow's named inputs. A run takes each param's value from what the user
// supplied (CLI `-p name=value`, GUI form), else its default; steps see the result as
// environment variables of the same names. This module is that rule, in one place.
import type { ValidationProblem } from "./errors.js";
import { didYouMean } from "./suggest.js";
import type { ResolvedWorkflow } from "./workflow-resolve.js";

export type ParamValuesResult =
  | { ok: true; values: Record<string, string> }
  | { ok: false; problems: ValidationProblem[] };

/**
 * The values a run's params take: supplied values over defaults. Unknown names and missing
 * required params are problems (all of them at once); an optional param without a default
 * that is not supplied is simply absent.
 */
export function resolveParamValues(
  workflow: Pick<ResolvedWorkflow, "params">,
  supplied: Readonly<Record<string, string>>,
): ParamValuesResult {
  const problems: ValidationProblem[] = [];
  const names = workflow.params.map((param) => param.name);
  for (const name of Object.keys(supplied)) {
    if (!names.includes(name)) {
      const known = names.length === 0 ? " (the workflow has no params)" : didYouMean(name, names);
      problems.push({ path: "", message: `unknown param "${name}"${known}` });
    }
  }
  const values: Array<[string, string]> = [];
  for (const param of workflow.params) {
    const value = Object.hasOwn(supplied, param.name) ? supplied[param.name] : param.default;
    if (value !== undefined) values.push([param.name, value]);
    else if (param.required) {
      const about = param.description === undefined ? "" : ` (${param.description})`;
      problems.push({ path: "", message: `missing a value for param "${param.name}"${about}` });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, values: Object.fromEntries(values) };
}
