// Splits a byte stream into lines and decodes each as JSON checked against a schema.
//
// Temporary: @runyard/protocol is gaining a streaming decoder (chunking anywhere, max line
// length, typed results); this small local version gives the same guarantees the IPC layer
// needs today — whole lines only, UTF-8 decoded per line, CRLF tolerated, over-long lines
// reported and skipped to their newline — and is to be replaced by it.
import type { ValidationProblem } from "@runyard/schema";

export const MAX_LINE_BYTES = 1024 * 1024;

export type LineResult = { ok: true; line: string } | { ok: false; message: string };

export class LineSplitter {
  #parts: Buffer[] = [];
  #length = 0;
  #skipping = false;
  readonly #maxLineBytes: number;

  constructor(maxLineBytes = MAX_LINE_BYTES) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Feeds a chunk; returns the complete lines it finished (and errors for over-long ones). */
  push(chunk: Buffer): LineResult[] {
    const results: LineResult[] = [];
    let rest = chunk;
    let newline = rest.indexOf(0x0a);
    while (newline !== -1) {
      const head = rest.subarray(0, newline);
      rest = rest.subarray(newline + 1);
      newline = rest.indexOf(0x0a);
      if (this.#skipping) {
        this.#skipping = false;
        continue;
      }
      if (this.#length + head.length > this.#maxLineBytes) {
        results.push(this.#tooLong());
        this.#reset();
        continue;
      }
      const bytes = this.#parts.length === 0 ? head : Buffer.concat([...this.#parts, head]);
      this.#reset();
      const line = bytes.toString("utf8").replace(/\r$/, "");
      if (line !== "") results.push({ ok: true, line });
    }
    if (this.#skipping || rest.length === 0) return results;
    if (this.#length + rest.length > this.#maxLineBytes) {
      results.push(this.#tooLong());
      this.#reset();
      this.#skipping = true;
      return results;
    }
    this.#parts.push(Buffer.from(rest));
    this.#length += rest.length;
    return results;
  }

  #tooLong(): LineResult {
    return { ok: false, message: `line longer than ${this.#maxLineBytes} bytes, skipped` };
  }

  #reset(): void {
    this.#parts = [];
    this.#length = 0;
  }
}

/** Parses one line as JSON and validates it; the message names the field on a mismatch. */
export function decodeJsonLine<T>(
  line: string,
  validate: (
    input: unknown,
  ) => { ok: true; value: T } | { ok: false; problems: ValidationProblem[] },
): { ok: true; value: T } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { ok: false, message: `invalid JSON: ${(error as Error).message}` };
  }
  const result = validate(value);
  if (result.ok) return result;
  return {
    ok: false,
    message: result.problems
      .map((problem) =>
        problem.path === "" ? problem.message : `${problem.path}: ${problem.message}`,
      )
      .join("; "),
  };
}
