// `runyard gui`: serve the local web GUI on loopback until interrupted; Ctrl-C stops it at
// once (exit 0), open browser connections or not.
// Its help and flags only; the code is loaded when the command runs (commands/gui.ts).
import type { Command } from "../command.js";

export const guiCommand: Command = {
  name: "gui",
  summary: "Serve the local web GUI (loopback only, token-protected)",
  usage: "runyard gui [options]",
  help: `Starts a web server on 127.0.0.1 and prints the URL to open. The page lists the runs under
the runs root, offers to reconnect to the ones still running, failed or crashed, shows each
open run's steps live with their logs, starts workflows, and removes finished runs under its
cleanup policy (docs/gui.md). The URL carries a random access token: other users of a shared
login node can reach 127.0.0.1 too, and without the token they get nothing. Stop it with
Ctrl-C; the runs it shows go on.

From another machine, forward a port over ssh (any local port works) and open the printed URL
with localhost and that port: ssh -L 9000:localhost:8765 login01, then
http://localhost:9000/#token=…

Options:
  -p, --port <port>    Port to listen on (default: a free one)
      --listen <addr>  Address to listen on (default 127.0.0.1). One that is not loopback
                       exposes the server to the network (the token still guards it):
                       prefer an ssh port forward
      --runs-dir <dir> The runs root (default: $RUNYARD_RUNS_DIR, then runsDir in
                       ~/.runyard/config.yaml, then $RUNYARD_HOME/runs, then
                       ~/.runyard/runs)

Examples:
  runyard gui
  ssh -L 9000:localhost:8765 login01 runyard gui --port 8765`,
  options: {
    port: { type: "string", short: "p" },
    listen: { type: "string" },
    "runs-dir": { type: "string" },
  },
  load: async () => (await import("../commands/gui.js")).run,
};
