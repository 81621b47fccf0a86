// `runyard du`: how much disk each run takes, largest first, and the runs root in total — what
// a user looks at before choosing what to remove (`runyard rm`) or how to set the policy.
// Its help and flags only; the code is loaded when the command runs (commands/du.ts).
import type { Command } from "../command.js";

export const duCommand: Command = {
  name: "du",
  summary: "Show the disk space each run takes, largest first, and the total",
  usage: "runyard du [options]",
  help: `Measures every run directory under the runs root as du does (the blocks its files take,
each hard-linked file once; a symbolic link counts as the link, never what it points to) and
lists the runs largest first, with the total. Removals an earlier rm or gc did not finish,
and launches abandoned an hour or more ago, are counted in the total too.

Options:
  -n, --limit <n>      List at most n runs (default 20; 0 lists all); the total counts all
      --runs-dir <dir> The runs root (default: $RUNYARD_RUNS_DIR, then runsDir in
                       ~/.runyard/config.yaml, then $RUNYARD_HOME/runs, then
                       ~/.runyard/runs)
      --json           Every run and the total as one JSON object (runyard's DuResultJsonSchema)

Examples:
  runyard du
  runyard du --json | jq '.runs[] | select(.state == "failed") | .bytes'`,
  options: {
    limit: { type: "string", short: "n" },
    "runs-dir": { type: "string" },
    json: { type: "boolean" },
  },
  load: async () => (await import("../commands/du.js")).run,
};
