// `runyard completion bash|zsh` and the hidden `runyard __complete runs` it calls: their help
// and flags only; the code is loaded when they run (commands/completion.ts).
import type { Command } from "../command.js";

export const completionCommand: Command = {
  name: "completion",
  summary: "Print a shell completion script (bash or zsh)",
  usage: "runyard completion <bash|zsh>",
  help: `Prints a script that completes runyard's commands, flags, workflow files and run ids
(the last characters 'runyard ps' shows, and 'latest').

Examples:
  source <(runyard completion bash)          # this shell only
  runyard completion bash > ~/.local/share/bash-completion/completions/runyard
  runyard completion zsh > "\${fpath[1]}/_runyard"`,
  options: {},
  load: async () => (await import("../commands/completion.js")).run,
};

export const completeCommand: Command = {
  name: "__complete",
  hidden: true,
  summary: "Candidates for shell completion (internal)",
  usage: "runyard __complete runs",
  help: "Used by the scripts 'runyard completion' prints; not for people.",
  options: { "runs-dir": { type: "string" } },
  load: async () => (await import("../commands/completion.js")).runComplete,
};
