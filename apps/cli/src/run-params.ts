// The params `runyard run` was given: `-p NAME=VALUE` flags over a `--params-file`, and, when
// the workflow is at hand, their check against it, each problem placed where the value was
// written (a line of the params file, or the command line).
import { resolve } from "node:path";
import { ParamsError } from "@runyard/executor";
import {
  loadParamsFile,
  type ParamSource,
  type ParamsFileEntry,
  type ResolvedWorkflow,
  resolveParamValues,
} from "@runyard/schema";
import type { CommandContext, CommandValues } from "./command.js";
import { UsageError } from "./errors.js";

export interface GivenParams {
  /** Name → value, the flags over the file. */
  readonly values: Record<string, string>;
  /** Where each given value came from: "flag" wins over "file", which wins over "run". */
  readonly sources: Record<string, Exclude<ParamSource, "default">>;
  /** The params file as the user named it, and its entries by name, when there is one. */
  readonly file: { name: string; entries: ReadonlyMap<string, ParamsFileEntry> } | undefined;
  /** For a rerun: the id of the earlier run the "run" values are from. */
  readonly run?: string;
}

/**
 * A rerun's params: the values the earlier run `runId` was given, with `given` (flags and a
 * params file) over them.
 */
export function overEarlierRun(
  given: GivenParams,
  runId: string,
  earlier: readonly (readonly [string, string])[],
): GivenParams {
  const values = new Map<string, string>(earlier);
  const sources = new Map<string, Exclude<ParamSource, "default">>(
    earlier.map(([name]) => [name, "run"]),
  );
  for (const [name, value] of Object.entries(given.values)) values.set(name, value);
  for (const [name, source] of Object.entries(given.sources)) sources.set(name, source);
  return {
    values: Object.fromEntries(values),
    sources: Object.fromEntries(sources),
    file: given.file,
    run: runId,
  };
}

/**
 * Reads `--params-file` and `-p`. Maps, not objects, until the end: `-p __proto__=x` must reach
 * the workflow's param check as a name (and be refused as unknown), not set a prototype;
 * fromEntries defines keys.
 */
export async function gatherParams(
  values: CommandValues,
  context: Pick<CommandContext, "cwd">,
): Promise<GivenParams> {
  const flags = new Map<string, string>();
  for (const pair of (values.param ?? []) as string[]) {
    const equals = pair.indexOf("=");
    if (equals < 1) throw new UsageError(`--param expects NAME=VALUE, got "${pair}"`);
    flags.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  const fileName = values["params-file"];
  let file: GivenParams["file"];
  if (typeof fileName === "string") {
    if (fileName.trim() === "")
      throw new UsageError("--params-file needs a file, got an empty value");
    const entries = await loadParamsFile(fileName, resolve(context.cwd, fileName));
    file = { name: fileName, entries: new Map(entries.map((entry) => [entry.name, entry])) };
  }
  const merged = new Map<string, string>();
  const sources = new Map<string, Exclude<ParamSource, "default">>();
  for (const [name, entry] of file?.entries ?? []) {
    merged.set(name, entry.value);
    sources.set(name, "file");
  }
  for (const [name, value] of flags) {
    merged.set(name, value);
    sources.set(name, "flag");
  }
  return {
    values: Object.fromEntries(merged),
    sources: Object.fromEntries(sources),
    file,
  };
}

/**
 * The value of every param of `workflow` for a run given `given`, or ParamsError (exit 2) with
 * every problem; one about a value from the params file starts with its file:line:column.
 */
export function checkGivenParams(
  workflow: ResolvedWorkflow,
  workflowFile: string,
  given: GivenParams,
): Record<string, string> {
  const result = resolveParamValues(workflow, given.values);
  if (result.ok) return result.values;
  const lines = result.problems.map((problem) => {
    const entry =
      given.sources[problem.param] === "file" ? given.file?.entries.get(problem.param) : undefined;
    if (entry === undefined || given.file === undefined) return problem.message;
    // An unknown name is about the key; a refused value, about the value.
    const at = problem.kind === "unknown" ? entry.key : entry.at;
    return `${given.file.name}:${at.line}:${at.column}: ${problem.message}`;
  });
  throw new ParamsError(workflowFile, lines);
}
