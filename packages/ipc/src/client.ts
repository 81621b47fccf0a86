// The client side of ipc.sock, for the CLI, the GUI and integrators: connect, say hello, get
// the welcome (meta, status, last seq), subscribe, then iterate the server's messages. It
// runs over any transport: the socket in a run directory, or a bridge's stdio over ssh.
//
//   const client = await connectRun(runDirectory);          // or createIpcClient(socketPath)
//   client.subscribe({ fromSeq: client.welcome.lastSeq + 1, output: true });
//   for await (const message of client) { ... }   // ends after `bye` or when the run goes
//
// For a run followed to its end across dropped connections, use followRun instead.
import type { Duplex } from "node:stream";
import {
  type ClientMessage,
  type DecodedServerMessage,
  encodeMessage,
  LineDecoder,
  PROTOCOL_ERROR_CODES,
  PROTOCOL_VERSIONS,
  ProtocolVersionError,
  type WelcomeMessage,
} from "@runyard/protocol";
import { RunyardError } from "@runyard/schema";
import { type CancelAnswer, CancelAnswers } from "./cancel-answers.js";
import { IpcConnectError, IpcProtocolError } from "./errors.js";
import { MessageQueue } from "./message-queue.js";
import { type RunTransportOptions, runTransport } from "./run-transport.js";
import { type IpcTransport, socketTransport } from "./transport.js";

export type { WelcomeMessage };

export interface IpcClientOptions {
  /** Name and version the client introduces itself with (default "runyard-ipc-client"). */
  client?: string;
  /** Protocol versions to offer (default: all this package speaks). */
  protocolVersions?: readonly number[];
  /** Longest wait for the connection and the welcome, in ms (default 5000). */
  timeoutMs?: number;
  /** Aborting ends the connection: before the welcome it rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface SubscribeOptions {
  /** Replay durable events from this seq (default 1: the whole timeline), then live ones. */
  fromSeq?: number;
  /** Step output to stream: none (default), all (true) or these step ids. */
  output?: boolean | readonly string[];
}

export interface CancelOptions {
  /** The step to cancel; absent cancels the whole run. */
  stepId?: string;
  /** Recorded in the run's events. */
  reason?: string;
  /** Kill every process now instead of after the grace period (the second Ctrl-C). */
  force?: boolean;
}

/**
 * Iterate it (once) for the server's messages after the welcome. An event of a type this
 * version does not know (from a newer server) comes as an `event` message holding an
 * UnknownEvent: count its seq, show or relay it, never treat it as an error. Answers to
 * cancel() are not iterated: they resolve its promise.
 */
export interface IpcClient extends AsyncIterable<DecodedServerMessage> {
  readonly welcome: WelcomeMessage;
  /** What the client is connected to: a socket path, or `host:path` over ssh. */
  readonly target: string;
  subscribe(options?: SubscribeOptions): void;
  /**
   * Asks to cancel the run, or one step of it; resolves to the server's answer: accepted,
   * or refused with its code (E_RUN_ENDED, E_STEP_ENDED, E_UNKNOWN_STEP, E_CANCEL, …).
   * Rejects only when the connection ends before the answer. A server that predates
   * cancel ids gives a definite answer too (see docs/protocol.md).
   */
  cancel(request?: CancelOptions): Promise<CancelAnswer>;
  ping(id?: string): void;
  /** Ends the connection; the iteration ends too. */
  close(): Promise<void>;
}

/**
 * Connects through `target` (a socket path, or any transport), says hello and resolves once
 * the server has welcomed the client. A socket path is not checked against meta.json's
 * host: to reach a run by its directory, use connectRun.
 */
export async function createIpcClient(
  target: string | IpcTransport,
  options: IpcClientOptions = {},
): Promise<IpcClient> {
  const transport = typeof target === "string" ? socketTransport(target) : target;
  const stream = await transport.open(options.signal);
  return startClient(stream, transport.target, options);
}

/**
 * Connects to the run in `runDirectory`: reads its meta.json first and throws OtherHostError
 * (naming the host) when the run was started elsewhere, NoExecutorError when it has ended or
 * nobody answers on its ipc.sock.
 */
export function connectRun(
  runDirectory: string,
  options: IpcClientOptions & RunTransportOptions = {},
): Promise<IpcClient> {
  return createIpcClient(runTransport(runDirectory, options), options);
}

function closedError(target: string, what: string): IpcConnectError {
  return new IpcConnectError(target, undefined, {
    code: "E_IPC_CLOSED",
    message: `${target}: connection closed ${what}`,
  });
}

/** The server's refusal of our hello, as the error a caller can branch on. */
function refusal(
  target: string,
  code: string,
  message: string,
  offered: readonly number[],
): RunyardError {
  if (code === PROTOCOL_ERROR_CODES.protocolVersion) {
    // The server's versions are in its message, not in a field: unknown here.
    return new ProtocolVersionError(
      `server refused: ${message}`,
      [...offered],
      [],
      "use the same runyard version here and on the executor's host",
    );
  }
  if (code === PROTOCOL_ERROR_CODES.tooManyClients) {
    // The executor is alive, only full: an IpcConnectError, so followRun tries again.
    return new IpcConnectError(target, undefined, {
      code,
      message: `${target}: server refused: ${message}`,
      hint: "the executor serves a limited number of clients at once; close other viewers of this run, or read its files meanwhile",
    });
  }
  return new IpcProtocolError(code, `server refused: ${message}`);
}

