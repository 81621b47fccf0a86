// `runyard artifact save FILE [NAME]`: from inside a step, a copy of FILE published under
// artifacts/ of the run, recorded as an artifact-save event.
// Its help and flags only; the code is loaded when the command runs (commands/artifact.ts).
import type { Command } from "../command.js";

export const artifactCommand: Command = {
  name: "artifact",
  summary: "From a step: save a file as an artifact of the run",
  usage: "runyard artifact save <file> [name]",
  help: `For the commands of a workflow's steps. Copies FILE into the run directory's
artifacts/ as NAME (default: FILE's own name), 0600 and fsynced, and records an
artifact-save event (its name, its size, the step) in the timeline. The copy is published
by the run's executor, which never replaces an artifact: a NAME already taken is an error
(save under another NAME, e.g. with $RUNYARD_STEP_ATTEMPT in it).

NAME is a file name: no /, not . or .., not starting with a dot, no control characters,
at most 255 bytes. FILE must be a regular file (a symbolic link to one is fine).

Exit status: 0 saved; 1 the executor refused (NAME taken) or cannot be reached; 2 a usage
error (a bad NAME), or not run inside a step; 3 FILE is not a regular file; 4 no such FILE.

Examples:
  runyard artifact save results/quality.csv
  runyard artifact save log.txt "solver-attempt-$RUNYARD_STEP_ATTEMPT.txt"`,
  options: {},
  load: async () => (await import("../commands/artifact.js")).run,
};
