// Property tests of the codec: whatever a producer writes, a reader gets back exactly; and
// whatever bytes arrive, in whatever chunks, the decoder neither throws nor loses a good line.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  clientMessageArbitraries,
  eventArbitraries,
  runEvent,
  serverMessageArbitraries,
} from "../test/arbitraries.js";
import {
  type DecodeResult,
  type DecoderContent,
  decodeAll,
  encodeEvent,
  encodeMessage,
  LineDecoder,
  STDERR_EVENT_PREFIX,
} from "./index.js";

const encoder = new TextEncoder();

/** Splits `bytes` at the given cut points (any byte position, inside characters too). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function decodeChunks<C extends DecoderContent>(
  chunks: readonly Uint8Array[],
  options: ConstructorParameters<typeof LineDecoder<C>>[0],
) {
  const decoder = new LineDecoder(options);
  const results: DecodeResult<unknown>[] = [];
  for (const chunk of chunks) results.push(...decoder.push(chunk));
  results.push(...decoder.end());
  return results;
}

/** Results as plain data, errors by code, line and message, for comparing two decodings. */
function plain(results: readonly DecodeResult<unknown>[]) {
  return results.map((result) =>
    result.kind === "error"
      ? { kind: "error", line: result.line, code: result.error.code, message: result.error.message }
      : result,
  );
}

const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe("encode → decode is the identity", () => {
  for (const validate of [true, false]) {
    const mode = validate ? "validated" : "trusted";
    for (const [type, arbitrary] of Object.entries(eventArbitraries)) {
      it(`${type} events (${mode}), in any chunking`, () => {
        fc.assert(
          fc.property(arbitrary, cuts, (event, points) => {
            const bytes = encoder.encode(encodeEvent(event));
            const results = decodeChunks(split(bytes, points), { content: "event", validate });
            expect(results).toEqual([{ kind: "message", line: 1, value: event }]);
          }),
        );
      });
    }
    for (const [type, arbitrary] of Object.entries(clientMessageArbitraries)) {
      it(`${type} messages (${mode})`, () => {
        fc.assert(
          fc.property(arbitrary, (message) => {
            const results = decodeAll(encodeMessage(message), {
              content: "client-message",
              validate,
            });
            expect(results).toEqual([{ kind: "message", line: 1, value: message }]);
          }),
        );
      });
    }
    for (const [type, arbitrary] of Object.entries(serverMessageArbitraries)) {
      it(`${type} messages (${mode})`, () => {
        fc.assert(
          fc.property(arbitrary, (message) => {
            const results = decodeAll(encodeMessage(message), {
              content: "server-message",
              validate,
            });
            expect(results).toEqual([{ kind: "message", line: 1, value: message }]);
          }),
        );
      });
    }
  }

  it("a stream of events in the stderr form, between other output", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(runEvent, fc.string())), cuts, (pairs, points) => {
        // Passthrough text is a line of its own that does not start with the prefix.
        const texts = pairs.map(([, other]) => other.replace(/[\r\n]/g, " ").replace(/^__/, "x"));
        const input = pairs
          .map(([event], index) => `${texts[index]}\n${encodeEvent(event, "stderr")}`)
          .join("");
        const results = decodeChunks(split(encoder.encode(input), points), {
          content: "event",
          framing: "stderr",
        });
        const expected = pairs.flatMap(([event], index) => [
          { kind: "text", line: 2 * index + 1, text: texts[index] },
          { kind: "message", line: 2 * index + 2, value: event },
        ]);
        expect(results).toEqual(expected);
      }),
    );
  });
});

// Arbitrary bytes, newlines and carriage returns frequent, so that garbage makes lines too.
const garbage = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc
    .array(fc.constantFrom(0x0a, 0x0d, 0x7b, 0x22, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0xff, 0x20), {
      maxLength: 20,
    })
    .map((values) => Uint8Array.from(values)),
  fc.string({ unit: "binary", maxLength: 30 }).map((value) => encoder.encode(value)),
);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** True when `expected` occurs in `actual` in order, possibly with others between. */
function containsInOrder(actual: readonly unknown[], expected: readonly unknown[]): boolean {
  let index = 0;
  for (const value of actual) {
    if (index < expected.length && JSON.stringify(value) === JSON.stringify(expected[index]))
      index += 1;
  }
  return index === expected.length;
}

describe("any bytes, any chunking", () => {
  for (const framing of ["json-lines", "stderr"] as const) {
    for (const maxLineBytes of [1024 * 1024, 48]) {
      it(`never throws and recovers every valid line (${framing}, max ${maxLineBytes} bytes)`, () => {
        // With the small limit the valid lines are short pings, so garbage overflows, they do not.
        const valid = maxLineBytes < 100 ? fc.constant({ type: "ping" as const }) : runEvent;
        const segment = fc.oneof(
          garbage.map((bytes) => ({ bytes })),
          valid.map((value) => ({ value })),
        );
        fc.assert(
          fc.property(
            fc.array(segment, { maxLength: 12 }),
            cuts,
            fc.boolean(),
            (segments, points, trailing) => {
              const content = maxLineBytes < 100 ? "client-message" : "event";
              const prefix = framing === "stderr" ? STDERR_EVENT_PREFIX : "";
              const expected: unknown[] = [];
              const parts: Uint8Array[] = [];
              for (const part of segments) {
                if ("bytes" in part) parts.push(part.bytes);
                else {
                  // "\n" first: a valid line is embedded as a line of its own.
                  parts.push(encoder.encode(`\n${prefix}${JSON.stringify(part.value)}\n`));
                  expected.push(part.value);
                }
              }
              if (trailing) parts.push(encoder.encode("\n"));
              const bytes = concat(parts);
              const options = { content, framing, maxLineBytes } as const;
              const whole = decodeChunks([bytes], options);
              const chunked = decodeChunks(split(bytes, points), options);
              const byteByByte = decodeChunks(
                Array.from(bytes, (_, index) => bytes.subarray(index, index + 1)),
                options,
              );
              expect(plain(chunked)).toEqual(plain(whole));
              expect(plain(byteByByte)).toEqual(plain(whole));
              const messages = whole.flatMap((result) =>
                result.kind === "message" ? [result.value] : [],
              );
              expect(containsInOrder(messages, expected)).toBe(true);
            },
          ),
        );
      });
    }
  }

  it("never holds more than maxLineBytes of an unfinished line", () => {
    fc.assert(
      fc.property(
        fc.array(garbage, { maxLength: 30 }),
        fc.integer({ min: 1, max: 64 }),
        (chunks, max) => {
          const decoder = new LineDecoder({ content: "event", maxLineBytes: max });
          for (const chunk of chunks) {
            decoder.push(chunk);
            expect(decoder.bufferedBytes).toBeLessThanOrEqual(max);
          }
        },
      ),
    );
  });
});
