// `runyard bridge RUNDIR`: relays a run's ipc.sock over stdin and stdout, bytes both ways, so
// a client on another login node can follow and cancel the run through
// `ssh <host> runyard bridge <dir>` (@runyard/ipc's sshTransport). Internal: people do not
// type it. It ends when either side closes; when no executor answers it exits with
// BRIDGE_NO_EXECUTOR_STATUS, which the client's side turns back into NoExecutorError.
// Its help and flags only; the code is loaded when the command runs (commands/bridge.ts).
import type { Command } from "../command.js";

export const bridgeCommand: Command = {
  name: "bridge",
  summary: "Relay a run's ipc.sock over stdin/stdout (internal, used over ssh)",
  usage: "runyard bridge <run-directory>",
  help: `Internal: runyard runs this on the login node of a run started there, through
'ssh <host> runyard bridge <run-directory>', to follow and cancel the run from another
node. It connects to <run-directory>/ipc.sock and relays bytes both ways between the socket
and stdin/stdout until either side closes. Nothing else is written to stdout.

Exit status: 0 when a side closed; 69 when no executor answers (the run has finished or
crashed); otherwise an error is printed on stderr. A run started on another host is refused,
naming that host.

The client side reads RUNYARD_SSH (the ssh command, default "ssh") and RUNYARD_REMOTE_CLI
(how the remote shell runs runyard, default "runyard"); see docs/protocol.md.

Example:
  ssh login02 runyard bridge ~/.runyard/runs/019ab3c2-3d4e-7f00-8a00-3841a144abec`,
  options: {},
  load: async () => (await import("../commands/bridge.js")).run,
};
