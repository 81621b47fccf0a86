// What the executor provides to the IPC server, and what it gets back.

import type { DecodedEvent, RunError, RunEvent, StepRequestMessage } from "@runyard/protocol";
import type { FinalStatus, RunMeta, RunStatus } from "@runyard/schema";

export interface IpcSnapshot {
  meta: RunMeta;
  status: RunStatus;
  /** Seq of the last durable event appended (and published) so far. */
  lastSeq: number;
}

export interface CancelRequest {
  /** A step to cancel; undefined cancels the whole run. */
  stepId?: string | undefined;
  reason?: string | undefined;
  /**
   * Kill now: SIGKILL the step's processes (or, without stepId, every process of the run and
   * record it cancelled) without the grace period, as a second Ctrl-C does. Accepted while an
   * ordinary cancel of the same step or run is under way. False when the client did not say.
   */
  force: boolean;
}

/** What a step request did: the event that records it, and the file it published, if any. */
export interface StepAnswer {
  seq: number;
  /** Relative to the run directory, e.g. inbox/001-results.txt. */
  path?: string;
}

export interface IpcServerHandlers {
  /** The run as it stands now; called for each welcome and each subscribe. */
  snapshot(): IpcSnapshot;
  /**
   * Durable events with fromSeq <= seq <= toSeq, in order (e.g. read from run_summary.jsonl).
   * An event of a type this version does not know is relayed as it was written.
   */
  replay(fromSeq: number, toSeq: number): AsyncIterable<DecodedEvent>;
  /**
   * A client asked to cancel; absent, cancel requests are refused (E_UNSUPPORTED). Returning
   * accepts the request; throwing a RunyardError refuses it with that error's code
   * (E_UNKNOWN_STEP, E_STEP_ENDED, E_RUN_ENDED, E_CANCEL), anything else with E_CANCEL. It
   * must decide synchronously: the answer goes out before the client's next message is read,
   * which is what lets a client tell an answer from an older server's silence.
   */
  cancel?(request: CancelRequest): void;
  /**
   * A step's command asks for something (step-log, step-send, step-artifact); absent, such
   * requests are refused (E_UNSUPPORTED). Resolving answers step-ok with the seq of the event
   * that records it (and the file it published); rejecting with a RunyardError answers an
   * error with that error's code, anything else with E_STEP_REQUEST. The client's next
   * messages are read meanwhile.
   */
  step?(request: StepRequestMessage): Promise<StepAnswer> | StepAnswer;
  /** Client trouble (bad lines, slow clients dropped): for the executor's log, not the run's. */
  diagnostic?(message: string): void;
}

/** The server's limits; docs/protocol.md ("Limits and deadlines") says what a client sees. */
export interface IpcServerOptions {
  /**
   * Connections served at once (default 256). When full, a new connection takes the place of
   * the oldest one that has not said hello; if all have, the new one is turned away. Either
   * way the one that goes gets E_TOO_MANY_CLIENTS.
   */
  maxClients?: number;
  /** How long a connection may stay without saying hello (default 10 000 ms): E_HELLO_TIMEOUT. */
  helloTimeoutMs?: number;
  /**
   * Messages a client may send per second, on average (default 20), and at once (default
   * 200); past that it gets E_TOO_MANY_REQUESTS and is closed. Bad lines count too.
   */
  requestsPerSecond?: number;
  requestBurst?: number;
  /** Bytes a client may fall behind before it is dropped (default 8 MiB): E_CLIENT_TOO_SLOW. */
  maxQueueBytes?: number;
  /**
   * Bytes all clients together may fall behind (default 64 MiB); past it, the clients furthest
   * behind are dropped with E_CLIENT_TOO_SLOW until the others fit.
   */
  maxTotalQueueBytes?: number;
  /**
   * How long a client that is being closed (by close(), or dropped) may take none of what
   * waits for it before it is cut (default 2000 ms).
   */
  stallTimeoutMs?: number;
  /**
   * The longest close() waits for clients that are still reading their backlog and `bye`
   * (default 30 000 ms); clients that read nothing are cut sooner (stallTimeoutMs).
   */
  closeTimeoutMs?: number;
}

export interface IpcServer {
  readonly socketPath: string;
  readonly clientCount: number;
  /**
   * Sends an event to the clients that subscribed to it. Call it after the event was appended
   * to run_summary.jsonl (durable events) — the replay of a client that subscribes later
   * relies on it. step-output events go only to clients that asked for that step's output.
   */
  publish(event: RunEvent): void;
  /** Whether any client wants `stepId`'s output; if not, the executor need not decode it. */
  wantsOutput(stepId: string): boolean;
  /**
   * Says `bye` to every client, stops listening and removes the socket. `error`: why the run
   * could not keep its record, for clients to report (see ByeMessage).
   */
  close(finalStatus: FinalStatus | null, error?: RunError): Promise<void>;
}
