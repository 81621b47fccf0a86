// The streaming decoder: bytes in, typed results out. Chunks may split anywhere (inside a line,
// inside a UTF-8 character); the results do not depend on where. It never throws, holds at
// most `maxLineBytes` of an unfinished line, and reports a bad line without losing the next.
//
// Speed comes from working per chunk, not per line: the complete lines of a chunk are decoded
// from UTF-8 in one call and split as a string. 0x0A never occurs inside a multi-byte UTF-8
// sequence, so the k-th "\n" of that string is the k-th 0x0A byte, and splitting the bytes at
// the chunk's last newline never cuts a character. Only the unfinished tail is copied.
import { DEFAULT_MAX_LINE_BYTES, STDERR_EVENT_PREFIX } from "./codec.js";
import { DECODE_ERROR_CODES, type DecodeErrorCode, ProtocolDecodeError } from "./errors.js";
import {
  type DecoderContent,
  type DecoderContentTypes,
  type Interpreter,
  interpreterFor,
} from "./interpret.js";
import { escapeControls, formatProblems } from "./problems.js";

export type Framing = "json-lines" | "stderr";

export interface DecoderOptions<C extends DecoderContent = DecoderContent> {
  /** What the lines hold: events (summary, stderr), client messages or server messages. */
  content: C;
  /** `json-lines` (default): every non-empty line is JSON. `stderr`: lines that start with
   * STDERR_EVENT_PREFIX hold JSON, all others pass through as text. */
  framing?: Framing;
  /** Check each line against its schema (default). Off for trusted input: faster, and the
   * value is the parsed JSON as is (unknown event types are still wrapped). */
  validate?: boolean;
  /** Longest line accepted, in bytes before the `\n` (default 1 MiB). */
  maxLineBytes?: number;
  /** Named at the start of error messages, e.g. a file name: `run_summary.jsonl:3: ...`. */
  source?: string;
}

/** One decoded line. `line` is its 1-based number in the stream; blank lines count. */
export type DecodeResult<T> =
  | { readonly kind: "message"; readonly line: number; readonly value: T }
  | { readonly kind: "text"; readonly line: number; readonly text: string }
  | { readonly kind: "error"; readonly line: number; readonly error: ProtocolDecodeError };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BYTE_ORDER_MARK = 0xfeff;
const EXCERPT_CHARACTERS = 60;
const EXCERPT_BYTES = 40;
const encoder = new TextEncoder();

