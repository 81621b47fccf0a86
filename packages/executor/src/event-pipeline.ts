// The one path every state change takes: the scheduler's decision becomes one event with the
// next seq → appended to run_summary.jsonl → applied to the in-memory status (status.json is
// snapshotted from it, coalesced) → broadcast on ipc.sock → handed to onEvent. No sink reads
// another back. Step output takes the live half only: ipc.sock and onEvent, when wanted.

import { type EventPayload, EventSequencer, type RunEvent } from "@runyard/protocol";
import type { RunStatus } from "@runyard/schema";
import { applyEvent, type StatusWriter, type SummaryWriter } from "@runyard/store";

export type DurableRunEvent = Exclude<RunEvent, { type: "step-output" }>;
export type OutputEvent = Extract<RunEvent, { type: "step-output" }>;
export type DurablePayload = EventPayload<DurableRunEvent>;
export type OutputPayload = EventPayload<OutputEvent>;

/** The live side a pipeline broadcasts to (the IPC server). */
export interface LiveSink {
  publish(event: RunEvent): void;
  wantsOutput(stepId: string): boolean;
}

export interface EventPipelineOptions {
  runId: string;
  summary: SummaryWriter;
  status: RunStatus;
  statusWriter: StatusWriter;
  onEvent: ((event: RunEvent) => void) | undefined;
  /** Which steps' output onEvent receives. */
  output: boolean | ReadonlySet<string>;
  /** A sink failed (the summary could not be appended, onEvent threw): the run must stop. */
  onFatal: (error: unknown) => void;
}

export class EventPipeline {
  readonly #options: EventPipelineOptions;
  readonly #sequencer: EventSequencer;
  #live: LiveSink | undefined;
  #ended = false;

  constructor(options: EventPipelineOptions) {
    this.#options = options;
    this.#sequencer = new EventSequencer({
      runId: options.runId,
      lastSeq: options.summary.lastSeq,
    });
  }

  /** Seq of the last durable event. */
  get lastSeq(): number {
    return this.#sequencer.lastSeq;
  }

  attach(live: LiveSink): void {
    this.#live = live;
  }

  /** Emits a durable event; after run-end nothing more is emitted (run-end is the last line). */
  emit(payload: DurablePayload): DurableRunEvent | undefined {
    if (this.#ended) return undefined;
    const options = this.#options;
    const event = this.#sequencer.next(payload) as DurableRunEvent;
    try {
      options.summary.append(event);
    } catch (error) {
      options.onFatal(error);
      return undefined;
    }
    if (event.type === "run-end") this.#ended = true;
    if (applyEvent(options.status, event)) options.statusWriter.changed();
    this.#live?.publish(event);
    this.#deliver(event);
    return event;
  }

  /** Whether anyone wants `stepId`'s output as text (if not, it is only written to disk). */
  wantsOutput(stepId: string): boolean {
    const output = this.#options.output;
    const local = output === true || (output !== false && output.has(stepId));
    return local || (this.#live?.wantsOutput(stepId) ?? false);
  }

  /** Emits a step-output event to the live sinks; it carries the last durable seq. */
  emitOutput(payload: OutputPayload): void {
    if (this.#ended) return;
    const options = this.#options;
    const event = this.#sequencer.next(payload) as OutputEvent;
    this.#live?.publish(event);
    const output = options.output;
    if (output === true || (output !== false && output.has(event.stepId))) this.#deliver(event);
  }

  #deliver(event: RunEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch (error) {
      this.#options.onFatal(error);
    }
  }
}
