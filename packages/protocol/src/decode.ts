// Shortcuts for the common ways of feeding a LineDecoder: a whole text at once, or a stream
// of chunks (a file read stream, a socket).
import type { DecoderContent, DecoderContentTypes } from "./interpret.js";
import { type DecodeResult, type DecoderOptions, LineDecoder } from "./line-decoder.js";

/** Decodes a complete input (a whole file's text or bytes), torn last line included. */
export function decodeAll<C extends DecoderContent>(
  input: string | Uint8Array,
  options: DecoderOptions<C>,
): DecodeResult<DecoderContentTypes[C]>[] {
  const decoder = new LineDecoder(options);
  const results = decoder.push(input);
  for (const result of decoder.end()) results.push(result);
  return results;
}

/** Decodes chunks as they arrive; the stream's end ends the decoder (see LineDecoder.end). */
export async function* decodeStream<C extends DecoderContent>(
  source: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  options: DecoderOptions<C>,
): AsyncGenerator<DecodeResult<DecoderContentTypes[C]>> {
  const decoder = new LineDecoder(options);
  for await (const chunk of source) yield* decoder.push(chunk);
  yield* decoder.end();
}

/** A decoder for run_summary.jsonl: events, JSON lines, errors named after the file. */
export function createSummaryDecoder(
  options: Omit<DecoderOptions<"event">, "content" | "framing"> = {},
): LineDecoder<"event"> {
  return new LineDecoder({ source: "run_summary.jsonl", ...options, content: "event" });
}

/** A decoder for an executor's stderr: event lines after the prefix, other lines as text. */
export function createStderrDecoder(
  options: Omit<DecoderOptions<"event">, "content" | "framing"> = {},
): LineDecoder<"event"> {
  return new LineDecoder({ source: "stderr", ...options, content: "event", framing: "stderr" });
}
