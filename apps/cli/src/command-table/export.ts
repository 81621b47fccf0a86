// `runyard export --bash WORKFLOW`: the workflow as a standalone bash script that runs it as
// `runyard run` would, without Runyard. Its help and flags only; the code is loaded when the
// command runs (commands/export.ts, bash-export/).
import type { Command } from "../command.js";

export const exportCommand: Command = {
  name: "export",
  summary: "Write a workflow as a standalone bash script",
  usage:
    "runyard export --bash <workflow.yaml> [-p name=value]... [--params-file <file>] [-o <file>]",
  help: `Checks the workflow as 'runyard run' does (the file, what this version can run, every
param's value) and writes a bash script that runs it without Runyard: bash 4 or newer and
the usual tools (env, mkfifo, mktemp; setsid and pkill where there are) are all it needs.
It runs the same DAG as 'runyard run': the same order and parallelism (-j), 'if'
conditions and skipped steps, foreach loops with their parallel limit (an item file is
read when its step is due), outputs passed downstream, timeouts that stop the step's whole
session, retries with their delay, the return value on stdout, and the same exit status.

The params are fixed in the script: give them here as you would to 'runyard run'. The
script keeps each attempt's stdout and stderr in a directory of its own, with artifacts/
and inbox/; 'runyard log', 'send', 'receive' and 'artifact save' in a step work there
without an executor. What does not carry over (live events, the run directory's JSON
files, attach, cancel of one step): docs/workflow.md, "Exporting to bash".

Options:
      --bash           Write a bash script (the one format so far; required)
  -p, --param <name=value>
                       Set a workflow param (repeatable), as for runyard run
      --params-file <file>
                       Take param values from a YAML or JSON file; -p wins over it
  -o, --output <file>  Write the script to this file (made executable) instead of stdout

Run the script with --help for its own options (-j, --dir, --output, --quiet).

Exit 0 with the script written, 2 for a param problem, 3 when the workflow is not valid
or has a step this version cannot run, 4 when a file is missing.

Examples:
  runyard export --bash examples/hello.yaml -o hello.sh && ./hello.sh
  runyard export --bash sim.yaml --params-file cavity.yaml -p mesh=fine > sim.sh
  ssh cluster bash -s < sim.sh`,
  options: {
    bash: { type: "boolean" },
    param: { type: "string", short: "p", multiple: true },
    "params-file": { type: "string" },
    output: { type: "string", short: "o" },
  },
  load: async () => (await import("../commands/export.js")).run,
};
