// `runyard ps`: the runs under the runs root, newest first, with what each is doing now and
// why it ended. Only the run directories shown are read (with --state, only until enough
// match); what is wrong with a run is said, not hidden.
// Its help and flags only; the code is loaded when the command runs (commands/ps.ts).
import type { Command } from "../command.js";

export const psCommand: Command = {
  name: "ps",
  aliases: ["list", "ls"],
  summary: "List runs, newest first, with their state",
  usage: "runyard ps [options]",
  help: `Lists the run directories under the runs root with their state: running, success, failed,
cancelled, crashed (the executor is gone but never wrote a final status) or unknown (started on
another host and no heartbeat to judge it by), and why each ended. ID is the run id's last 8
characters, which every command takes. A host marked * is not this one: such a run is judged
by its heartbeat, and its live updates reach only that host. A crashed run's duration stops at
its last sign of life. Only the runs shown are read. What is wrong with a run (an unreadable
status.json, a run directory written by a newer Runyard) is printed as a warning on stderr.
A state marked ! (success!) has a damaged timeline: run_summary.jsonl has lines the executor
did not write, or lacks some; 'runyard show' names the first.

Options:
  -n, --limit <n>      Show at most n runs (default 20; 0 shows all)
  -s, --state <state>  Only runs in this state: running, success, failed, cancelled, crashed, unknown;
                       repeat it or separate states with commas
      --runs-dir <dir> The runs root (default: $RUNYARD_RUNS_DIR, then runsDir in
                       ~/.runyard/config.yaml, then $RUNYARD_HOME/runs, then
                       ~/.runyard/runs)
      --json           One JSON object per run on stdout (runId, shortId, state, reason,
                       durationMs, ...; see docs/cli-json.md); a run that cannot be read has
                       state "unreadable" and an error

Examples:
  runyard ps
  runyard ps --state failed,crashed -n 5
  runyard ps -n 0 --json | jq 'select(.state == "failed") | .runId'`,
  options: {
    limit: { type: "string", short: "n" },
    state: { type: "string", short: "s", multiple: true },
    "runs-dir": { type: "string" },
    json: { type: "boolean" },
  },
  load: async () => (await import("../commands/ps.js")).run,
};
