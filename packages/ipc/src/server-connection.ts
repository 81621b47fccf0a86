// One client of the executor's IPC server: its handshake, its subscription, and its queue.
//
// Backpressure: the executor must never wait for a client. Everything sent to a client goes
// into the socket's own write buffer (plus, while a replay runs, a list of live messages held
// back so they follow the replay in seq order). When the two together pass `maxQueueBytes`
// the client is too slow: it gets an `error` (E_CLIENT_TOO_SLOW) and is disconnected. It can
// reconnect and resume with subscribe{fromSeq} from the last seq it saw.
import type { Socket } from "node:net";
import {
  type ClientMessage,
  encodeMessage,
  LineDecoder,
  negotiateProtocolVersion,
  PROTOCOL_ERROR_CODES,
  type RunError,
  type RunEvent,
  type ServerMessage,
  toErrorMessage,
  toServerMessage,
} from "@runyard/protocol";
import { type FinalStatus, RunyardError } from "@runyard/schema";
import type { IpcServerHandlers } from "./server-types.js";

interface Subscription {
  fromSeq: number;
  output: boolean | ReadonlySet<string>;
  /** Live messages held back while the replay runs. */
  pending: string[] | undefined;
}

export interface ConnectionSettings {
  handlers: IpcServerHandlers;
  maxQueueBytes: number;
  diagnostic: (message: string) => void;
}

export class ServerConnection {
  readonly #socket: Socket;
  readonly #settings: ConnectionSettings;
  readonly #decoder = new LineDecoder({ content: "client-message", framing: "json-lines" });
  #version: number | undefined;
  #subscription: Subscription | undefined;
  #pendingBytes = 0;
  #replay: Promise<void> = Promise.resolve();
  #closed = false;
  readonly closed: Promise<void>;

  constructor(socket: Socket, settings: ConnectionSettings) {
    this.#socket = socket;
    this.#settings = settings;
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("close", () => {
      this.#closed = true;
    });
    // A client resetting the connection is its business; the close handler cleans up.
    socket.on("error", (error) => settings.diagnostic(`client socket: ${error.message}`));
    // A line cut short by the client closing is not a message; the decoder is never ended.
    socket.on("data", (chunk: Buffer) => {
      for (const result of this.#decoder.push(chunk)) {
        if (result.kind === "message") this.#receive(result.value);
        else if (result.kind === "error") {
          this.#error(PROTOCOL_ERROR_CODES.badMessage, result.error.message);
        }
      }
    });
  }

  /** Whether this client asked for `stepId`'s output. */
  wantsOutput(stepId: string): boolean {
    const output = this.#subscription?.output;
    if (this.#closed || output === undefined || output === false) return false;
    return output === true || output.has(stepId);
  }

  /** Delivers a published event if the client subscribed to it. */
  deliver(event: RunEvent): void {
    const subscription = this.#subscription;
    if (this.#closed || subscription === undefined) return;
    const wanted =
      event.type === "step-output"
        ? this.wantsOutput(event.stepId)
        : event.seq >= subscription.fromSeq;
    if (!wanted) return;
    const line = encodeMessage(toServerMessage(event));
    if (subscription.pending) {
      subscription.pending.push(line);
      this.#pendingBytes += Buffer.byteLength(line);
      this.#checkQueue();
    } else this.#write(line);
  }

  /** Sends `bye` once the replay (if any) is through, then ends the connection. */
  async finish(finalStatus: FinalStatus | null, error?: RunError): Promise<void> {
    await this.#replay;
    if (this.#closed) return;
    this.#send(
      error === undefined ? { type: "bye", finalStatus } : { type: "bye", finalStatus, error },
    );
    this.#socket.end();
  }

  destroy(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #receive(message: ClientMessage): void {
    if (message.type === "hello") {
      this.#hello(message.protocolVersions);
      return;
    }
    if (this.#version === undefined) {
      // The protocol closes the connection: a client that skips hello speaks something else.
      this.#error(
        PROTOCOL_ERROR_CODES.helloRequired,
        `the first message must be hello, not ${message.type}`,
      );
      this.#drop();
      return;
    }
    if (message.type === "ping") {
      this.#send(message.id === undefined ? { type: "pong" } : { type: "pong", id: message.id });
    } else if (message.type === "subscribe") this.#subscribe(message.fromSeq, message.output);
    else this.#cancel(message);
  }

  #hello(versions: readonly number[]): void {
    if (this.#version !== undefined) {
      this.#error(PROTOCOL_ERROR_CODES.protocolState, "hello was already said");
      return;
    }
    const negotiation = negotiateProtocolVersion(versions);
    if (!negotiation.ok) {
      const { code, message } = toErrorMessage(negotiation.error);
      this.#error(code, message);
      this.#socket.end();
      return;
    }
    this.#version = negotiation.version;
    const snapshot = this.#settings.handlers.snapshot();
    this.#send({ type: "welcome", protocolVersion: negotiation.version, ...snapshot });
  }

