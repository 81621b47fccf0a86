// One client's subscription: what it asked for, and the replay of the durable timeline from
// its fromSeq. Live events that happen while the replay runs are held back and follow it, so
// the client gets every durable event once, in seq order.
import {
  type DecodedEvent,
  encodeMessage,
  PROTOCOL_ERROR_CODES,
  type RunEvent,
} from "@runyard/protocol";
import { TimelineDamagedError } from "./errors.js";
import type { SendQueue } from "./send-queue.js";

/** While replaying, how much may wait for the client before the replay waits for it. */
const REPLAY_WINDOW_BYTES = 256 * 1024;

export interface SubscriptionHooks {
  /** Whether the connection is on its way out: the replay stops. */
  leaving(): boolean;
  /** The replay failed: tell the client (code, message) and drop it. */
  fail(code: string, message: string): void;
  /** Lines were queued: check the client's backlog. */
  queued(): void;
}

export class Subscription {
  readonly #fromSeq: number;
  readonly #output: boolean | ReadonlySet<string>;
  readonly #queue: SendQueue;
  readonly #hooks: SubscriptionHooks;
  /** Live lines held back while the replay runs. */
  #held: string[] | undefined;
  #heldBytes = 0;
  /** Settles when the replay is through (at once when there is none). */
  readonly replayed: Promise<void>;

  constructor(
    request: { fromSeq: number; output: boolean | readonly string[]; lastSeq: number },
    replay: (fromSeq: number, toSeq: number) => AsyncIterable<DecodedEvent>,
    queue: SendQueue,
    hooks: SubscriptionHooks,
  ) {
    const { fromSeq, output, lastSeq } = request;
    this.#fromSeq = fromSeq;
    this.#output = typeof output === "boolean" ? output : new Set(output);
    this.#queue = queue;
    this.#hooks = hooks;
    const replaying = fromSeq <= lastSeq;
    this.#held = replaying ? [] : undefined;
    this.replayed = replaying ? this.#replay(replay(fromSeq, lastSeq), lastSeq) : Promise.resolve();
  }

  /** Bytes of live lines held back behind the replay. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  wantsOutput(stepId: string): boolean {
    return this.#output === true || (this.#output !== false && this.#output.has(stepId));
  }

  /** Whether the client subscribed to `event`. */
  wants(event: RunEvent): boolean {
    return event.type === "step-output"
      ? this.wantsOutput(event.stepId)
      : event.seq >= this.#fromSeq;
  }

  /** Sends a live line, or holds it back while the replay runs. */
  deliver(line: string): void {
    if (this.#held) {
      this.#held.push(line);
      this.#heldBytes += Buffer.byteLength(line);
    } else this.#queue.push(line);
  }

  /** Forgets the lines held back (the client is being dropped). */
  drop(): void {
    this.#held = undefined;
    this.#heldBytes = 0;
  }

  /** Sends events fromSeq..toSeq from the durable record, then the live ones held meanwhile. */
  async #replay(events: AsyncIterable<DecodedEvent>, toSeq: number): Promise<void> {
    let next = this.#fromSeq;
    try {
      for await (const event of events) {
        if (this.#hooks.leaving()) return;
        if (event.type === "step-output" || event.seq < next) continue;
        if (event.seq !== next) {
          throw new TimelineDamagedError(
            `the run's timeline (run_summary.jsonl) jumps from seq ${next - 1} to ${event.seq}: seq ${next} is missing`,
          );
        }
        this.#queue.push(encodeMessage({ type: "event", event }));
        next += 1;
        if (next > toSeq) break;
        if (this.#queue.bytes > REPLAY_WINDOW_BYTES) await this.#queue.room(REPLAY_WINDOW_BYTES);
      }
      if (next !== toSeq + 1) {
        throw new TimelineDamagedError(
          `the run's timeline (run_summary.jsonl) ends at seq ${next - 1}, but the executor has recorded events up to seq ${toSeq}`,
        );
      }
    } catch (error) {
      if (this.#hooks.leaving()) return;
      if (error instanceof TimelineDamagedError) this.#hooks.fail(error.code, error.message);
      else {
        this.#hooks.fail(
          PROTOCOL_ERROR_CODES.replay,
          `cannot replay the run's events: ${(error as Error).message}`,
        );
      }
      return;
    }
    if (this.#hooks.leaving()) return;
    const held = this.#held ?? [];
    this.drop();
    for (const line of held) this.#queue.push(line);
    this.#hooks.queued();
  }
}
