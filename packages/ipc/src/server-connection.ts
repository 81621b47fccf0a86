// One client of the executor's IPC server: its handshake, its subscription, its queue, and the
// limits that keep one client from hurting the executor or the other clients.
//
// Backpressure: the executor must never wait for a client. What is sent to a client waits in
// its SendQueue (plus, while a replay runs, the live messages its Subscription holds back so
// they follow the replay in seq order). When the two together pass `maxQueueBytes` the client is too slow:
// the backlog is discarded, and the client reads E_CLIENT_TOO_SLOW and `bye` next. It can
// reconnect and resume with subscribe{fromSeq} from the last seq it saw.
//
// Leaving: whoever the server drops is told why first (an `error`), and, once welcomed, gets
// `bye` with a null finalStatus (the run goes on; the connection does not). From then on the
// connection reads nothing more; it is cut when the client takes none of what waits for it
// for `stallTimeoutMs`.
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
  type StepRequestMessage,
  toErrorMessage,
  toServerMessage,
} from "@runyard/protocol";
import { type FinalStatus, RunyardError } from "@runyard/schema";
import { RequestBudget } from "./request-budget.js";
import { SendQueue } from "./send-queue.js";
import type { IpcServerHandlers, StepAnswer } from "./server-types.js";
import { Subscription } from "./subscription.js";

/** How long a connection turned away on arrival stays open for the client's first write. */
const REFUSED_LINGER_MS = 500;

export interface ConnectionSettings {
  handlers: IpcServerHandlers;
  diagnostic: (message: string) => void;
  maxQueueBytes: number;
  helloTimeoutMs: number;
  stallTimeoutMs: number;
  requestsPerSecond: number;
  requestBurst: number;
}

export class ServerConnection {
  readonly #socket: Socket;
  readonly #settings: ConnectionSettings;
  readonly #decoder = new LineDecoder({ content: "client-message", framing: "json-lines" });
  readonly #queue: SendQueue;
  readonly #budget: RequestBudget;
  #version: number | undefined;
  #subscription: Subscription | undefined;
  #closed = false;
  /** Said its last words: reads nothing more, sends nothing more. */
  #leaving = false;
  /** Turned away on arrival: see the finish handler. */
  #lingerOnFinish = false;
  #helloTimer: NodeJS.Timeout | undefined;
  #stallTimer: NodeJS.Timeout | undefined;
  readonly closed: Promise<void>;