function excerptOf(text: string): string {
  if (text.length <= EXCERPT_CHARACTERS) return escapeControls(text);
  let cut = EXCERPT_CHARACTERS;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${escapeControls(text.slice(0, cut))}…`;
}

export class LineDecoder<C extends DecoderContent = DecoderContent> {
  readonly #stderr: boolean;
  readonly #maxLineBytes: number;
  // A too-long line is known by its first bytes; every path has at least max + 1 of them, so
  // the excerpt is the same however the line was chunked.
  readonly #excerptBytes: number;
  readonly #source: string | undefined;
  readonly #interpret: Interpreter<DecoderContentTypes[C]>;
  // ignoreBOM keeps U+FEFF where it is, so chunking cannot change results; a BOM at the very
  // start of the stream is dropped by #handle instead.
  readonly #utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
  #parts: Uint8Array[] = [];
  #partsLength = 0;
  #skipping = false;
  #line = 1;

  constructor(options: DecoderOptions<C>) {
    const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new RangeError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
    }
    this.#stderr = options.framing === "stderr";
    this.#maxLineBytes = maxLineBytes;
    this.#excerptBytes = Math.min(EXCERPT_BYTES, maxLineBytes + 1);
    this.#source = options.source;
    this.#interpret = interpreterFor(options.content, options.validate ?? true);
  }

  /** Bytes of an unfinished line held back until its newline (never more than maxLineBytes). */
  get bufferedBytes(): number {
    return this.#partsLength;
  }

  /** Feeds the next chunk; returns the results of every line it completed. */
  push(chunk: Uint8Array | string): DecodeResult<DecoderContentTypes[C]>[] {
    const out: DecodeResult<DecoderContentTypes[C]>[] = [];
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    let position = 0;
    if (this.#skipping || this.#partsLength > 0) {
      const newline = bytes.indexOf(NEWLINE);
      if (newline === -1) {
        this.#hold(bytes, 0, out);
        return out;
      }
      if (this.#skipping) this.#skipping = false;
      else this.#finishHeld(bytes.subarray(0, newline), out);
      this.#line += 1;
      position = newline + 1;
    }
    const last = bytes.lastIndexOf(NEWLINE);
    if (last >= position) {
      this.#block(bytes, position, last, out);
      position = last + 1;
    }
    if (position < bytes.length) this.#hold(bytes, position, out);
    return out;
  }

  /** Ends the stream: an unfinished last line is reported as torn (in the stderr form, a
   * last line without the prefix is passed through as text). Resets the decoder. */
  end(): DecodeResult<DecoderContentTypes[C]>[] {
    const out: DecodeResult<DecoderContentTypes[C]>[] = [];
    if (this.#partsLength > 0) {
      const bytes = this.#takeHeld();
      let visible = this.#utf8.decode(bytes);
      if (visible.charCodeAt(visible.length - 1) === CARRIAGE_RETURN)
        visible = visible.slice(0, -1);
      if (this.#line === 1 && visible.charCodeAt(0) === BYTE_ORDER_MARK) visible = visible.slice(1);
      if (this.#stderr && !visible.startsWith(STDERR_EVENT_PREFIX)) {
        out.push({ kind: "text", line: this.#line, text: visible });
      } else {
        const count = `${bytes.length} byte${bytes.length === 1 ? "" : "s"}`;
        out.push(
          this.#error(
            DECODE_ERROR_CODES.tornLine,
            `last line has no newline (a write in progress or cut short); ${count} not decoded`,
            { excerpt: excerptOf(visible), bytes: bytes.length },
          ),
        );
      }
    }
    this.#skipping = false;
    this.#line = 1;
    return out;
  }

  // The complete lines bytes[start, end) followed by the newline at `end`.
  #block(
    bytes: Uint8Array,
    start: number,
    end: number,
    out: DecodeResult<DecoderContentTypes[C]>[],
  ) {
    const text = this.#utf8.decode(bytes.subarray(start, end));
    const max = this.#maxLineBytes;
    // A line of n UTF-16 units has at most 3n bytes, so only lines longer than max/3 units
    // need their exact byte length, found by walking the byte newlines up to them.
    let byteStart = start;
    let byteLine = 0;
    let index = 0;
    let from = 0;
    for (;;) {
      const newline = text.indexOf("\n", from);
      const stop = newline === -1 ? text.length : newline;
      if ((stop - from) * 3 > max) {
        for (; byteLine < index; byteLine += 1) byteStart = bytes.indexOf(NEWLINE, byteStart) + 1;
        const byteEnd = bytes.indexOf(NEWLINE, byteStart);
        if (byteEnd - byteStart > max) {
          out.push(this.#tooLong(bytes.subarray(byteStart, byteStart + this.#excerptBytes)));
        } else this.#handle(text.slice(from, stop), out);
      } else this.#handle(text.slice(from, stop), out);
      this.#line += 1;
      if (newline === -1) return;
      from = newline + 1;
      index += 1;
    }
  }

  // Keeps bytes[start..] of an unfinished line, unless that makes it too long.
  #hold(bytes: Uint8Array, start: number, out: DecodeResult<DecoderContentTypes[C]>[]) {
    const length = bytes.length - start;
    if (this.#skipping || length === 0) return;
    if (this.#partsLength + length > this.#maxLineBytes) {
      const head = this.#concat(bytes.subarray(start), this.#excerptBytes);
      out.push(this.#tooLong(head));
      this.#parts = [];
      this.#partsLength = 0;
      this.#skipping = true;
      return;
    }
    // A copy: the caller may reuse its buffer, and a small tail must not pin a large chunk.
    this.#parts.push(new Uint8Array(bytes.subarray(start)));
    this.#partsLength += length;
  }

  // The held line ends with `rest` (the bytes before its newline).
  #finishHeld(rest: Uint8Array, out: DecodeResult<DecoderContentTypes[C]>[]) {
    if (this.#partsLength + rest.length > this.#maxLineBytes) {
      out.push(this.#tooLong(this.#concat(rest, this.#excerptBytes)));
      this.#parts = [];
      this.#partsLength = 0;
      return;
    }
    const bytes = this.#concat(rest, this.#partsLength + rest.length);
    this.#parts = [];
    this.#partsLength = 0;
    this.#handle(this.#utf8.decode(bytes), out);
  }

  #takeHeld(): Uint8Array {
    const bytes = this.#concat(new Uint8Array(0), this.#partsLength);
    this.#parts = [];
    this.#partsLength = 0;
    return bytes;
  }

  // The first `limit` bytes of the held parts followed by `rest`.
  #concat(rest: Uint8Array, limit: number): Uint8Array {
    const only = this.#parts[0];
    if (this.#parts.length === 1 && only && rest.length === 0 && only.length <= limit) return only;
    const total = Math.min(limit, this.#partsLength + rest.length);
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const part of [...this.#parts, rest]) {
      if (offset >= total) break;
      const take = part.subarray(0, total - offset);
      bytes.set(take, offset);
      offset += take.length;
    }
    return bytes;
  }

  #handle(raw: string, out: DecodeResult<DecoderContentTypes[C]>[]) {
    let text = raw;
    if (text.charCodeAt(text.length - 1) === CARRIAGE_RETURN) text = text.slice(0, -1);
    if (this.#line === 1 && text.charCodeAt(0) === BYTE_ORDER_MARK) text = text.slice(1);
    let json = text;
    if (this.#stderr) {
      if (!text.startsWith(STDERR_EVENT_PREFIX)) {
        out.push({ kind: "text", line: this.#line, text });
        return;
      }
      json = text.slice(STDERR_EVENT_PREFIX.length);
    } else if (text.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      out.push(
        this.#error(DECODE_ERROR_CODES.invalidJson, `not valid JSON: ${excerptOf(text)}`, {
          excerpt: excerptOf(text),
          detail: error instanceof Error ? error.message : String(error),
        }),
      );
      return;
    }
    const result = this.#interpret(value);
    if (result.ok) {
      out.push({ kind: "message", line: this.#line, value: result.value });
      return;
    }
    const message = `${result.what}: ${formatProblems(result.problems, result.total)}`;
    out.push(
      this.#error(DECODE_ERROR_CODES.schemaMismatch, message, {
        excerpt: excerptOf(text),
        problems: result.problems,
      }),
    );
  }

  #tooLong(head: Uint8Array): DecodeResult<never> {
    const excerpt = `${escapeControls(this.#utf8.decode(head))}…`;
    return this.#error(
      DECODE_ERROR_CODES.lineTooLong,
      `line longer than ${this.#maxLineBytes} bytes, skipped up to its newline: ${excerpt}`,
      { excerpt },
    );
  }

  #error(
    code: DecodeErrorCode,
    message: string,
    details: {
      excerpt: string;
      detail?: string;
      bytes?: number;
      problems?: ProtocolDecodeError["problems"];
    },
  ): DecodeResult<never> {
    const where =
      this.#source === undefined ? `line ${this.#line}` : `${this.#source}:${this.#line}`;
    const error = new ProtocolDecodeError(code, `${where}: ${message}`, {
      line: this.#line,
      ...details,
    });
    return { kind: "error", line: this.#line, error };
  }
}
