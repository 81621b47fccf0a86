// Following a run to its end across dropped connections: the executor restarting its server,
// a transient error, an ssh bridge that died. The follower subscribes from a seq and, when
// the connection goes before `bye`, connects again with backoff (bounded in time) and
// resubscribes from one past the last seq it delivered, so the consumer sees every durable
// event once, in order. Step output is best effort: what was written while no connection
// was up is not sent again (the capture files have it).
//
//   const follower = followRun(runDirectory, { output: true, signal });
//   for await (const message of follower) render(message);
//   follower.finalStatus;   // "success" | "failed" | "cancelled", or undefined if stopped
import {
  type DecodedServerMessage,
  PROTOCOL_ERROR_CODES,
  type WelcomeMessage,
} from "@runyard/protocol";
import type { FinalStatus } from "@runyard/schema";
import type { CancelAnswer } from "./cancel-answers.js";
import {
  type CancelOptions,
  createIpcClient,
  type IpcClient,
  type IpcClientOptions,
} from "./client.js";
import { IpcConnectError, NoExecutorError, OtherHostError } from "./errors.js";
import { type RunTransportOptions, runTransport } from "./run-transport.js";
import type { IpcTransport } from "./transport.js";

export interface ReconnectOptions {
  /**
   * How long to go on trying to reach the executor, in ms, counted from the moment the
   * connection was lost (or from the start, for the first connection). Default 10000.
   */
  maxElapsedMs?: number;
  /** The first wait between two attempts, in ms (default 50); doubled after each. */
  initialDelayMs?: number;
  /** The longest wait between two attempts, in ms (default 1000). */
  maxDelayMs?: number;
}

export interface RetryInfo {
  /** Why the last attempt failed, or why the connection was lost. */
  error: unknown;
  /** 1 for the first retry after a loss. */
  attempt: number;
  /** How long the follower waits before that attempt. */
  delayMs: number;
}

export interface FollowRunOptions extends IpcClientOptions, RunTransportOptions {
  /** The first durable event wanted (default 1: the whole timeline). */
  fromSeq?: number;
  /** Step output to stream: none (default), all (true) or these step ids. Best effort. */
  output?: boolean | readonly string[];
  /** How to reconnect; false gives up at the first failure. */
  reconnect?: ReconnectOptions | false;
  /**
   * Told before each wait between two attempts: a place to say "reconnecting…". (A lost
   * connection is first tried again at once; only when that fails is onRetry called.)
   */
  onRetry?: (info: RetryInfo) => void;
}

/**
 * Iterate it (once) for the server's messages: a `welcome` for each connection (the first,
 * then one per reconnection, with the run's meta and status then), every durable `event`
 * exactly once and in seq order, `output` if asked for, server `error`s, and finally `bye`.
 * The iteration ends after `bye` with the run's final status, or quietly when the signal is
 * aborted or close() is called, or right after an `error` E_TIMELINE_DAMAGED (the run's
 * timeline cannot be replayed live: read the rest from its files; finalStatus stays undefined); it throws NoExecutorError when the executor is gone for good,
 * OtherHostError, ProtocolVersionError, or another error that retrying cannot cure.
 */
export interface RunFollower extends AsyncIterable<DecodedServerMessage> {
  /** How the run ended, once `bye` said it; undefined until then (or when stopped early). */
  readonly finalStatus: FinalStatus | undefined;
  /** The seq of the last durable event delivered (fromSeq - 1 before the first). */
  readonly lastSeq: number;
  /** The latest welcome; undefined before the first connection. */
  readonly welcome: WelcomeMessage | undefined;
  /**
   * Cancels through the current connection (waiting for one while reconnecting). Rejects if
   * the connection drops before the answer: the cancel may or may not have been taken, and
   * asking again is safe (a repeated cancel is refused with E_CANCEL, and nothing is recorded).
   */
  cancel(request?: CancelOptions): Promise<CancelAnswer>;
  /** Stops following; the iteration ends. */
  close(): Promise<void>;
}

const DEFAULTS = { maxElapsedMs: 10_000, initialDelayMs: 50, maxDelayMs: 1000 };