  constructor(socket: Socket, settings: ConnectionSettings) {
    this.#socket = socket;
    this.#settings = settings;
    this.#queue = new SendQueue(socket, () => this.#stallTimer?.refresh());
    this.#budget = new RequestBudget(settings.requestsPerSecond, settings.requestBurst);
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("close", () => {
      this.#closed = true;
      clearTimeout(this.#helloTimer);
      clearTimeout(this.#stallTimer);
    });
    // A client resetting the connection is its business; the close handler cleans up.
    socket.on("error", (error) => settings.diagnostic(`client socket: ${error.message}`));
    // Everything is in the kernel once the socket has finished: a Unix socket keeps what the
    // client has not read yet, so closing now loses nothing and frees the descriptor. Except
    // for a client turned away at once: it may not have written its hello yet, and a write to
    // a closed socket fails (EPIPE) before the client reads why it was refused. Such a
    // connection lingers a moment, reading and dropping what the client sends.
    socket.once("finish", () => {
      if (!this.#lingerOnFinish) {
        socket.destroy();
        return;
      }
      socket.once("end", () => socket.destroy());
      socket.resume();
      setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
    });
    this.#helloTimer = setTimeout(() => this.#helloMissing(), settings.helloTimeoutMs);
    this.#helloTimer.unref();
    // A line cut short by the client closing is not a message; the decoder is never ended.
    socket.on("data", (chunk: Buffer) => {
      if (this.#leaving) return;
      for (const result of this.#decoder.push(chunk)) {
        if (this.#leaving) return;
        if (!this.#budget.take()) {
          this.#flooded();
          return;
        }
        if (result.kind === "message") this.#receive(result.value);
        else if (result.kind === "error") {
          this.#error(PROTOCOL_ERROR_CODES.badMessage, result.error.message);
        }
      }
    });
  }

  /** Whether the client has said hello (and was welcomed). */
  get greeted(): boolean {
    return this.#version !== undefined;
  }

  /** Whether the connection is on its way out (told why, or said bye). */
  get leaving(): boolean {
    return this.#leaving || this.#closed;
  }

  /** Whether this client asked for `stepId`'s output. */
  wantsOutput(stepId: string): boolean {
    return !this.leaving && this.#subscription?.wantsOutput(stepId) === true;
  }

  /** Delivers a published event if the client subscribed to it. */
  deliver(event: RunEvent): void {
    const subscription = this.#subscription;
    if (this.leaving || subscription === undefined || !subscription.wants(event)) return;
    subscription.deliver(encodeMessage(toServerMessage(event)));
    this.#checkQueue();
  }

  /**
   * Sends `bye` once the replay (if any) is through and the client has taken what waits for
   * it, then closes; resolves when the connection is closed. A client that takes nothing for
   * stallTimeoutMs is cut.
   */
  async finish(finalStatus: FinalStatus | null, error?: RunError): Promise<void> {
    if (this.leaving) return this.closed;
    this.#watchProgress();
    await this.#subscription?.replayed;
    if (this.leaving) return this.closed;
    this.#leaving = true;
    clearTimeout(this.#helloTimer);
    this.#send(
      error === undefined ? { type: "bye", finalStatus } : { type: "bye", finalStatus, error },
    );
    this.#queue.end();
    return this.closed;
  }

  /** Turns the client away: E_TOO_MANY_CLIENTS, then close. */
  refuse(message: string): void {
    this.#lingerOnFinish = !this.greeted;
    this.#leave(PROTOCOL_ERROR_CODES.tooManyClients, message);
  }

  destroy(): void {
    this.#leaving = true;
    this.#socket.destroy();
  }

  #receive(message: ClientMessage): void {
    if (message.type === "hello") {
      this.#hello(message.protocolVersions);
      return;
    }
    if (this.#version === undefined) {
      // The protocol closes the connection: a client that skips hello speaks something else.
      this.#leave(
        PROTOCOL_ERROR_CODES.helloRequired,
        `the first message must be hello, not ${message.type}`,
      );
      return;
    }
    if (message.type === "ping") {
      this.#send(message.id === undefined ? { type: "pong" } : { type: "pong", id: message.id });
    } else if (message.type === "subscribe") this.#subscribe(message.fromSeq, message.output);
    else if (message.type === "cancel") this.#cancel(message);
    else void this.#step(message);
  }

  /** A step's request: the executor decides (it may take a moment: files to publish). */
  async #step(message: StepRequestMessage): Promise<void> {
    const { id } = message;
    const step = this.#settings.handlers.step;
    if (!step) {
      this.#error(PROTOCOL_ERROR_CODES.unsupported, "this server does not take step requests", id);
      return;
    }
    let answer: StepAnswer;
    try {
      answer = await step(message);
    } catch (error) {
      if (this.leaving) return;
      this.#error(
        error instanceof RunyardError ? error.code : PROTOCOL_ERROR_CODES.stepRequest,
        (error as Error).message,
        id,
      );
      return;
    }
    if (this.leaving) return;
    this.#send({
      type: "step-ok",
      id,
      seq: answer.seq,
      ...(answer.path === undefined ? {} : { path: answer.path }),
    });
  }

  #hello(versions: readonly number[]): void {
    if (this.#version !== undefined) {
      this.#error(PROTOCOL_ERROR_CODES.protocolState, "hello was already said");
      return;
    }
    const negotiation = negotiateProtocolVersion(versions);
    if (!negotiation.ok) {
      const { code, message } = toErrorMessage(negotiation.error);
      this.#leave(code, message);
      return;
    }
    clearTimeout(this.#helloTimer);
    this.#version = negotiation.version;
    const snapshot = this.#settings.handlers.snapshot();
    this.#send({ type: "welcome", protocolVersion: negotiation.version, ...snapshot });
  }

  #helloMissing(): void {
    const seconds = this.#settings.helloTimeoutMs / 1000;
    this.#leave(
      PROTOCOL_ERROR_CODES.helloTimeout,
      `no hello within ${seconds} s of connecting: a client says hello first (docs/protocol.md); connect again and say it at once`,
    );
  }

  #flooded(): void {
    const { requestsPerSecond, requestBurst } = this.#settings;
    this.#leave(
      PROTOCOL_ERROR_CODES.tooManyRequests,
      `the client sent more than ${requestBurst} messages at once, or more than ${requestsPerSecond} a second for a while; the server reads no more from this connection. Connect again and send fewer`,
    );
  }

  #subscribe(fromSeq: number, output: boolean | readonly string[]): void {
    if (this.#subscription !== undefined) {
      this.#error(PROTOCOL_ERROR_CODES.protocolState, "already subscribed");
      return;
    }
    const { handlers } = this.#settings;
    const lastSeq = handlers.snapshot().lastSeq;
    this.#subscription = new Subscription(
      { fromSeq, output, lastSeq },
      (from, to) => handlers.replay(from, to),
      this.#queue,
      {
        leaving: () => this.leaving,
        fail: (code, message) => this.#leave(code, message),
        queued: () => this.#checkQueue(),
      },
    );
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
    this.#queue.push(encodeMessage(message));
    this.#checkQueue();
  }

  /** Sends an error; `id` is that of the request it answers, when the request had one. */
  #error(code: string, message: string, id?: string): void {
    this.#settings.diagnostic(`client error ${code}: ${message}`);
    this.#send(
      id === undefined ? { type: "error", code, message } : { type: "error", code, message, id },
    );
  }

  /** Bytes waiting for this client: its queue plus live messages held behind its replay. */
  get backlogBytes(): number {
    if (this.#closed) return 0;
    return this.#queue.bytes + (this.#subscription?.heldBytes ?? 0);
  }

  /** Drops the client for the server's sake (all clients together hold too much). */
  dropTooSlow(message: string): void {
    this.#leave(PROTOCOL_ERROR_CODES.clientTooSlow, message, { discard: true });
  }

  #checkQueue(): void {
    if (this.leaving) return;
    const queued = this.backlogBytes;
    const limit = this.#settings.maxQueueBytes;
    if (queued <= limit) return;
    this.#leave(
      PROTOCOL_ERROR_CODES.clientTooSlow,
      `client fell ${queued} bytes behind (limit ${limit}); what it had not read was discarded: reconnect and subscribe from the last seq seen`,
      { discard: true },
    );
  }

  /**
   * Tells the client why it is dropped (and says bye to a welcomed one: the run goes on
   * without it), then closes. `discard`: drop the backlog first, so that the client reads the
   * reason next instead of after everything it has not read.
   */
  #leave(code: string, message: string, options: { discard?: boolean } = {}): void {
    if (this.leaving) return;
    this.#settings.diagnostic(`dropped a client, ${code}: ${message}`);
    this.#leaving = true;
    clearTimeout(this.#helloTimer);
    this.#socket.pause();
    this.#subscription?.drop();
    if (options.discard) this.#queue.discard();
    this.#queue.push(encodeMessage({ type: "error", code, message }));
    if (this.#version !== undefined) {
      this.#queue.push(encodeMessage({ type: "bye", finalStatus: null }));
    }
    this.#queue.end();
    this.#watchProgress();
  }

  /** From now on, a client that takes none of what waits for it for stallTimeoutMs is cut. */
  #watchProgress(): void {
    if (this.#stallTimer !== undefined || this.#closed) return;
    const stallMs = this.#settings.stallTimeoutMs;
    this.#stallTimer = setTimeout(() => {
      // Nothing waiting for the client (a replay still reading the file): not its fault.
      if (this.#queue.bytes === 0) {
        this.#stallTimer?.refresh();
        return;
      }
      this.#settings.diagnostic(
        `client cut: it took none of the ${this.#queue.bytes} bytes waiting for it in ${stallMs} ms`,
      );
      this.destroy();
    }, stallMs);
    this.#stallTimer.unref();
  }
}
