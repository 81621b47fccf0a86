// `runyard gui`: serve the local web GUI on loopback until interrupted; Ctrl-C stops it at
// once (exit 0), open browser connections or not.
import { isLoopbackBind, startGuiServer } from "@runyard/gui";
import { RunyardError } from "@runyard/schema";
import type { CommandRun } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { tildify } from "../output.js";
import { runsRootFor } from "../runs-root.js";
import { guiClientDirectory, stepBinDirectory } from "../step-bin.js";

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

/** `runyard gui`, once its flags are parsed (its help and flags: command-table/gui.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  refuseExtraArguments(positionals, "runyard gui [options]");
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port expects a port number, got "${values.port}"`);
  const listen = values.listen === undefined ? undefined : String(values.listen);
  if (listen !== undefined && !/^[0-9a-zA-Z.:-]+$/.test(listen))
    throw new UsageError(`--listen expects an IP address or a host name, got "${listen}"`);
  const runsRoot = await runsRootFor(values, context);
  if (listen !== undefined && !isLoopbackBind(listen)) {
    context.output.err(
      `runyard gui: warning: listening on ${listen}, not a loopback address: anyone who can reach it may try the token, and it travels unencrypted; prefer an ssh port forward to localhost\n`,
    );
  }
  let gui: Awaited<ReturnType<typeof startGuiServer>>;
  try {
    const binDirectory = stepBinDirectory();
    const clientDirectory = guiClientDirectory();
    gui = await startGuiServer({
      runsRoot,
      port,
      env: context.env,
      ...(binDirectory === undefined ? {} : { binDirectory }),
      ...(clientDirectory === undefined ? {} : { clientDirectory }),
      ...(listen === undefined ? {} : { host: listen, allowNonLoopback: true }),
    });
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
};
