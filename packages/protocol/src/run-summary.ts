// Reading run_summary.jsonl as a whole: the events in order, the last seq (to resume from),
// and every problem found, each naming the line. A torn last line is expected — the writer
// may be appending right now, or died mid-write — so it is reported apart, not as damage.

import { createSummaryDecoder } from "./decode.js";
import { type ProtocolDecodeError, SummaryProblemError } from "./errors.js";
import type { DecodedEvent } from "./events.js";
import type { DecodeResult, DecoderOptions, LineDecoder } from "./line-decoder.js";

export interface SummaryReadOptions extends Omit<DecoderOptions<"event">, "content" | "framing"> {
  /** Keep only events with seq >= fromSeq (all lines are still checked). Default 1. */
  fromSeq?: number;
}

export interface RunSummary {
  /** Durable events with seq >= fromSeq, in file order. */
  events: DecodedEvent[];
  /** Seq of the last event in the file; 0 when there is none. Resume after it. */
  lastSeq: number;
  /** Lines that could not be decoded, gaps in seq, live events where none belong. */
  problems: (ProtocolDecodeError | SummaryProblemError)[];
  /** The last line, if it had no newline yet (E_TORN_LINE); not an event, not a problem. */
  torn: ProtocolDecodeError | undefined;
}

/** Accumulates decode results into a RunSummary, checking the seq promise line by line. */
class SummaryCollector {
  readonly summary: RunSummary = { events: [], lastSeq: 0, problems: [], torn: undefined };
  readonly #fromSeq: number;
  readonly #source: string;

  constructor(fromSeq: number, source: string) {
    this.#fromSeq = fromSeq;
    this.#source = source;
  }

  add(results: readonly DecodeResult<DecodedEvent>[]): void {
    for (const result of results) {
      if (result.kind === "error") {
        if (result.error.code === "E_TORN_LINE") this.summary.torn = result.error;
        else this.summary.problems.push(result.error);
        continue;
      }
      if (result.kind !== "message") continue;
      const event = result.value;
      const where = `${this.#source}:${result.line}`;
      if (event.type === "step-output") {
        this.summary.problems.push(
          new SummaryProblemError(
            "E_LIVE_EVENT_IN_SUMMARY",
            `${where}: step-output is live only and does not belong in the summary; ignored`,
            result.line,
          ),
        );
        continue;
      }
      const expected = this.summary.lastSeq + 1;
      if (event.seq !== expected) {
        this.summary.problems.push(
          new SummaryProblemError(
            "E_SEQ_ORDER",
            `${where}: expected seq ${expected}, got ${event.seq} (lines lost or out of order)`,
            result.line,
          ),
        );
      }
      this.summary.lastSeq = Math.max(this.summary.lastSeq, event.seq);
      if (event.seq >= this.#fromSeq) this.summary.events.push(event);
    }
  }
}

function start(options: SummaryReadOptions): {
  decoder: LineDecoder<"event">;
  collector: SummaryCollector;
} {
  const { fromSeq = 1, ...decoderOptions } = options;
  const decoder = createSummaryDecoder(decoderOptions);
  return {
    decoder,
    collector: new SummaryCollector(fromSeq, options.source ?? "run_summary.jsonl"),
  };
}

/** Reads a whole run_summary.jsonl already in memory. */
export function decodeRunSummary(
  input: string | Uint8Array,
  options: SummaryReadOptions = {},
): RunSummary {
  const { decoder, collector } = start(options);
  collector.add(decoder.push(input));
  collector.add(decoder.end());
  return collector.summary;
}

/** Reads run_summary.jsonl from a stream of chunks (e.g. fs.createReadStream). */
export async function readRunSummary(
  source: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  options: SummaryReadOptions = {},
): Promise<RunSummary> {
  const { decoder, collector } = start(options);
  for await (const chunk of source) collector.add(decoder.push(chunk));
  collector.add(decoder.end());
  return collector.summary;
}
