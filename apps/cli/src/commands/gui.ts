// `runyard gui`: serve the local web GUI on loopback until interrupted; Ctrl-C stops it at
// once (exit 0), open browser connections or not.
import { startGuiServer } from "@runyard/gui";
import { RunyardError } from "@runyard/schema";
import type { Command } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { tildify } from "../output.js";
import { runsRootFor } from "../runs-root.js";

/** A port that cannot be listened on, said as a choice the user can change. */
function explainListenFailure(error: unknown, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE") {
    return new RunyardError("E_PORT_IN_USE", `port ${port} is in use`, {
      cause: error,
      hint: "choose another with --port or leave it out",
    });
  }
  if (code === "EACCES" || code === "EPERM") {
    return new RunyardError("E_PORT_DENIED", `cannot listen on port ${port}: permission denied`, {
      cause: error,
      hint: "ports below 1024 need privileges; choose another with --port or leave it out",
    });
  }
  return error;
}

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
  async run(values, positionals, context) {
    refuseExtraArguments(positionals, "runyard gui [options]");
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port expects a port number, got "${values.port}"`);
    const runsRoot = await runsRootFor(values, context);
    let gui: Awaited<ReturnType<typeof startGuiServer>>;
    try {
      gui = await startGuiServer({ runsRoot, port });
    } catch (error) {
      throw explainListenFailure(error, port);
    }
    context.output.out(`${gui.url}\n`);
    context.output.err(
      `runyard gui: serving runs from ${tildify(runsRoot)}; open the URL above (Ctrl-C stops)\n`,
    );
    await new Promise<void>((resolvePromise) => {
      if (context.signal.aborted) resolvePromise();
      else context.signal.addEventListener("abort", () => resolvePromise(), { once: true });
    });
    // close() ends every connection at once, idle keep-alive ones (an open browser tab)
    // included: waiting for them to time out would keep Ctrl-C from stopping the server.
    await gui.close();
    context.output.err("runyard gui: stopped\n");
    return EXIT.ok;
  },
};
