// `runyard bridge RUNDIR`: relays a run's ipc.sock over stdin and stdout, bytes both ways, so
// a client on another login node can follow and cancel the run through
// `ssh <host> runyard bridge <dir>` (@runyard/ipc's sshTransport). Internal: people do not
// type it. It ends when either side closes; when no executor answers it exits with
// BRIDGE_NO_EXECUTOR_STATUS, which the client's side turns back into NoExecutorError.
import { resolve } from "node:path";
import type { Duplex, Readable } from "node:stream";
import type { CommandRun } from "../command.js";
import { EXIT, UsageError } from "../errors.js";
import { type Output, paint } from "../output.js";

/** Copies `socket` to `output` and `input` to `socket` until either side ends. */
function relay(
  socket: Duplex,
  input: Readable,
  output: NodeJS.WritableStream,
  signal: AbortSignal,
  report: (message: string) => void,
): Promise<number> {
  return new Promise((resolvePromise) => {
    let status: number = EXIT.ok;
    socket.on("data", (chunk: Buffer) => {
      if (output.write(chunk)) return;
      socket.pause();
      output.once("drain", () => socket.resume());
    });
    socket.on("error", (error) => {
      report(`lost the connection to the executor: ${error.message}`);
      status = EXIT.io;
    });
    // The client went away: say so to the executor, and do not wait long for its side.
    const inputEnded = () => {
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    input.once("end", inputEnded);
    input.once("close", inputEnded);
    input.pipe(socket, { end: false });
    const onAbort = () => socket.destroy();
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("close", () => {
      signal.removeEventListener("abort", onAbort);
      input.unpipe(socket);
      // Nothing more will be relayed; an open stdin would keep the process alive.
      input.destroy();
      resolvePromise(status);
    });
  });
}

function reportTo(output: Output): (message: string) => void {
  return (message) => output.err(`${paint(output, "red", "error:")} ${message}\n`);
}

/** `runyard bridge`, once its flags are parsed (its help and flags: command-table/bridge.ts). */
export const run: CommandRun = async (_values, positionals, context) => {
  const [directory, ...extra] = positionals;
  if (directory === undefined || extra.length > 0) {
    throw new UsageError(
      directory === undefined ? "missing the run directory" : `unexpected argument "${extra[0]}"`,
      `usage: ${context.command.usage}`,
    );
  }
  const ipc = await import("@runyard/ipc/client");
  const report = reportTo(context.output);
  let socket: Duplex;
  try {
    const transport = ipc.runTransport(resolve(context.cwd, directory), { env: context.env });
    socket = await transport.open(context.signal);
  } catch (error) {
    if (!(error instanceof ipc.NoExecutorError)) throw error;
    report(error.message);
    return ipc.BRIDGE_NO_EXECUTOR_STATUS;
  }
  const stdout = context.output.stdout ?? process.stdout;
  return relay(socket, process.stdin, stdout, context.signal, report);
};
