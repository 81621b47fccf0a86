// `runyard export --bash WORKFLOW` (its help and flags: command-table/export.ts): everything
// `runyard run` checks before a run — the workflow, what this version can run, the params —
// then the script (bash-export/generate.ts) on stdout or in the file -o names.
import { chmod, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { RunyardError } from "@runyard/schema";
import { exportBash } from "../bash-export/generate.js";
import type { CommandContext, CommandRun, CommandValues } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { loadRunWorkflow, refuseUnrunnable } from "../run-checks.js";
import { checkGivenParams, gatherParams } from "../run-params.js";
import { VERSION } from "../version.js";

const USAGE = "runyard export --bash <workflow.yaml> [-p name=value]... [-o <file>]";

/**
 * The script for `file` with the params of `values` (-p, --params-file), after the checks
 * `runyard run` makes before a run; throws what it would refuse the run for.
 */
export async function bashScriptFor(
  file: string,
  values: CommandValues,
  context: Pick<CommandContext, "cwd" | "env">,
): Promise<string> {
  const given = await gatherParams(values, context);
  const workflow = await loadRunWorkflow(file, context.cwd);
  const onSlurm = workflow.steps.find((step) => step.backend === "slurm");
  if (onSlurm !== undefined) {
    throw new RunyardError(
      "E_EXPORT_SLURM",
      `step "${onSlurm.id}" runs on Slurm (backend: slurm): an exported bash script runs every step here and cannot submit jobs`,
      { hint: "export a workflow without Slurm steps, or run it with runyard run" },
    );
  }
  refuseUnrunnable(workflow, context.env);
  const params = checkGivenParams(workflow, file, given);
  return exportBash(workflow, { params, version: VERSION });
}

export const run: CommandRun = async (values, positionals, context) => {
  const [file, ...extra] = positionals;
  if (values.bash !== true) {
    throw new UsageError("say which format: --bash (the one there is so far)", `usage: ${USAGE}`);
  }
  if (file === undefined) throw new UsageError("missing the workflow file", `usage: ${USAGE}`);
  refuseExtraArguments(extra, USAGE);
  const output = values.output;
  if (output === "") throw new UsageError("--output needs a file, got an empty value");
  const script = await bashScriptFor(file, values, context);
  if (typeof output === "string") {
    const path = resolve(context.cwd, output);
    await writeFile(path, script, { mode: 0o755 });
    // A file that was there keeps its mode through writeFile: the script is to be run.
    await chmod(path, 0o755);
  } else context.output.out(script);
  return EXIT.ok;
};
