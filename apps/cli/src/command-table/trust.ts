// `runyard trust [DIR|FILE]`: lets a project's .runyard.yaml add hooks to the user's runs, by
// recording the SHA-256 of its bytes in trusted.json; --remove takes it back, --list shows
// them. Its help and flags only; the code is loaded when the command runs (commands/trust.ts).
import type { Command } from "../command.js";

export const trustCommand: Command = {
  name: "trust",
  summary: "Let a project's .runyard.yaml add hooks to your runs",
  usage: "runyard trust [<dir> | <file>] [--remove] [--list]",
  help: `Hooks run commands, as you, when something happens in a run (a step fails, the run
ends). Your own config (~/.runyard/config.yaml) may list them, and so may a project: a
.runyard.yaml beside its workflows, or in a directory above them up to the root of their
git repository. A project's hooks run only once you have trusted its .runyard.yaml — a
repository you just cloned cannot run anything on your behalf. Until then every run of its
workflows ignores the file and says so, once.

Trusting records the SHA-256 of the file as it is now in ~/.runyard/trusted.json
($RUNYARD_HOME/trusted.json when RUNYARD_HOME is set). When the file changes — you edit it,
a git pull brings a new one — it is untrusted again, until you read it and trust it anew.
So read it first: what its hooks run is what you are trusting. A file that is not valid is
refused, with the line and field of each problem, and nothing is trusted.

<dir> is where the workflows are (default: the current directory): the .runyard.yaml that
applies there is the one trusted, the nearest in <dir> or above it, up to the repository's
root (outside a repository, <dir> itself only). <file> names the .runyard.yaml itself.

Options:
      --remove         Take the trust back: the file's hooks no longer run. Works for a
                       file that is gone too (name it, or its directory)
      --list           List the project configs you trust, and for each whether it is
                       unchanged since, changed (its hooks do not run) or gone

Exit status: 0 done; 3 the file is not valid; 4 no .runyard.yaml where it was looked for.

Examples:
  cat .runyard.yaml && runyard trust
  runyard trust ~/src/pipeline/flows
  runyard trust --remove ~/src/pipeline
  runyard trust --list

The hooks and .runyard.yaml are described in docs/config.md.`,
  options: {
    remove: { type: "boolean" },
    list: { type: "boolean" },
  },
  load: async () => (await import("../commands/trust.js")).run,
};
