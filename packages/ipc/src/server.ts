// The executor's side of ipc.sock: listens (mode 0600) in the run directory, greets clients,
// replays the durable timeline from any seq and then streams live events, without a gap or a
// duplicate, and routes cancel requests to the executor.
import { chmod, lstat, unlink } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { RunEvent } from "@runyard/protocol";
import { FILE_MODE, RunyardError } from "@runyard/schema";
import { SocketInUseError } from "./errors.js";
import { ServerConnection } from "./server-connection.js";
import type { IpcServer, IpcServerHandlers, IpcServerOptions } from "./server-types.js";
import { checkSocketPath } from "./socket-path.js";

const DEFAULT_MAX_QUEUE_BYTES = 8 * 1024 * 1024;

/** Whether something answers on `path`: true (live), false (a leftover of a dead process). */
function probeSocket(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(true); // Accepting slowly is still alive: never steal a live socket.
    }, 1000);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === "ECONNREFUSED" || error.code === "ENOENT") resolve(false);
      else reject(error);
    });
  });
}

/** Refuses a live socket; removes a stale one (it holds no data, only a dead name). */
async function claimSocketPath(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (!isSocket) throw new RunyardError("E_SOCKET_PATH", `${path} exists and is not a socket`);
  if (await probeSocket(path)) throw new SocketInUseError(path);
  await unlink(path);
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      reject(error.code === "EADDRINUSE" ? new SocketInUseError(path) : error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(path);
  });
}

export async function createIpcServer(
  socketPath: string,
  handlers: IpcServerHandlers,
  options: IpcServerOptions = {},
): Promise<IpcServer> {
  checkSocketPath(socketPath);
  await claimSocketPath(socketPath);
  const connections = new Set<ServerConnection>();
  const diagnostic = handlers.diagnostic ?? (() => undefined);
  const settings = {
    handlers,
    maxQueueBytes: options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES,
    diagnostic,
  };
  let closing = false;
  const server = createServer((socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    const connection = new ServerConnection(socket, settings);
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
  });
  server.on("error", (error) => diagnostic(`server: ${error.message}`));
  await listen(server, socketPath);
  // The run directory is 0700, so nobody else could reach the socket before this chmod.
  await chmod(socketPath, FILE_MODE);

  return {
    socketPath,
    get clientCount() {
      return connections.size;
    },
    publish(event: RunEvent) {
      for (const connection of connections) connection.deliver(event);
    },
    wantsOutput(stepId: string) {
      for (const connection of connections) if (connection.wantsOutput(stepId)) return true;
      return false;
    },
    async close(finalStatus, error) {
      if (closing) return;
      closing = true;
      // Node removes the socket file when the server closes; the name dies with the executor.
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      const timeoutMs = options.closeTimeoutMs ?? 2000;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      const all = [...connections];
      await Promise.race([
        Promise.all(
          all.map(async (connection) => {
            await connection.finish(finalStatus, error);
            await connection.closed;
          }),
        ),
        timeout,
      ]);
      clearTimeout(timer);
      for (const connection of connections) connection.destroy();
      await stopped;
    },
  };
}
