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
  ClientMessageSchema,
  encodeLine,
  PROTOCOL_VERSIONS,
  type RunEvent,
  type ServerMessage,
} from "@runyard/protocol";
import { check, type FinalStatus, RunyardError } from "@runyard/schema";
import { decodeJsonLine, LineSplitter } from "./line-splitter.js";
import { negotiateVersion } from "./negotiate.js";
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
  readonly #splitter = new LineSplitter();
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
    socket.on("data", (chunk: Buffer) => {
      for (const result of this.#splitter.push(chunk)) {
        if (!result.ok) this.#error("E_BAD_MESSAGE", result.message);
        else this.#receive(result.line);
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
    let line: string;
    if (event.type === "step-output") {
      if (!this.wantsOutput(event.stepId)) return;
      line = encodeLine({ type: "output", event } satisfies ServerMessage);
    } else {
      if (event.seq < subscription.fromSeq) return;
      line = encodeLine({ type: "event", event } satisfies ServerMessage);
    }
    if (subscription.pending) {
      subscription.pending.push(line);
      this.#pendingBytes += Buffer.byteLength(line);
      this.#checkQueue();
    } else this.#write(line);
  }

  /** Sends `bye` once the replay (if any) is through, then ends the connection. */
  async finish(finalStatus: FinalStatus | null): Promise<void> {
    await this.#replay;
    if (this.#closed) return;
    this.#write(encodeLine({ type: "bye", finalStatus } satisfies ServerMessage));
    this.#socket.end();
  }

  destroy(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #receive(line: string): void {
    const decoded = decodeJsonLine(line, (input) => check(ClientMessageSchema, input));
    if (!decoded.ok) {
      this.#error("E_BAD_MESSAGE", decoded.message);
      return;
    }
    const message: ClientMessage = decoded.value;
    if (message.type === "hello") {
      this.#hello(message.protocolVersions);
      return;
    }
    if (this.#version === undefined) {
      // The protocol closes the connection: a client that skips hello speaks something else.
      this.#error("E_HELLO_REQUIRED", `the first message must be hello, not ${message.type}`);
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
      this.#error("E_PROTOCOL_STATE", "hello was already said");
      return;
    }
    const version = negotiateVersion(versions);
    if (version === undefined) {
      this.#error(
        "E_PROTOCOL_VERSION",
        `no common protocol version: client speaks ${versions.join(", ")}, server speaks ${PROTOCOL_VERSIONS.join(", ")}`,
      );
      this.#socket.end();
      return;
    }
    this.#version = version;
    const snapshot = this.#settings.handlers.snapshot();
    this.#send({ type: "welcome", protocolVersion: version, ...snapshot });
  }

  #subscribe(fromSeq: number, output: boolean | readonly string[]): void {
    if (this.#subscription !== undefined) {
      this.#error("E_PROTOCOL_STATE", "already subscribed");
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
        const line = encodeLine({ type: "event", event } satisfies ServerMessage);
        if (!this.#socket.write(line)) await this.#drained();
        next += 1;
      }
      if (next !== toSeq + 1) throw new Error(`replay ended at seq ${next - 1} of ${toSeq}`);
    } catch (error) {
      this.#error("E_REPLAY", `cannot replay the run's events: ${(error as Error).message}`);
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

  #cancel(message: Extract<ClientMessage, { type: "cancel" }>): void {
    const cancel = this.#settings.handlers.cancel;
    if (!cancel) {
      this.#error("E_UNSUPPORTED", "this server does not accept cancel");
      return;
    }
    try {
      cancel({ stepId: message.stepId, reason: message.reason });
    } catch (error) {
      // The executor refuses with a RunyardError whose code the protocol names
      // (E_UNKNOWN_STEP, E_RUN_ENDED); anything else is its own failure.
      this.#error(
        error instanceof RunyardError ? error.code : "E_CANCEL",
        (error as Error).message,
      );
    }
  }

  #send(message: ServerMessage): void {
    this.#write(encodeLine(message));
  }

  #error(code: string, message: string): void {
    this.#settings.diagnostic(`client error ${code}: ${message}`);
    this.#send({ type: "error", code, message });
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
      encodeLine({
        type: "error",
        code: "E_CLIENT_TOO_SLOW",
        message: `client fell ${queued} bytes behind (limit ${this.#settings.maxQueueBytes}); reconnect and subscribe from the last seq seen`,
      } satisfies ServerMessage),
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
