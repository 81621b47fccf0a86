// `runyard run WORKFLOW`: start a run (a detached executor, see launchRun) and watch it live
// over ipc.sock, or with --detach just start it (start-run.ts). Exit 0 on success, 1 when a
// step failed, 130 when cancelled. Closing the terminal ends only this view: the run goes on.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { RunyardError } from "@runyard/schema";
import type { CommandRun } from "../command.js";
import { refuseExtraArguments, UsageError } from "../errors.js";
import { loadRunWorkflow } from "../run-checks.js";
import { checkGivenParams, gatherParams } from "../run-params.js";
import { dryRunOption, maxParallelOption, maxSlurmJobsOption, startRun } from "../start-run.js";

/** `runyard run`, once its flags are parsed (its help and flags: command-table/run.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  const [file, ...extra] = positionals;
  if (file === undefined)
    throw new UsageError("missing the workflow file", "usage: runyard run <workflow.yaml>");
  refuseExtraArguments(extra, "runyard run <workflow.yaml>");
  const workflowFile = resolve(context.cwd, file);
  const stats = statSync(workflowFile, { throwIfNoEntry: false });
  const hint = "give the path of a .yaml workflow file, e.g. runyard run examples/hello.yaml";
  if (stats === undefined)
    throw new RunyardError("E_WORKFLOW_NOT_FOUND", `workflow file not found: ${file}`, { hint });
  if (!stats.isFile()) {
    const kind = stats.isDirectory() ? "it is a directory" : "not a regular file";
    throw new RunyardError("E_WORKFLOW_NOT_FILE", `not a file: ${file} (${kind})`, { hint });
  }
  const maxParallel = maxParallelOption(values);
  const maxSlurmJobs = maxSlurmJobsOption(values);
  const given = await gatherParams(values, context);
  if (dryRunOption(values)) {
    return (await import("../dry-run.js")).dryRun(file, given, values.json === true, context);
  }
  // The values of a params file are checked here, where its lines are known, so a refused
  // one is named at its line; -p values alone are left to the executor's same check.
  if (given.file !== undefined) {
    checkGivenParams(await loadRunWorkflow(file, context.cwd), file, given);
  }
  return startRun(values, context, {
    workflowFile: file,
    params: given.values,
    maxParallel,
    maxSlurmJobs,
  });
};
