// `runyard rerun RUN`: a new run of the workflow copy an earlier run kept, with its params (and
// any given now over them), in the original workflow's directory; watched as `runyard run`.
// Its help and flags only; the code is loaded when the command runs (commands/rerun.ts).
import type { Command } from "../command.js";
import { runCommand } from "./run.js";

export const rerunCommand: Command = {
  name: "rerun",
  summary: "Run an earlier run's workflow again, with its params",
  usage: "runyard rerun <run> [options]",
  help: `Starts a new run of the workflow an earlier run ran: the copy in its run directory
(workflow.yaml), byte for byte, so an edit to the workflow file since — or its removal —
changes nothing. The steps run where that run's did: relative cwds resolve against the
directory of its workflow file, as they did then. The new run gets the params the earlier
one was given (-p and --params-file here win over them); defaults are the copy's. It is
a run like any other, watched as 'runyard run' watches one, and meta.json records which
run it repeats (rerunOf; 'runyard show' says "rerun of …").

<run> is a run id, a unique prefix or suffix of one (the last 8 characters, as 'runyard
ps' shows them), or 'latest'. The run may have ended in any state, or still be running.

Steps start with the environment of this shell, as with 'runyard run' (not the earlier
run's).

Options:
  -p, --param <name=value>
                       Set a workflow param over the earlier run's value (repeatable)
      --params-file <file>
                       Take param values from a YAML or JSON file, over the earlier
                       run's; -p given on the command line wins over the file
      --workflow-dir <dir>
                       Run the copy as if its file were in <dir>: relative cwds resolve
                       against it. Needed when the original directory is gone
      --dry-run        Check everything and print the plan (each param's value and where
                       it came from: the earlier run, the file, -p or the default)
  -d, --detach         Start the run and return at once, printing its id
      --runs-dir <dir> Where runs are: the earlier one is looked up here and the new one
                       made here (default: as for 'runyard run')
  -o, --output         Also print each step's output, prefixed with the step id
  -j, --max-parallel <n>
                       Run at most n steps at once here (default: the number of CPUs)
      --max-slurm-jobs <n>
                       Have at most n Slurm jobs queued or running at once (default 100)
  -q, --quiet          Print nothing but errors
      --events         Also print every event on stderr as a __RUNYARD_EVENT__ JSON line
      --json           Print the new run's id, directory and final status as JSON, as
                       'runyard run --json' does (see docs/cli-json.md)

Exit status: as 'runyard run'; 4 when the run is not found, has no workflow copy, or
its workflow directory is gone (give --workflow-dir).

Examples:
  runyard rerun latest
  runyard rerun 5e0c41d2 -p mesh=fine --output
  runyard rerun 5e0c41d2 --dry-run
  runyard rerun 5e0c41d2 --workflow-dir ~/flows/cavity -d`,
  options: {
    ...runCommand.options,
    "workflow-dir": { type: "string" },
  },
  load: async () => (await import("../commands/rerun.js")).run,
};
