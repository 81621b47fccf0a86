// Errors of the IPC layer, each with a stable code the CLI can map.
import { RunyardError } from "@runyard/schema";

/** A Unix socket path longer than the kernel accepts (sun_path). */
export class SocketPathTooLongError extends RunyardError {
  readonly path: string;

  constructor(path: string, bytes: number, limit: number) {
    super(
      "E_SOCKET_PATH_TOO_LONG",
      `socket path is ${bytes} bytes, longer than the ${limit} a Unix socket allows: ${path}`,
      { hint: "choose a shorter runs root, e.g. RUNYARD_RUNS_DIR=~/.runyard/runs" },
    );
    this.path = path;
  }
}

/** Another live process already serves this socket. */
export class SocketInUseError extends RunyardError {
  constructor(path: string) {
    super("E_SOCKET_IN_USE", `a live executor already listens on ${path}`);
  }
}

/** The client could not reach the server: the run is not live, or never had a socket. */
export class IpcConnectError extends RunyardError {
  constructor(path: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const why =
      code === "ENOENT"
        ? "no socket (the run has ended or runs on another host)"
        : code === "ECONNREFUSED"
          ? "nobody listens (the executor has gone)"
          : String((cause as Error | undefined)?.message ?? cause);
    super("E_IPC_CONNECT", `cannot connect to ${path}: ${why}`, {
      cause,
      hint: "read the run directory instead: its files tell how the run stands",
    });
  }
}

/** The server answered with an error, or broke the protocol. */
export class IpcProtocolError extends RunyardError {}
