// Errors of the protocol package. A decoder never throws them: it hands them over as results,
// so a reader can log one bad line and go on; they extend RunyardError so a caller that does
// want to stop can throw the very object and the CLI maps its stable code.
import { RunyardError } from "@runyard/schema";

/** Codes of the decode errors a decoder reports; stable, for programs to branch on. */
export const DECODE_ERROR_CODES = {
  /** The line is not JSON (or, in the stderr form, the text after the prefix is not). */
  invalidJson: "E_INVALID_JSON",
  /** The line is JSON but not a message of the expected kind; see `problems`. */
  schemaMismatch: "E_SCHEMA_MISMATCH",
  /** The line is longer than the decoder's maximum; it was skipped up to its newline. */
  lineTooLong: "E_LINE_TOO_LONG",
  /** The input ended inside a line (no final newline): a write in progress or cut short. */
  tornLine: "E_TORN_LINE",
} as const;
export type DecodeErrorCode = (typeof DECODE_ERROR_CODES)[keyof typeof DECODE_ERROR_CODES];

/** One field of a line that did not match its schema. */
export interface SchemaProblem {
  /** Path of the field, e.g. `steps[2].status`; `""` for the whole line. */
  readonly path: string;
  /** What the schema wanted there, e.g. `string`, `one of "info", "warn", "error"`. */
  readonly expected: string;
  /** The problem in words, e.g. `expected string, got number 3`. */
  readonly message: string;
}

export interface DecodeErrorDetails {
  readonly line: number;
  /** The beginning of the offending line, for the user to recognise it. */
  readonly excerpt: string;
  readonly problems?: readonly SchemaProblem[];
  /** The underlying parser's own words (varies between JSON parsers; not part of the contract). */
  readonly detail?: string;
  /** For a torn line: how many bytes it had. */
  readonly bytes?: number;
}

/** A line a decoder could not turn into a message; see {@link DECODE_ERROR_CODES}. */
export class ProtocolDecodeError extends RunyardError {
  override readonly code: DecodeErrorCode;
  /** 1-based number of the line in the stream (every `\n` counts, blank lines too). */
  readonly line: number;
  readonly excerpt: string;
  readonly problems: readonly SchemaProblem[];
  readonly detail: string | undefined;
  readonly bytes: number | undefined;

  constructor(code: DecodeErrorCode, message: string, details: DecodeErrorDetails) {
    super(code, message);
    this.code = code;
    this.line = details.line;
    this.excerpt = details.excerpt;
    this.problems = details.problems ?? [];
    this.detail = details.detail;
    this.bytes = details.bytes;
  }
}

/** A reader found run_summary.jsonl out of line with the protocol (a gap in seq, say). */
export class SummaryProblemError extends RunyardError {
  readonly line: number;
  constructor(code: "E_SEQ_ORDER" | "E_LIVE_EVENT_IN_SUMMARY", message: string, line: number) {
    super(code, message);
    this.line = line;
  }
}

/** hello and the server share no protocol version. */
export class ProtocolVersionError extends RunyardError {
  readonly offered: readonly number[];
  readonly supported: readonly number[];
  constructor(
    message: string,
    offered: readonly number[],
    supported: readonly number[],
    hint: string,
  ) {
    super("E_PROTOCOL_VERSION", message, { hint });
    this.offered = offered;
    this.supported = supported;
  }
}

/** A producer emitted events out of the order the protocol guarantees to readers. */
export class EventOrderError extends RunyardError {
  constructor(message: string) {
    super("E_EVENT_ORDER", message);
  }
}
