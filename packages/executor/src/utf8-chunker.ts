// Turns a byte stream into text chunks that never split a UTF-8 character, so a step-output
// event's data is always whole characters, and says which capture bytes each chunk covers.
// Only a possibly incomplete tail (at most 3 bytes) is held between chunks.

/** Bytes at the end of `bytes` that start a UTF-8 character not yet complete. */
export function incompleteTailLength(bytes: Uint8Array): number {
  const length = bytes.length;
  for (let back = 1; back <= Math.min(3, length); back += 1) {
    const byte = bytes[length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: look further back
    if (byte < 0xc0) return 0; // ASCII (or stray continuation): nothing pending
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return needed > back ? back : 0;
  }
  return 0;
}

export interface TextChunk {
  data: string;
  /** Offset in the capture of the first byte of data. */
  offset: number;
  /** Capture bytes data covers. */
  bytes: number;
}

export class Utf8Chunker {
  #tail: Buffer = Buffer.alloc(0);

  /**
   * Takes the next chunk, written at `offset` in the capture. Returns the text that is now
   * complete, or undefined when `decode` is false (nobody wants the text: only the tail is
   * kept, so a later subscriber starts on a character boundary).
   */
  push(chunk: Buffer, offset: number, decode: boolean): TextChunk | undefined {
    const bytes = this.#tail.length === 0 ? chunk : Buffer.concat([this.#tail, chunk]);
    const start = offset - this.#tail.length;
    const complete = bytes.length - incompleteTailLength(bytes);
    this.#tail = Buffer.from(bytes.subarray(complete));
    if (!decode || complete === 0) return undefined;
    return { data: bytes.subarray(0, complete).toString("utf8"), offset: start, bytes: complete };
  }

  /** The held tail at the end of the stream (invalid bytes become U+FFFD). */
  end(offset: number, decode: boolean): TextChunk | undefined {
    const tail = this.#tail;
    this.#tail = Buffer.alloc(0);
    if (!decode || tail.length === 0) return undefined;
    return { data: tail.toString("utf8"), offset: offset - tail.length, bytes: tail.length };
  }
}
