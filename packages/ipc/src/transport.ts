// How a client reaches a run's server: a Duplex byte stream per connection. A Unix socket in
// the run directory is the usual one; a child process's stdio (`runyard bridge` over ssh) is
// another. The client speaks the same protocol over either and reconnects by opening again.
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import { IpcConnectError, NoExecutorError } from "./errors.js";
import { checkSocketPath } from "./socket-path.js";

export interface IpcTransport {
  /** Where it leads, for messages: a socket path, or `host:path` over ssh. */
  readonly target: string;
  /**
   * Opens one connection. Rejects (or, when the failure only shows later, destroys the
   * stream) with NoExecutorError when nothing answers, another IpcConnectError otherwise.
   * Each call is a new connection: a client reconnects by calling it again.
   */
  open(signal?: AbortSignal): Promise<Duplex>;
}

/** ENOENT (no socket) and ECONNREFUSED (a socket nobody listens on): no executor. */
export function isNobodyListening(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ECONNREFUSED";
}

/** The error a client gets when connecting to `path` failed with `error`. */
export function socketConnectError(path: string, error: unknown): IpcConnectError {
  if (!isNobodyListening(error)) return new IpcConnectError(path, error);
  const code = (error as NodeJS.ErrnoException).code;
  return new NoExecutorError(path, error, {
    detail: code === "ENOENT" ? "no socket" : "nobody listens on the socket",
  });
}

/** Connects to a Unix socket; resolves once connected. */
export function openSocket(path: string, signal?: AbortSignal): Promise<Duplex> {
  checkSocketPath(path);
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const socket = connect(path);
    const onAbort = () => socket.destroy(signal?.reason as Error);
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => {
      signal?.removeEventListener("abort", onAbort);
      socket.off("error", onError);
      resolve(socket);
    });
    const onError = (error: Error) => {
      signal?.removeEventListener("abort", onAbort);
      reject(signal?.aborted ? signal.reason : socketConnectError(path, error));
    };
    socket.once("error", onError);
  });
}

/** A transport to the Unix socket at `path`, with no check of the host (see runTransport). */
export function socketTransport(path: string): IpcTransport {
  checkSocketPath(path);
  return { target: path, open: (signal) => openSocket(path, signal) };
}
