// `runyard log [--warn|--error] MESSAGE...`: from inside a step, a line in the run's timeline
// (a `log` event), shown live by `runyard run` and `attach`.
// Its help and flags only; the code is loaded when the command runs (commands/log.ts).
import type { Command } from "../command.js";

export const logCommand: Command = {
  name: "log",
  summary: "From a step: write a message into the run's timeline",
  usage: "runyard log [--warn|--error] <message>...",
  help: `For the commands of a workflow's steps. Records MESSAGE (the arguments, joined by
spaces) as a log event in the run's timeline (run_summary.jsonl), with the step's id;
'runyard run' and 'runyard attach' show it live, prefixed by the step's id. The executor
writes it: the command asks it through the run's socket ($RUNYARD_SOCKET) and returns once
the event is recorded. At most 64 KiB.

Options:
      --warn    Level warn (default info)
      --error   Level error

Exit status: 0 recorded; 1 the executor refused or cannot be reached (the message says
which); 2 a usage error, or not run inside a step ($RUNYARD_SOCKET unset).

Examples:
  runyard log "mesh has $cells cells"
  runyard log --warn "3 skewed cells"`,
  options: {
    warn: { type: "boolean" },
    error: { type: "boolean" },
  },
  load: async () => (await import("../commands/log.js")).run,
};
