// `runyard cancel RUN [STEP]`: asks a run's executor to cancel the run (or one step), from any
// terminal — the answer says whether it was taken. --force kills at once; --wait waits for the
// run to end and exits with its status.
// Its help and flags only; the code is loaded when the command runs (commands/cancel.ts).
import type { Command } from "../command.js";

export const cancelCommand: Command = {
  name: "cancel",
  summary: "Cancel a running run, or one of its steps",
  usage: "runyard cancel <run> [step] [options]",
  help: `Asks the run's executor to cancel the run, as Ctrl-C in 'runyard run' does: nothing new
starts, and every running step gets SIGTERM, then SIGKILL after the grace period (5 s). With
a STEP, only that step is cancelled; the steps that need it are skipped. The executor answers
at once, and this command says whether the cancel was taken; the run then ends on its own.
A crashed run has no executor to ask: its Slurm jobs that went on without it (runyard ps
says so) are cancelled with scancel, and the run stays crashed.

RUN is a run id, its last characters (as 'runyard ps' shows them) or 'latest'.

Options:
  -f, --force          Kill at once (SIGKILL to every process of the run or step), no grace
                       period; also when a cancel is already under way
  -w, --wait           Wait for the run to end, and exit with its status
      --reason <text>  Why, for the run's timeline (default: "cancelled with runyard cancel")
      --ssh            For a run started on another login node: reach its executor through
                       'ssh <host> runyard bridge' (see docs/login-node.md)
      --runs-dir <dir> Where run directories are (default as for 'runyard run')

Exit status: 0 the cancel was taken (with --wait: the run has ended, cancelled or, if it
finished first, successfully); 1 it was refused (the run or step has already ended, a cancel
is already under way), the executor does not answer, or (with --wait) the run ended failed;
4 no such run; 130 --wait was interrupted (the cancel stands).

Examples:
  runyard cancel latest
  runyard cancel 5e0c41d2 align --force
  runyard cancel latest --wait`,
  options: {
    force: { type: "boolean", short: "f" },
    wait: { type: "boolean", short: "w" },
    reason: { type: "string" },
    ssh: { type: "boolean" },
    "runs-dir": { type: "string" },
  },
  load: async () => (await import("../commands/cancel.js")).run,
};
