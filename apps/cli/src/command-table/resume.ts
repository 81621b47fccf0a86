// `runyard resume RUN`: a failed, cancelled or crashed run goes on in its own directory, with
// what completed kept. Its help and flags only; the code is loaded when the command runs
// (commands/resume.ts).
import type { Command } from "../command.js";

export const resumeCommand: Command = {
  name: "resume",
  summary: "Continue a failed, cancelled or crashed run where it stopped",
  usage: "runyard resume <run> [options]",
  help: `Continues a run that failed, was cancelled or crashed, in the same run directory: steps
that completed (and the outputs they set) are kept; every other step runs again, as a new
attempt with new capture files, once its needs allow. A foreach step runs again over the
items it had (its item file is not read again), and only its instances that did not complete
run. The run's timeline goes on after a run-resume event; meta.json lists every resume.

The workflow is the run's own copy (workflow.yaml in the run directory), with the params and
environment the run started with: fix what made a step fail outside the workflow (a file, a
module, a quota), or start a new run with 'runyard rerun' or 'runyard run'.

A run that is still running, or that succeeded, is refused; so is a run that another
'runyard resume' holds (run.lock in its directory). A crashed run's leftover processes are
stopped first. A run started on another login node is resumed there.

RUN is a run id, its last characters (as 'runyard ps' shows them) or 'latest'. Then it is
watched as 'runyard run' watches a run, from the resume on.

Options:
  -d, --detach               Resume it and return at once (prints the run id)
  -o, --output               Also print each step's output
  -q, --quiet                Print nothing but errors
      --events               Also print every event on stderr as a __RUNYARD_EVENT__ JSON line
  -j, --max-parallel <n>     Steps running at once here (default: as the run had)
      --max-slurm-jobs <n>   Slurm jobs queued or running at once (default: as the run had)
      --json                 Print the outcome as JSON on stdout (as 'runyard run --json')
      --runs-dir <dir>       Where run directories are (default as for 'runyard run')

Exit status: as 'runyard run' — 0 success, 1 failed, 130 cancelled; 1 when the run cannot be
resumed (running, succeeded, locked, damaged: the error says why), 3 when its workflow copy
is invalid, 4 when it is missing, 2 for a usage error.

Examples:
  runyard resume latest
  runyard resume 5e0c41d2 --output
  runyard resume 5e0c41d2 --detach`,
  options: {
    detach: { type: "boolean", short: "d" },
    output: { type: "boolean", short: "o" },
    quiet: { type: "boolean", short: "q" },
    events: { type: "boolean" },
    "max-parallel": { type: "string", short: "j" },
    "max-slurm-jobs": { type: "string" },
    json: { type: "boolean" },
    "runs-dir": { type: "string" },
  },
  load: async () => (await import("../commands/resume.js")).run,
};
