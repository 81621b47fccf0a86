// Stamps runId, seq and ts on the events a producer hands over, so that the timeline keeps
// the promises readers rely on: seq is gapless from 1, run-start comes first and nothing
// follows run-end. step-output takes the last durable seq and does not advance it.
import { now } from "@runyard/schema";
import { EventOrderError } from "./errors.js";
import type { EventPayload } from "./events.js";

export interface EventSequencerOptions {
  runId: string;
  /** Seq of the last event already written (resuming a timeline); 0 for a new run. */
  lastSeq?: number;
  /** The clock, for tests; default: now, ISO-8601 UTC with milliseconds. */
  clock?: () => string;
}

/** A payload with the fields every event carries. */
export type Stamped<P extends EventPayload> = P & { runId: string; seq: number; ts: string };

export class EventSequencer {
  readonly runId: string;
  readonly #clock: () => string;
  #lastSeq: number;
  #ended = false;

  constructor(options: EventSequencerOptions) {
    const lastSeq = options.lastSeq ?? 0;
    if (!Number.isSafeInteger(lastSeq) || lastSeq < 0) {
      throw new RangeError(`lastSeq must be a non-negative integer, got ${lastSeq}`);
    }
    this.runId = options.runId;
    this.#lastSeq = lastSeq;
    this.#clock = options.clock ?? now;
  }

  /** Seq of the last durable event stamped (or resumed from). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * The event for `payload`: `{ type, runId, seq, ts, ...payload }`. Throws EventOrderError
   * (E_EVENT_ORDER) for an event before run-start in a new run or after run-end: either is a
   * bug in the producer, and a reader would otherwise see a timeline it cannot trust.
   */
  next<P extends EventPayload>(payload: P): Stamped<P> {
    if (this.#ended) {
      throw new EventOrderError(`${payload.type} after run-end in run ${this.runId}`);
    }
    if (this.#lastSeq === 0 && payload.type !== "run-start") {
      throw new EventOrderError(
        `${payload.type} before run-start in run ${this.runId}; run-start must be the first event`,
      );
    }
    if (payload.type === "run-end") this.#ended = true;
    const seq = payload.type === "step-output" ? this.#lastSeq : this.#lastSeq + 1;
    this.#lastSeq = seq;
    const stamps = { runId: this.runId, seq, ts: this.#clock() };
    // type and the stamps first, for a readable line; the stamps win over stray copies.
    return Object.assign({ type: payload.type, ...stamps }, payload, stamps) as Stamped<P>;
  }
}