async function startClient(
  stream: Duplex,
  target: string,
  options: IpcClientOptions,
): Promise<IpcClient> {
  const queue = new MessageQueue<DecodedServerMessage>({
    onPressure: (paused) => (paused ? stream.pause() : stream.resume()),
  });
  const decoder = new LineDecoder({ content: "server-message", framing: "json-lines" });
  const cancels = new CancelAnswers();
  const offered = [...(options.protocolVersions ?? PROTOCOL_VERSIONS)];
  let welcomed: ((message: WelcomeMessage) => void) | undefined;
  let refused: ((error: unknown) => void) | undefined;
  const welcome = new Promise<WelcomeMessage>((resolve, reject) => {
    welcomed = resolve;
    refused = reject;
  });
  // Until the welcome, a failure rejects the handshake; afterwards it ends the iteration.
  const fail = (error: unknown) => {
    if (refused) refused(error);
    else {
      cancels.fail(error);
      queue.end(error);
    }
  };

  const receive = (message: DecodedServerMessage) => {
    if (welcomed) {
      if (message.type === "welcome") {
        const resolve = welcomed;
        welcomed = undefined;
        refused = undefined;
        resolve(message);
      } else if (message.type === "error" && message.code === "E_CLIENT_DECODE") {
        // Not a refusal: something other than a runyard server wrote to the connection.
        fail(
          new IpcProtocolError(
            message.code,
            `${target} did not answer as runyard does: ${message.message}`,
            {
              hint: "over ssh, a login script on the other host that prints to stdout (a banner, an echo in .bashrc) garbles the connection: make it print only when interactive",
            },
          ),
        );
      } else if (message.type === "error")
        fail(refusal(target, message.code, message.message, offered));
      // Anything else before the welcome (a pong) is not for the iterator.
      return;
    }
    if (!cancels.take(message)) queue.push(message);
  };

  // A line cut short by the connection closing is not a message; the decoder is never ended.
  stream.on("data", (chunk: Buffer) => {
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
  stream.on("error", (error) => {
    // A transport that knows better (ssh: "no executor" from the bridge's exit) says so.
    const lost =
      error instanceof RunyardError
        ? error
        : new IpcConnectError(target, error, {
            code: refused ? "E_IPC_CONNECT" : "E_IPC_LOST",
            message: `${refused ? "cannot connect to" : "lost the connection to"} ${target}: ${error.message}`,
          });
    fail(lost);
    stream.destroy();
  });
  stream.on("close", () => {
    if (refused) refused(closedError(target, "before the welcome"));
    cancels.fail(closedError(target, "before the server answered the cancel"));
    queue.end();
  });
  const onAbort = () => {
    fail(options.signal?.reason);
    stream.destroy();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  stream.once("close", () => options.signal?.removeEventListener("abort", onAbort));
  if (options.signal?.aborted) onAbort();

  const send = (message: ClientMessage) => {
    if (!stream.destroyed) stream.write(encodeMessage(message));
  };
  send({
    type: "hello",
    protocolVersions: offered,
    client: options.client ?? "runyard-ipc-client",
  });

  const timeoutMs = options.timeoutMs ?? 5000;
  const timer = setTimeout(
    () =>
      fail(
        new IpcConnectError(target, undefined, {
          code: "E_IPC_TIMEOUT",
          message: `${target}: no welcome within ${timeoutMs} ms`,
          hint: "the executor may be stuck: its executor.log may say why",
        }),
      ),
    timeoutMs,
  );
  let greeting: WelcomeMessage;
  try {
    greeting = await welcome;
  } catch (error) {
    stream.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }

  return {
    welcome: greeting,
    target,
    subscribe(subscribe = {}) {
      const output = subscribe.output ?? false;
      send({
        type: "subscribe",
        fromSeq: subscribe.fromSeq ?? 1,
        output: typeof output === "boolean" ? output : [...output],
      });
    },
    cancel(request = {}) {
      const { id, answer } = cancels.open();
      if (stream.destroyed) cancels.fail(closedError(target, "before the cancel was sent"));
      send({
        type: "cancel",
        id,
        ...(request.stepId === undefined ? {} : { stepId: request.stepId }),
        ...(request.reason === undefined ? {} : { reason: request.reason }),
        ...(request.force === true ? { force: true } : {}),
      });
      // The pong tells an older server's silence from an answer (see cancel-answers.ts).
      send({ type: "ping", id });
      return answer;
    },
    ping(id) {
      send(id === undefined ? { type: "ping" } : { type: "ping", id });
    },
    async close() {
      if (stream.destroyed) return;
      const closed = new Promise<void>((resolve) => stream.once("close", () => resolve()));
      stream.end();
      const timer = setTimeout(() => stream.destroy(), 1000);
      await closed;
      clearTimeout(timer);
    },
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
  };
}
