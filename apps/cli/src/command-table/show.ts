// `runyard show RUN`: one run in full — who started it where and when, its state and why it
// ended, its params, a table of its steps with their capture files, and where its directory is.
// Its help and flags only; the code is loaded when the command runs (commands/show.ts).
import type { Command } from "../command.js";

export const showCommand: Command = {
  name: "show",
  summary: "Show one run: its state and why it ended, its steps, its files",
  usage: "runyard show <run> [options]",
  help: `Shows a run: its workflow, who started it where and when, its state and why it ended
(the failed step and its exit code, the cancel's reason, why it is judged crashed), its
params, a table of its steps (status, attempt, exit code or signal, duration, capture files
and their sizes) and where its run directory is. <run> is a run id, a unique prefix or
suffix of one (the last 8 characters, as 'runyard ps' shows them), or 'latest'. Every line
of the run's timeline (run_summary.jsonl) is checked; a damaged one is named.

Options:
      --runs-dir <dir> The runs root (default: $RUNYARD_RUNS_DIR, then runsDir in
                       ~/.runyard/config.yaml, then $RUNYARD_HOME/runs, then
                       ~/.runyard/runs)
      --json           The run as one JSON object (see docs/cli-json.md)

Examples:
  runyard show latest
  runyard show 5e0c41d2 --json | jq '.steps[] | select(.status == "failed") | .captures'`,
  options: {
    "runs-dir": { type: "string" },
    json: { type: "boolean" },
  },
  load: async () => (await import("../commands/show.js")).run,
};
