// `runyard logs RUN [STEP]`: print what a run's steps wrote, from the capture files, byte for
// byte; with -f, follow them while the run (or the step) goes on.
// Its help and flags only; the code is loaded when the command runs (commands/logs.ts).
import type { Command } from "../command.js";

export const logsCommand: Command = {
  name: "logs",
  summary: "Print what a run's steps wrote to stdout and stderr; -f follows",
  usage: "runyard logs <run> [step] [options]",
  help: `Prints the capture files of a run (every attempt of every step, in the order they
started), each under a header, byte for byte. <run> is a run id, a unique prefix or suffix of
one (the last 8 characters are random, the first are the start time), or 'latest'.
Given a foreach step, prints every instance's captures; given one instance, quote its
id for the shell: runyard logs latest 'mesh[fine]'.

With -f, prints what is there, then what the steps write as they write it, as 'tail -f'
does (a header whenever the output switches file; new steps and attempts join as they
start), and stops once the run has ended, or, given a step, once that step has ended, after
the last bytes. Ctrl-C stops following; the run goes on. It reads only the files, so it
also follows a run started on another login node that shares the file system.

Options:
  -f, --follow         Follow the captures until the run (or the step) ends
      --stdout         Only stdout captures
      --stderr         Only stderr captures
      --runs-dir <dir> The runs root (default: $RUNYARD_RUNS_DIR, then runsDir in
                       ~/.runyard/config.yaml, then $RUNYARD_HOME/runs, then
                       ~/.runyard/runs)

No --json: the output is the steps' own bytes; 'runyard show <run> --json' lists the capture
files with their paths and sizes.

Examples:
  runyard logs latest
  runyard logs 5e0c41d2 build --stderr
  runyard logs -f latest build
  runyard logs latest 'mesh[coarse]'`,
  options: {
    follow: { type: "boolean", short: "f" },
    stdout: { type: "boolean" },
    stderr: { type: "boolean" },
    "runs-dir": { type: "string" },
  },
  load: async () => (await import("../commands/logs.js")).run,
};
