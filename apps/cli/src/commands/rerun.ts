// `runyard rerun RUN`: a new run of the workflow copy an earlier run kept (readRerunSource),
// with the params it was given under those given now, anchored where its workflow file was
// (or --workflow-dir); started and watched as `runyard run` does (start-run.ts).
import { join, resolve } from "node:path";
import { readRerunSource } from "@runyard/executor";
import { parseWorkflow, RUN_FILES, WorkflowError } from "@runyard/schema";
import type { CommandRun } from "../command.js";
import { UsageError } from "../errors.js";
import { checkGivenParams, gatherParams, overEarlierRun } from "../run-params.js";
import { runArgument } from "../runs-root.js";
import { dryRunOption, maxParallelOption, maxSlurmJobsOption, startRun } from "../start-run.js";

/** `runyard rerun`, once its flags are parsed (its help and flags: command-table/rerun.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  const [reference, ...extra] = positionals;
  const earlier = await runArgument(reference, extra, context.command.usage, values, context);
  const maxParallel = maxParallelOption(values);
  const maxSlurmJobs = maxSlurmJobsOption(values);
  const directoryFlag = values["workflow-dir"];
  if (typeof directoryFlag === "string" && directoryFlag.trim() === "") {
    throw new UsageError("--workflow-dir needs a directory, got an empty value");
  }
  const source = await readRerunSource(earlier.directory, {
    ...(typeof directoryFlag === "string"
      ? { workflowDirectory: resolve(context.cwd, directoryFlag) }
      : {}),
  });
  const given = overEarlierRun(await gatherParams(values, context), source.rerunOf, source.params);
  // Problems are the copy's: named by its path, where its lines and columns are.
  const copy = join(earlier.directory, RUN_FILES.workflow);
  const parsed = parseWorkflow(source.workflowSource, source.workflowFile);
  if (!parsed.ok) throw new WorkflowError(copy, parsed.problems);
  if (dryRunOption(values)) {
    const { printPlan } = await import("../dry-run.js");
    return printPlan(parsed.workflow, copy, given, values.json === true, context);
  }
  // Checked here rather than by the executor, so a value from the params file is named at its
  // line, and nothing is started for a value the workflow refuses.
  checkGivenParams(parsed.workflow, copy, given);
  return startRun(values, context, {
    workflowFile: source.workflowFile,
    workflowSource: source.workflowSource,
    rerunOf: source.rerunOf,
    params: given.values,
    maxParallel,
    maxSlurmJobs,
  });
};
