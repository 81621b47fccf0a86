// `runyard attach RUN`: the live view of `runyard run` for a run started earlier — from another
// terminal, after a dropped ssh session, or with `run --detach`. Ctrl-C leaves the view, never
// the run. A run that has ended is shown from its timeline, with the exit status of the run.
// Its help and flags only; the code is loaded when the command runs (commands/attach.ts).
import type { Command } from "../command.js";

export const attachCommand: Command = {
  name: "attach",
  summary: "Follow a run started earlier, live",
  usage: "runyard attach <run> [options]",
  help: `Shows a run as 'runyard run' does: everything that already happened, from its timeline,
then what happens live, until the run ends. RUN is a run id, its last characters (as 'runyard
ps' shows them) or 'latest'.

Ctrl-C leaves the view; the run goes on (cancel it with 'runyard cancel'). If the connection
to the executor drops, attach reconnects and goes on from the last event it showed. A run
started on another login node cannot be reached live from here: attach says so and follows
its files on the shared file system instead, every second — or, with --ssh, reaches it live
through 'ssh <host> runyard bridge' (see docs/login-node.md).

Options:
  -o, --output         Also print each step's output (live output only: what steps wrote
                       before you attached is in 'runyard logs')
  -q, --quiet          Print nothing but errors
      --events         Also print every event on stderr as a __RUNYARD_EVENT__ JSON line
      --ssh            For a run started on another login node: follow it live over ssh
                       ($RUNYARD_SSH, default ssh; $RUNYARD_REMOTE_CLI, default runyard)
      --runs-dir <dir> Where run directories are (default as for 'runyard run')

Exit status: the run's — 0 success, 1 failed or crashed, 130 cancelled — once it has ended;
130 when you leave with Ctrl-C while it goes on.

Examples:
  runyard attach latest
  runyard attach 5e0c41d2 --output`,
  options: {
    output: { type: "boolean", short: "o" },
    quiet: { type: "boolean", short: "q" },
    events: { type: "boolean" },
    ssh: { type: "boolean" },
    "runs-dir": { type: "string" },
  },
  load: async () => (await import("../commands/attach.js")).run,
};
