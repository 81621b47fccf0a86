// `runyard validate WORKFLOW...`: check workflow files without running them; every problem
// of every file, each with its line and column, and a warning for each thing the format
// accepts but this version cannot run yet (the field `foreach`, the slurm backend): the file
// is valid, but `runyard run` refuses it.
// Its help and flags only; the code is loaded when the command runs (commands/validate.ts).
import type { Command } from "../command.js";

export const validateCommand: Command = {
  name: "validate",
  summary: "Check workflow files for errors without running them",
  usage: "runyard validate <workflow.yaml>...",
  help: `Parses each workflow file and reports every problem at once, as file:line:column,
with a suggestion where one is likely (unknown keys, misspelt step ids). What the format
accepts but this version does not run yet (the field foreach; the slurm backend) gets a
warning on stderr: the file is valid, but 'runyard run' refuses it.
Exit 0 when all files are valid, 3 when any is not.

Options:
      --json           One JSON object per file on stdout (file, valid, errors and warnings
                       with their line and column; see docs/cli-json.md)

Examples:
  runyard validate examples/hello.yaml
  runyard validate workflows/*.yaml`,
  options: {
    json: { type: "boolean" },
  },
  load: async () => (await import("../commands/validate.js")).run,
};
