// `runyard validate WORKFLOW...`: check workflow files without running them; every problem
// of every file, each with its line and column, and a warning for each field the format
// accepts but this version cannot run yet (the file is valid; `runyard run` refuses it).
import { resolve } from "node:path";
import { unsupportedFields } from "@runyard/executor";
import { formatProblem, loadWorkflowFile, RunyardError } from "@runyard/schema";
import type { Command } from "../command.js";
import { EXIT, UsageError } from "../errors.js";
import { paint } from "../output.js";

export const validateCommand: Command = {
  name: "validate",
  summary: "Check workflow files for errors without running them",
  usage: "runyard validate <workflow.yaml>...",
  help: `Parses each workflow file and reports every problem at once, as file:line:column,
with a suggestion where one is likely (unknown keys, misspelt step ids). Fields the format
accepts but this version does not run yet (if, foreach, timeout, retries) get a warning on
stderr: the file is valid, but 'runyard run' refuses it. Exit 0 when all files are valid, 3
when any is not.

Examples:
  runyard validate examples/hello.yaml
  runyard validate workflows/*.yaml`,
  options: {},
  async run(_values, positionals, context) {
    if (positionals.length === 0)
      throw new UsageError(
        "missing the workflow file",
        "usage: runyard validate <workflow.yaml>...",
      );
    const { output } = context;
    let invalid = 0;
    for (const file of positionals) {
      try {
        const workflow = await loadWorkflowFile(resolve(context.cwd, file));
        output.out(
          `${paint(output, "green", "ok")} ${file}: ${workflow.name}, ${workflow.steps.length} step${workflow.steps.length === 1 ? "" : "s"}\n`,
        );
        for (const field of unsupportedFields(workflow)) {
          output.err(`${paint(output, "yellow", "warning:")} ${formatProblem(file, field)}\n`);
        }
      } catch (error) {
        // A file that cannot be read (WorkflowReadError) or is invalid (WorkflowError, one
        // line per problem): either message already names the file.
        if (!(error instanceof RunyardError)) throw error;
        invalid += 1;
        output.err(`${error.message}\n`);
      }
    }
    return invalid === 0 ? EXIT.ok : EXIT.invalid;
  },
};
