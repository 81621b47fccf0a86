// The executor's side of ipc.sock: listens (mode 0600) in the run directory, greets clients,
// replays the durable timeline from any seq and then streams live events, without a gap or a
// duplicate, and routes cancel requests to the executor. Nothing a client does may kill or
// wedge the executor: connections are limited in number, in silence before hello, in the
// messages they send and in how far they fall behind (server-connection.ts).
import { chmod, lstat, unlink } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { RunEvent } from "@runyard/protocol";
import { FILE_MODE, RunyardError } from "@runyard/schema";
import { SocketInUseError } from "./errors.js";
import { ServerConnection } from "./server-connection.js";
import type { IpcServer, IpcServerHandlers, IpcServerOptions } from "./server-types.js";
import { checkSocketPath } from "./socket-path.js";

const DEFAULTS = {
  maxClients: 256,
  helloTimeoutMs: 10_000,
  requestsPerSecond: 20,
  requestBurst: 200,
  maxQueueBytes: 8 * 1024 * 1024,
  maxTotalQueueBytes: 64 * 1024 * 1024,
  stallTimeoutMs: 2000,
  closeTimeoutMs: 30_000,
} satisfies Required<IpcServerOptions>;

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

/**
 * Binds `path` with a 0077 umask, so the socket is born 0600-ish (0700) rather than 0777 until
 * a chmod: for a path, net.Server.listen() binds synchronously (bind(2) happens inside the
 * call, 'listening' only follows on the next tick), and nothing else runs on this thread in
 * between. The mask is the process's, so a file that a libuv worker thread happens to create
 * in that instant gets it too: the executor's files are 0600 anyway. In a worker thread,
 * where the umask cannot be set, the run directory's 0700 and the chmod after are the guard.
 */
export function listenPrivately(server: Server, path: string): void {
  let previous: number | undefined;
  try {
    previous = process.umask(0o077);
  } catch {
    previous = undefined;
  }
  try {
    server.listen(path);
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
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
    listenPrivately(server, path);
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
  const limits = { ...DEFAULTS, ...options };
  const settings = { handlers, diagnostic, ...limits };
  let closing = false;

  /** Keeps at most maxClients connections that are not on their way out. */
  const admit = (newcomer: ServerConnection) => {
    let active = 0;
    let oldestSilent: ServerConnection | undefined;
    for (const connection of connections) {
      if (connection.leaving) continue;
      active += 1;
      if (oldestSilent === undefined && !connection.greeted && connection !== newcomer) {
        oldestSilent = connection;
      }
    }
    if (active <= limits.maxClients) return;
    // A client says hello at once: a connection that has not may be an idle squatter, and
    // giving way to the newcomer keeps the server reachable by real clients (attach, the GUI)
    // while someone holds every slot. Welcomed clients are never pushed out.
    const limit = `the server has ${limits.maxClients} clients, as many as it serves`;
    if (oldestSilent) {
      oldestSilent.refuse(
        `${limit}, and this connection had not said hello yet: it gave way to a newer one; connect again and say hello at once`,
      );
    } else newcomer.refuse(`${limit}; try again later`);
  };

  /**
   * Each client may fall maxQueueBytes behind, but 256 of them doing so at once would hold
   * 2 GiB in the executor. Past maxTotalQueueBytes for all of them together, the clients
   * furthest behind are dropped (E_CLIENT_TOO_SLOW) until the rest fit; they can reconnect
   * and resume from the last seq they saw, as any dropped client can.
   */
  const shedBacklog = (total: number) => {
    const limit = limits.maxTotalQueueBytes;
    const behind = [...connections]
      .filter((connection) => !connection.leaving && connection.backlogBytes > 0)
      .sort((a, b) => b.backlogBytes - a.backlogBytes);
    let backlog = total;
    for (const connection of behind) {
      if (backlog <= limit) break;
      const bytes = connection.backlogBytes;
      connection.dropTooSlow(
        `the server's clients together fell ${backlog} bytes behind (limit ${limit}), and this one furthest (${bytes} bytes); what it had not read was discarded: reconnect and subscribe from the last seq seen`,
      );
      backlog -= bytes;
    }
  };

  const server = createServer((socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    const connection = new ServerConnection(socket, settings);
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
    admit(connection);
  });
  // Accept can fail (EMFILE, ENFILE: out of descriptors). libuv then frees a spare descriptor,
  // accepts and closes the pending connections (no descriptor, no way to tell them why) and
  // goes on listening, so the executor neither dies nor spins; only when that trick fails
  // does net.Server emit 'error', which must have this listener or the executor would die.
  // The executor's log counts the repeats. maxClients keeps the server well below this.
  server.on("error", (error) => diagnostic(`server: ${error.message}`));
  await listen(server, socketPath);
  // The second guard: 0600 exactly. The run directory is 0700 besides, so nobody else could
  // reach the socket even before.
  await chmod(socketPath, FILE_MODE);

  return {
    socketPath,
    get clientCount() {
      return connections.size;
    },
    publish(event: RunEvent) {
      let backlog = 0;
      for (const connection of connections) {
        connection.deliver(event);
        backlog += connection.backlogBytes;
      }
      if (backlog > limits.maxTotalQueueBytes) shedBacklog(backlog);
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
      // Clients that keep reading get their backlog and bye within this; the others are cut
      // after stallTimeoutMs without progress (see ServerConnection.finish).
      const timeoutMs = limits.closeTimeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      const all = [...connections];
      await Promise.race([
        Promise.all(all.map((connection) => connection.finish(finalStatus, error))),
        timeout,
      ]);
      clearTimeout(timer);
      for (const connection of connections) connection.destroy();
      await stopped;
    },
  };
}
