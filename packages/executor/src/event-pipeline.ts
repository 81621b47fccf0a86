// The one path every state change takes: the scheduler's decision becomes one event with the
// next seq → appended to run_summary.jsonl → applied to the in-memory status (status.json is
// snapshotted from it, coalesced) → broadcast on ipc.sock → handed to onEvent → offered to
// the run's hooks. No sink reads another back. Step output takes the live half only: ipc.sock
// and onEvent, when wanted.

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
  /**
   * An append failed: free what space can be freed (the disk reserve). True when it freed
   * some, so the same line is worth one more try. Called before onFatal.
   */
  makeRoom?: (error: unknown) => boolean;
  /** Offered every durable event once it is in the timeline (the run's hooks, hook-runner.ts). */
  hooks?: { offer(event: DurableRunEvent): void } | undefined;
}

export class EventPipeline {
  readonly #options: EventPipelineOptions;
  #sequencer: EventSequencer;
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
    const failure = this.#append(event);
    if (failure?.kept === false) {
      // Not in the timeline, so nobody hears of it, and the next event takes its seq: the
      // summary stays gapless and may still get its run-end.
      this.#sequencer = new EventSequencer({
        runId: options.runId,
        lastSeq: options.summary.lastSeq,
      });
      options.onFatal(failure.error);
      return undefined;
    }
    if (event.type === "run-end") this.#ended = true;
    if (applyEvent(options.status, event)) options.statusWriter.changed();
    this.#live?.publish(event);
    this.#deliver(event);
    options.hooks?.offer(event);
    // Kept, in the room the first failure freed; the run must stop all the same.
    if (failure) options.onFatal(failure.error);
    return event;
  }

  /** Appends `event`; on failure, tries once more if room was made. Undefined: appended. */
  #append(event: DurableRunEvent): { error: unknown; kept: boolean } | undefined {
    const { summary, makeRoom } = this.#options;
    try {
      summary.append(event);
      return undefined;
    } catch (error) {
      if (!makeRoom?.(error)) return { error, kept: false };
      try {
        // The writer cut the file back to its last whole line: the same line goes again.
        summary.append(event);
        return { error, kept: true };
      } catch {
        return { error, kept: false };
      }
    }
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
