// `runyard run WORKFLOW`: start a run (a detached executor, see launchRun) and watch it live
// over ipc.sock, or with --detach just start it. Exit 0 on success, 1 when a step failed, 130
// when cancelled. Closing the terminal ends only this view: the run goes on.
// Its help and flags only; the code is loaded when the command runs (commands/run.ts).
import type { Command } from "../command.js";

export const runCommand: Command = {
  name: "run",
  summary: "Run a workflow and watch it live",
  usage: "runyard run <workflow.yaml> [options]",
  help: `Starts the workflow as a run of its own — an executor process that outlives this
terminal — and shows its progress live. Every step runs as a real process, in dependency
order; the run directory keeps the workflow copy, meta.json, status.json, each step's
stdout/stderr captures and the event timeline (run_summary.jsonl).

Ctrl-C cancels the run (a second Ctrl-C kills its steps at once). Closing the terminal or
losing the ssh session does not: the run goes on, and 'runyard attach' shows it again.

Options:
  -d, --detach         Start the run and return at once, printing its id (and, on
                       stderr, how to attach); with --json, the id, directory and pid
      --runs-dir <dir> Where run directories go (default: $RUNYARD_RUNS_DIR, then runsDir
                       in ~/.runyard/config.yaml, then $RUNYARD_HOME/runs, then
                       ~/.runyard/runs)
  -p, --param <name=value>
                       Set a workflow param (repeatable); params without a default
                       must be given. Steps see each as an environment variable
      --params-file <file>
                       Take param values from a YAML or JSON file of name: value
                       lines; -p given on the command line wins over the file
      --dry-run        Check everything a run would (the workflow, every param's value)
                       and print the plan: each param's value and where it came from,
                       the steps in the order they can start. Starts and creates nothing
  -o, --output         Also print each step's output, prefixed with the step id. When
                       the terminal falls behind, some is left out (and said so): the
                       run never waits for it, and runyard logs has all of it
  -j, --max-parallel <n>
                       Run at most n steps at once here (default: the number of CPUs)
      --max-slurm-jobs <n>
                       Have at most n Slurm jobs queued or running at once (default 100);
                       Slurm steps do not count in --max-parallel
  -q, --quiet          Print nothing but errors
      --events         Also print every event on stderr as a __RUNYARD_EVENT__ JSON line
                       (step-output ones are left out while stderr's reader is behind)
      --json           Print the run's id, directory and final status as JSON on stdout
                       (with --detach: its id, directory and the executor's pid; with
                       --dry-run: the plan, see docs/cli-json.md)

Steps start with the environment of this shell (load modules first), in the working
directory the workflow names (default: the workflow file's directory).

A param's value must fit its type and choices (docs/workflow.md#params): every problem
is reported before anything starts.

The hooks of your config (~/.runyard/config.yaml), and those of the workflow's project
config (.runyard.yaml) once you have trusted it ('runyard trust'), run on the run's events,
each with the event's JSON on stdin; a hook that fails is a warning, never the run's failure
(docs/config.md).

Exit status: 0 success, 1 a step failed or the executor died, 130 cancelled;
with --detach, 0 once the run has started; with --dry-run, 0 when the run could start.
2 for a param problem, 3 for an invalid workflow, whatever the options.

Examples:
  runyard run examples/hello.yaml
  runyard run pipeline.yaml --output --max-parallel 4
  runyard run align.yaml -p sample=NA12878 -p threads=8
  runyard run sim.yaml --params-file cavity.yaml -p mesh=fine
  runyard run sim.yaml --params-file cavity.yaml --dry-run
  runyard run -d long.yaml && runyard attach latest`,
  options: {
    detach: { type: "boolean", short: "d" },
    "runs-dir": { type: "string" },
    param: { type: "string", short: "p", multiple: true },
    "params-file": { type: "string" },
    "dry-run": { type: "boolean" },
    output: { type: "boolean", short: "o" },
    "max-parallel": { type: "string", short: "j" },
    "max-slurm-jobs": { type: "string" },
    quiet: { type: "boolean", short: "q" },
    events: { type: "boolean" },
    json: { type: "boolean" },
  },
  load: async () => (await import("../commands/run.js")).run,
};