  #subscribe(fromSeq: number, output: boolean | readonly string[]): void {
    if (this.#subscription !== undefined) {
      this.#error(PROTOCOL_ERROR_CODES.protocolState, "already subscribed");
      return;
    }
    const lastSeq = this.#settings.handlers.snapshot().lastSeq;
    const replaying = fromSeq <= lastSeq;
    this.#subscription = {
      fromSeq,
      output: typeof output === "boolean" ? output : new Set(output),
      pending: replaying ? [] : undefined,
    };
    if (replaying) this.#replay = this.#runReplay(fromSeq, lastSeq);
  }

  /** Sends events fromSeq..toSeq from the durable record, then the live ones held meanwhile. */
  async #runReplay(fromSeq: number, toSeq: number): Promise<void> {
    let next = fromSeq;
    try {
      for await (const event of this.#settings.handlers.replay(fromSeq, toSeq)) {
        if (this.#closed) return;
        if (event.type === "step-output" || event.seq < next) continue;
        if (event.seq > toSeq) break;
        if (event.seq !== next)
          throw new Error(`replay jumped from seq ${next - 1} to ${event.seq}`);
        if (!this.#socket.write(encodeMessage({ type: "event", event }))) await this.#drained();
        next += 1;
      }
      if (next !== toSeq + 1) throw new Error(`replay ended at seq ${next - 1} of ${toSeq}`);
    } catch (error) {
      this.#error(
        PROTOCOL_ERROR_CODES.replay,
        `cannot replay the run's events: ${(error as Error).message}`,
      );
      this.#drop();
      return;
    }
    const subscription = this.#subscription;
    const pending = subscription?.pending ?? [];
    if (subscription) subscription.pending = undefined;
    this.#pendingBytes = 0;
    for (const line of pending) this.#write(line);
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#socket.off("drain", done);
        this.#socket.off("close", done);
        resolve();
      };
      this.#socket.on("drain", done);
      this.#socket.on("close", done);
    });
  }

  /** Decides a cancel at once; with an id, answers cancel-ok or an error with that id. */
  #cancel(message: Extract<ClientMessage, { type: "cancel" }>): void {
    const { id } = message;
    const cancel = this.#settings.handlers.cancel;
    if (!cancel) {
      this.#error(PROTOCOL_ERROR_CODES.unsupported, "this server does not accept cancel", id);
      return;
    }
    try {
      cancel({ stepId: message.stepId, reason: message.reason, force: message.force ?? false });
    } catch (error) {
      // The executor refuses with a RunyardError whose code the protocol names
      // (E_UNKNOWN_STEP, E_RUN_ENDED); anything else is its own failure.
      this.#error(
        error instanceof RunyardError ? error.code : PROTOCOL_ERROR_CODES.cancel,
        (error as Error).message,
        id,
      );
      return;
    }
    if (id !== undefined) this.#send({ type: "cancel-ok", id });
  }

  #send(message: ServerMessage): void {
    this.#write(encodeMessage(message));
  }

  /** Sends an error; `id` is that of the request it answers, when the request had one. */
  #error(code: string, message: string, id?: string): void {
    this.#settings.diagnostic(`client error ${code}: ${message}`);
    this.#send(
      id === undefined ? { type: "error", code, message } : { type: "error", code, message, id },
    );
  }

  #write(line: string): void {
    if (this.#closed) return;
    this.#socket.write(line);
    this.#checkQueue();
  }

  #checkQueue(): void {
    if (this.#closed) return;
    const queued = this.#socket.writableLength + this.#pendingBytes;
    if (queued <= this.#settings.maxQueueBytes) return;
    // Past the bound the error may not arrive either; it is sent for a client that is merely
    // slow, and the connection is cut regardless so the executor's memory stays bounded.
    this.#socket.write(
      encodeMessage({
        type: "error",
        code: PROTOCOL_ERROR_CODES.clientTooSlow,
        message: `client fell ${queued} bytes behind (limit ${this.#settings.maxQueueBytes}); reconnect and subscribe from the last seq seen`,
      }),
    );
    this.#settings.diagnostic(`dropped a client ${queued} bytes behind`);
    this.#drop();
  }

  #drop(): void {
    this.#closed = true;
    if (this.#subscription) this.#subscription.pending = undefined;
    this.#pendingBytes = 0;
    this.#socket.end();
    // A client that does not read never lets end() finish: cut it after a moment.
    setTimeout(() => this.#socket.destroy(), 1000).unref();
  }
}
