// What a user sees when a line cannot be decoded: one test per decode error, with the message
// exactly as the CLI would print it, plus the framing rules around them.
import { describe, expect, it } from "vitest";
import {
  createStderrDecoder,
  createSummaryDecoder,
  type DecodeResult,
  decodeAll,
  decodeStream,
  encodeEvent,
  LineDecoder,
  ProtocolDecodeError,
  type RunEvent,
} from "./index.js";

const RUN = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
const TS = "2026-06-05T14:23:00.000Z";
const log: RunEvent = { type: "log", runId: RUN, seq: 1, ts: TS, level: "info", message: "hello" };

function errors(results: readonly DecodeResult<unknown>[]): ProtocolDecodeError[] {
  return results.flatMap((result) => (result.kind === "error" ? [result.error] : []));
}

describe("decode errors, as the user reads them", () => {
  it("invalid JSON names the file, the line and quotes it", () => {
    const decoder = createSummaryDecoder();
    const [error] = errors([
      ...decoder.push(`${encodeEvent(log)}{"type":"log",\n`),
      ...decoder.end(),
    ]);
    expect(error).toBeInstanceOf(ProtocolDecodeError);
    expect(error?.code).toBe("E_INVALID_JSON");
    expect(error?.message).toBe('run_summary.jsonl:2: not valid JSON: {"type":"log",');
    expect(error?.line).toBe(2);
    // The parser's own words are kept apart: they differ between Node versions.
    expect(error?.detail).toMatch(/JSON/);
  });

  it("a schema mismatch names every field, what was expected and what came", () => {
    const [error] = errors(
      decodeAll(`${JSON.stringify({ ...log, level: "debug", seq: 0 })}\n`, {
        content: "event",
        source: "events.jsonl",
      }),
    );
    expect(error?.code).toBe("E_SCHEMA_MISMATCH");
    expect(error?.message).toBe(
      'events.jsonl:1: log event: seq: expected a number > 0, got number 0; level: expected one of "info", "warn", "error", got "debug"',
    );
    expect(error?.problems).toEqual([
      { path: "seq", expected: "a number > 0", message: "expected a number > 0, got number 0" },
      {
        path: "level",
        expected: 'one of "info", "warn", "error"',
        message: 'expected one of "info", "warn", "error", got "debug"',
      },
    ]);
  });

  it("a long string in a problem is shortened", () => {
    const [error] = errors(
      decodeAll(`${JSON.stringify({ ...log, level: "x".repeat(100) })}\n`, { content: "event" }),
    );
    expect(error?.message).toBe(
      `line 1: log event: level: expected one of "info", "warn", "error", got "${"x".repeat(37)}..."`,
    );
  });

  it("a line too long is reported once, as soon as it passes the limit, then skipped", () => {
    const decoder = new LineDecoder({
      content: "client-message",
      maxLineBytes: 16,
      source: "ipc.sock",
    });
    const first = decoder.push("0123456789");
    expect(first).toEqual([]);
    const [error] = errors(decoder.push("0123456789"));
    expect(error?.code).toBe("E_LINE_TOO_LONG");
    expect(error?.message).toBe(
      "ipc.sock:1: line longer than 16 bytes, skipped up to its newline: 01234567890123456…",
    );
    // The rest of the line is dropped without a second report, and nothing is held for it.
    expect(decoder.push("x".repeat(1000))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(0);
    const after = decoder.push(`tail\n${JSON.stringify({ type: "ping" })}\n`);
    expect(after).toEqual([{ kind: "message", line: 2, value: { type: "ping" } }]);
  });

  it("a torn last line tells how much was left undecoded", () => {
    const [error] = errors(
      decodeAll(`${encodeEvent(log)}{"type":"lo`, {
        content: "event",
        source: "run_summary.jsonl",
      }),
    );
    expect(error?.code).toBe("E_TORN_LINE");
    expect(error?.message).toBe(
      "run_summary.jsonl:2: last line has no newline (a write in progress or cut short); 11 bytes not decoded",
    );
    expect(error?.bytes).toBe(11);
    expect(error?.excerpt).toBe('{"type":"lo');
  });

  it("the error can be thrown as is: a RunyardError with a stable code", () => {
    const [error] = errors(decodeAll("nope\n", { content: "event" }));
    expect(() => {
      throw error;
    }).toThrowError(
      expect.objectContaining({ code: "E_INVALID_JSON", name: "ProtocolDecodeError" }),
    );
  });
});

describe("framing", () => {
  it("counts every line, blank ones too, and goes on after each bad one", () => {
    const input = `\nnot json\n${encodeEvent(log)}\r\n[]\n${encodeEvent({ ...log, seq: 2 })}`;
    expect(
      decodeAll(input, { content: "event" }).map((result) => [result.kind, result.line]),
    ).toEqual([
      ["error", 2],
      ["message", 3],
      ["error", 5],
      ["message", 6],
    ]);
  });

  it("the stderr decoder passes other lines through and names stderr in errors", () => {
    const decoder = createStderrDecoder();
    const results = [
      ...decoder.push(`hello\n__RUNYARD_EVENT__ {\n${encodeEvent(log, "stderr")}`),
      ...decoder.end(),
    ];
    expect(results[0]).toEqual({ kind: "text", line: 1, text: "hello" });
    expect(errors(results)[0]?.message).toBe("stderr:2: not valid JSON: __RUNYARD_EVENT__ {");
    expect(results[2]).toEqual({ kind: "message", line: 3, value: log });
  });

  it("accepts strings as well as bytes, and starts over after end()", () => {
    const decoder = new LineDecoder({ content: "event" });
    expect(decoder.push(encodeEvent(log))).toEqual([{ kind: "message", line: 1, value: log }]);
    expect(decoder.push(new TextEncoder().encode(encodeEvent(log)))).toEqual([
      { kind: "message", line: 2, value: log },
    ]);
    expect(decoder.end()).toEqual([]);
    expect(decoder.push(encodeEvent(log))).toEqual([{ kind: "message", line: 1, value: log }]);
  });

  it("copies what it holds: a caller may reuse its buffer", () => {
    const decoder = new LineDecoder({ content: "event" });
    const line = new TextEncoder().encode(encodeEvent(log));
    const buffer = new Uint8Array(line.length);
    buffer.set(line.subarray(0, 10));
    decoder.push(buffer.subarray(0, 10));
    buffer.fill(0x20);
    buffer.set(line.subarray(10));
    expect(decoder.push(buffer.subarray(0, line.length - 10))).toEqual([
      { kind: "message", line: 1, value: log },
    ]);
  });

  it("decodeStream reads an async source to its end", async () => {
    async function* source() {
      yield encodeEvent(log).slice(0, 5);
      yield `${encodeEvent(log).slice(5)}{"torn":`;
    }
    const results = [];
    for await (const result of decodeStream(source(), { content: "event" })) results.push(result);
    expect(
      results.map((result) => (result.kind === "error" ? result.error.code : result.kind)),
    ).toEqual(["message", "E_TORN_LINE"]);
  });

  it("refuses a maximum line length that is not a positive integer", () => {
    expect(() => new LineDecoder({ content: "event", maxLineBytes: 0 })).toThrow(
      "maxLineBytes must be a positive integer, got 0",
    );
  });
});
