// `runyard send CHANNEL [FILE|-]`: from inside a step, a message on a channel of the run, kept
// as inbox/NNN-<channel>.txt; a later step reads it with `runyard receive`.
// Its help and flags only; the code is loaded when the command runs (commands/send.ts).
import type { Command } from "../command.js";

export const sendCommand: Command = {
  name: "send",
  summary: "From a step: send a message on a channel of the run",
  usage: "runyard send <channel> [file|-]",
  help: `For the commands of a workflow's steps. Sends the content of FILE (standard input
without one, or with -) on CHANNEL: the run's executor keeps it as inbox/NNN-<channel>.txt
in the run directory (NNN counts the run's messages: 001, 002, …; 0600, written once) and
records a message-send event in the timeline. A later step reads what was sent with
'runyard receive CHANNEL'. The bytes are kept as they are; at most 1 MiB.

CHANNEL follows the rule of step ids: letters, digits, _ . - , starting with a letter or
digit, at most 100 characters.

Exit status: 0 sent; 1 the executor refused or cannot be reached; 2 a usage error (a bad
channel name), or not run inside a step; 3 the message is larger than 1 MiB; 4 no such FILE.

Examples:
  echo "converged in 120 steps" | runyard send results
  runyard send mesh-report report.txt`,
  options: {},
  load: async () => (await import("../commands/send.js")).run,
};