/** Whether another attempt may succeed where this one failed. */
function isRetryable(error: unknown): boolean {
  if (error instanceof OtherHostError) return false;
  if (error instanceof NoExecutorError) return error.finalStatus === undefined;
  return error instanceof IpcConnectError;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Follows the run in `target` (its run directory, or a transport such as sshTransport). */
export function followRun(
  target: string | IpcTransport,
  options: FollowRunOptions = {},
): RunFollower {
  const transport = typeof target === "string" ? runTransport(target, options) : target;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const reconnect = options.reconnect === false ? undefined : { ...DEFAULTS, ...options.reconnect };
  let lastSeq = (options.fromSeq ?? 1) - 1;
  let finalStatus: FinalStatus | undefined;
  let welcome: WelcomeMessage | undefined;
  let current: IpcClient | undefined;
  /** Callers of cancel() waiting for a connection. */
  let waiting: { resolve: (client: IpcClient) => void; reject: (error: unknown) => void }[] = [];
  let ended = false;
  let iterated = false;

  const setCurrent = (client: IpcClient | undefined) => {
    current = client;
    if (client === undefined) return;
    for (const waiter of waiting) waiter.resolve(client);
    waiting = [];
  };

  const end = () => {
    ended = true;
    current = undefined;
    const error = new IpcConnectError(transport.target, undefined, {
      code: "E_IPC_CLOSED",
      message: `${transport.target}: the run is no longer followed`,
    });
    for (const waiter of waiting) waiter.reject(error);
    waiting = [];
  };

  /** A connection, welcomed and subscribed; retries within the budget. */
  const connect = async (): Promise<IpcClient | undefined> => {
    const started = Date.now();
    let delay = reconnect?.initialDelayMs ?? 0;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const client = await createIpcClient(transport, { ...options, signal });
        client.subscribe({ fromSeq: lastSeq + 1, output: options.output ?? false });
        return client;
      } catch (error) {
        if (signal.aborted) return undefined;
        if (!reconnect || !isRetryable(error)) throw error;
        if (Date.now() + delay - started > reconnect.maxElapsedMs) throw error;
        options.onRetry?.({ error, attempt, delayMs: delay });
        await sleep(delay, signal);
        if (signal.aborted) return undefined;
        delay = Math.min(delay * 2, reconnect.maxDelayMs);
      }
    }
  };

  /** One connection's messages; returns why it stopped before `bye`, or undefined after it. */
  async function* session(
    client: IpcClient,
  ): AsyncGenerator<DecodedServerMessage, { lost: unknown } | undefined> {
    try {
      for await (const message of client) {
        if (message.type === "event") {
          const seq = message.event.seq;
          if (seq <= lastSeq) continue; // a duplicate around a reconnect
          if (seq !== lastSeq + 1) {
            // The server never skips; if it did, subscribing again fills the gap.
            return { lost: new Error(`events jumped from seq ${lastSeq} to ${seq}`) };
          }
          lastSeq = seq;
        } else if (
          message.type === "error" &&
          message.code === PROTOCOL_ERROR_CODES.timelineDamaged
        ) {
          // Every connection would replay the same damaged file: following live cannot go on.
          // The consumer hears why, and reads the rest from the files as for an ended run.
          yield message;
          return undefined;
        } else if (message.type === "bye") {
          // bye without a status: the server is going away but the run has not ended.
          if (message.finalStatus === null) return { lost: new Error("the server said bye") };
          finalStatus = message.finalStatus;
          yield message;
          return undefined;
        }
        yield message;
      }
      return { lost: new Error("the connection closed before bye") };
    } catch (error) {
      if (signal.aborted) return undefined;
      if (!isRetryable(error)) throw error;
      return { lost: error };
    } finally {
      setCurrent(undefined);
      await client.close();
    }
  }

  async function* follow(): AsyncGenerator<DecodedServerMessage> {
    try {
      for (;;) {
        const client = await connect();
        if (client === undefined) return;
        welcome = client.welcome;
        setCurrent(client);
        yield client.welcome;
        const stopped = yield* session(client);
        if (stopped === undefined || signal.aborted) return;
        // The first attempt to reconnect is immediate: a bridge that died leaves the executor
        // up. onRetry hears of the loss only if that attempt fails too.
        if (!reconnect) throw stopped.lost;
      }
    } finally {
      end();
    }
  }

  return {
    get finalStatus() {
      return finalStatus;
    },
    get lastSeq() {
      return lastSeq;
    },
    get welcome() {
      return welcome;
    },
    async cancel(request) {
      if (ended) {
        throw new IpcConnectError(transport.target, undefined, {
          code: "E_IPC_CLOSED",
          message: `${transport.target}: the run is no longer followed`,
        });
      }
      const client =
        current ??
        (await new Promise<IpcClient>((resolve, reject) => waiting.push({ resolve, reject })));
      return client.cancel(request);
    },
    async close() {
      stop.abort();
      await current?.close();
    },
    [Symbol.asyncIterator]() {
      if (iterated) throw new Error("a RunFollower can be iterated only once");
      iterated = true;
      return follow();
    },
  };
}
