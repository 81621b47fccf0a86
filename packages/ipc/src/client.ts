// The client side of ipc.sock, for the CLI, the GUI and integrators: connect, say hello, get
// the welcome (meta, status, last seq), subscribe, then iterate the server's messages.
//
//   const client = await createIpcClient(join(runDirectory, "ipc.sock"));
//   client.subscribe({ fromSeq: client.welcome.lastSeq + 1, output: true });
//   for await (const message of client) { ... }   // ends after `bye` or when the run goes
import { connect, type Socket } from "node:net";
import {
  type ClientMessage,
  type DecodedServerMessage,
  encodeMessage,
  LineDecoder,
  PROTOCOL_VERSIONS,
  type WelcomeMessage,
} from "@runyard/protocol";
import { IpcConnectError, IpcProtocolError } from "./errors.js";
import { MessageQueue } from "./message-queue.js";
import { checkSocketPath } from "./socket-path.js";

export type { WelcomeMessage };

export interface IpcClientOptions {
  /** Name and version the client introduces itself with (default "runyard-ipc-client"). */
  client?: string;
  /** Protocol versions to offer (default: all this package speaks). */
  protocolVersions?: readonly number[];
  /** Longest wait for the connection and the welcome, in ms (default 5000). */
  timeoutMs?: number;
}

export interface SubscribeOptions {
  /** Replay durable events from this seq (default 1: the whole timeline), then live ones. */
  fromSeq?: number;
  /** Step output to stream: none (default), all (true) or these step ids. */
  output?: boolean | readonly string[];
}

/**
 * Iterate it (once) for the server's messages after the welcome. An event of a type this
 * version does not know (from a newer server) comes as an `event` message holding an
 * UnknownEvent: count its seq, show or relay it, never treat it as an error.
 */
export interface IpcClient extends AsyncIterable<DecodedServerMessage> {
  readonly welcome: WelcomeMessage;
  subscribe(options?: SubscribeOptions): void;
  /** Asks to cancel the run, or one step of it. */
  cancel(request?: { stepId?: string; reason?: string }): void;
  ping(id?: string): void;
  /** Ends the connection; the iteration ends too. */
  close(): Promise<void>;
}

export async function createIpcClient(
  socketPath: string,
  options: IpcClientOptions = {},
): Promise<IpcClient> {
  checkSocketPath(socketPath);
  const socket: Socket = connect(socketPath);
  const queue = new MessageQueue<DecodedServerMessage>({
    onPressure: (paused) => (paused ? socket.pause() : socket.resume()),
  });
  const decoder = new LineDecoder({ content: "server-message", framing: "json-lines" });
  let welcomed: ((message: WelcomeMessage) => void) | undefined;
  let refused: ((error: unknown) => void) | undefined;
  const welcome = new Promise<WelcomeMessage>((resolve, reject) => {
    welcomed = resolve;
    refused = reject;
  });
  // Until the welcome, a failure rejects the handshake; afterwards it ends the iteration.
  const fail = (error: unknown) => {
    if (refused) refused(error);
    else queue.end(error);
  };

  const receive = (message: DecodedServerMessage) => {
    if (welcomed) {
      if (message.type === "welcome") {
        const resolve = welcomed;
        welcomed = undefined;
        refused = undefined;
        resolve(message);
      } else if (message.type === "error") {
        fail(new IpcProtocolError(message.code, `server refused: ${message.message}`));
      }
      // Anything else before the welcome (a pong) is not for the iterator.
      return;
    }
    queue.push(message);
  };

  // A line cut short by the connection closing is not a message; the decoder is never ended.
  socket.on("data", (chunk: Buffer) => {
    for (const result of decoder.push(chunk)) {
      if (result.kind === "message") receive(result.value);
      else if (result.kind === "error") {
        // Not from the server: this client could not read a line it sent. Surfaced, not dropped.
        receive({
          type: "error",
          code: "E_CLIENT_DECODE",
          message: `undecodable line from the server: ${result.error.message}`,
        });
      }
    }
  });
  socket.on("error", (error) => {
    fail(welcomed ? new IpcConnectError(socketPath, error) : error);
    socket.destroy();
  });
  socket.on("close", () => {
    if (refused) {
      refused(
        new IpcProtocolError("E_IPC_CLOSED", `${socketPath}: connection closed before the welcome`),
      );
    }
    queue.end();
  });

  const send = (message: ClientMessage) => {
    if (!socket.destroyed) socket.write(encodeMessage(message));
  };
  send({
    type: "hello",
    protocolVersions: [...(options.protocolVersions ?? PROTOCOL_VERSIONS)],
    client: options.client ?? "runyard-ipc-client",
  });

  const timeoutMs = options.timeoutMs ?? 5000;
  const timer = setTimeout(
    () =>
      fail(
        new IpcProtocolError("E_IPC_TIMEOUT", `${socketPath}: no welcome within ${timeoutMs} ms`),
      ),
    timeoutMs,
  );
  let greeting: WelcomeMessage;
  try {
    greeting = await welcome;
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }

  return {
    welcome: greeting,
    subscribe(subscribe = {}) {
      const output = subscribe.output ?? false;
      send({
        type: "subscribe",
        fromSeq: subscribe.fromSeq ?? 1,
        output: typeof output === "boolean" ? output : [...output],
      });
    },
    cancel(request = {}) {
      send({ type: "cancel", ...request });
    },
    ping(id) {
      send(id === undefined ? { type: "ping" } : { type: "ping", id });
    },
    async close() {
      if (socket.destroyed) return;
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.end();
      const timer = setTimeout(() => socket.destroy(), 1000);
      await closed;
      clearTimeout(timer);
    },
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
  };
}
