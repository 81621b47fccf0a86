// `runyard gui`: serve the local web GUI on loopback until interrupted; Ctrl-C stops it at
// once (exit 0), open browser connections or not.
// Its help and flags only; the code is loaded when the command runs (commands/gui.ts).
import type { Command } from "../command.js";

export const guiCommand: Command = {
  name: "gui",
  summary: "Serve the local web GUI (loopback only, token-protected)",
  usage: "runyard gui [options]",
  help: `Starts a web server on 127.0.0.1 that lists the runs under the runs root, and prints the
URL to open. The URL carries a random access token: other users of a shared login node can
reach 127.0.0.1 too, and without the token they get nothing. Stop it with Ctrl-C.

Options:
  -p, --port <port>    Port to listen on (default: a free one)
      --runs-dir <dir> The runs root (default: $RUNYARD_RUNS_DIR, then runsDir in
                       ~/.runyard/config.yaml, then $RUNYARD_HOME/runs, then
                       ~/.runyard/runs)

Examples:
  runyard gui
  ssh -L 8080:127.0.0.1:8080 login01 runyard gui --port 8080`,
  options: {
    port: { type: "string", short: "p" },
    "runs-dir": { type: "string" },
  },
  load: async () => (await import("../commands/gui.js")).run,
};
