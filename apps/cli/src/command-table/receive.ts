// `runyard receive CHANNEL [--last]`: from inside a step, the messages sent on a channel of the
// run so far, in order (inbox/NNN-<channel>.txt).
// Its help and flags only; the code is loaded when the command runs (commands/receive.ts).
import type { Command } from "../command.js";

export const receiveCommand: Command = {
  name: "receive",
  summary: "From a step: print the messages sent on a channel so far",
  usage: "runyard receive <channel> [--last]",
  help: `For the commands of a workflow's steps. Prints every message sent on CHANNEL in this
run so far ('runyard send'), oldest first, each exactly as sent; a newline is added after a
message that does not end with one, so that two never run together. It reads the run's
inbox ($RUNYARD_INBOX_DIR) directly: a message is there once its 'runyard send' returned.
Use 'needs:' so that the sending step has ended before this one starts.

Options:
      --last    Only the latest message, exactly as sent (no newline added)

Exit status: 0 (also when nothing was sent: nothing is printed); 1 with --last, when nothing
was sent on CHANNEL yet; 2 a usage error, or not run inside a step.

Examples:
  runyard receive results
  summary=$(runyard receive results --last)`,
  options: {
    last: { type: "boolean" },
  },
  load: async () => (await import("../commands/receive.js")).run,
};
