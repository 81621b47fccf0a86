// Workflow and config files are UTF-8. A decoder can say whether bytes are UTF-8; a user needs
// to know where they are not, and that a file an editor saved as UTF-16 ("Unicode") needs to
// be saved again rather than fixed line by line.
import type { ValidationProblem } from "./errors.js";

export type DecodedText =
  | { ok: true; text: string }
  | { ok: false; problem: ValidationProblem & { line: number; column: number } };

/** Bytes examined for the NUL-every-other-byte pattern of UTF-16 without a byte order mark. */
const UTF16_SNIFF_BYTES = 256;

/**
 * UTF-16: a byte order mark (FF FE or FE FF), or NUL bytes at every other position of the
 * start, which is how ASCII looks in UTF-16 (a NUL is never part of a YAML or JSON text).
 */
export function looksLikeUtf16(bytes: Uint8Array): boolean {
  const [first, second] = bytes;
  if ((first === 0xff && second === 0xfe) || (first === 0xfe && second === 0xff)) return true;
  const length = Math.min(bytes.length, UTF16_SNIFF_BYTES) & ~1;
  if (length < 2) return false;
  let evenNuls = 0;
  let oddNuls = 0;
  for (let index = 0; index < length; index += 2) {
    if (bytes[index] === 0) evenNuls += 1;
    if (bytes[index + 1] === 0) oddNuls += 1;
  }
  const pairs = length / 2;
  // Mostly NULs on one side, few on the other: text outside ASCII can put a NUL in the low byte.
  const mostly = (nuls: number) => nuls * 2 >= pairs;
  const few = (nuls: number) => nuls * 8 <= pairs;
  return (mostly(oddNuls) && few(evenNuls)) || (mostly(evenNuls) && few(oddNuls));
}

/** Byte offset of the first byte that does not start a well-formed UTF-8 sequence, if any. */
export function invalidUtf8Offset(bytes: Uint8Array): number | undefined {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index] ?? 0;
    if (lead < 0x80) {
      index += 1;
      continue;
    }
    // The ranges of Unicode's table of well-formed sequences: the second byte's range depends
    // on the lead (no overlong forms, no surrogates, nothing past U+10FFFF).
    let continuation: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) continuation = 1;
    else if (lead === 0xe0) [continuation, low] = [2, 0xa0];
    else if (lead === 0xed) [continuation, high] = [2, 0x9f];
    else if (lead >= 0xe1 && lead <= 0xef) continuation = 2;
    else if (lead === 0xf0) [continuation, low] = [3, 0x90];
    else if (lead === 0xf4) [continuation, high] = [3, 0x8f];
    else if (lead >= 0xf1 && lead <= 0xf3) continuation = 3;
    else return index;
    for (let step = 1; step <= continuation; step += 1) {
      const byte = bytes[index + step];
      const [min, max] = step === 1 ? [low, high] : [0x80, 0xbf];
      if (byte === undefined || byte < min || byte > max) return index;
    }
    index += continuation + 1;
  }
  return undefined;
}

const strict = new TextDecoder("utf-8", { fatal: true });
// For text after the start: U+FEFF there is a character like any other, not a byte order mark.
const strictKeepingBom = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** 1-based line and column of a byte offset, columns counted as the YAML parser counts them. */
function positionOfByte(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset; index += 1) {
    if (bytes[index] === 0x0a) {
      line += 1;
      lineStart = index + 1;
    }
  }
  // The text before the offset is valid UTF-8. A byte order mark at the start of the file is
  // dropped, as the decoding of the whole file drops it, so columns agree with other messages.
  const decoder = lineStart === 0 ? strict : strictKeepingBom;
  const before = decoder.decode(bytes.subarray(lineStart, offset));
  return { line, column: before.length + 1 };
}

function hex(byte: number): string {
  return `0x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
}

/**
 * The text of a UTF-8 file (a byte order mark is dropped), or where and why it is not one. A
 * string is text already, and comes back as it is.
 */
export function decodeUtf8Text(bytes: Uint8Array | string): DecodedText {
  if (typeof bytes === "string") return { ok: true, text: bytes };
  if (looksLikeUtf16(bytes)) {
    return {
      ok: false,
      problem: { path: "", message: "the file is UTF-16; save it as UTF-8", line: 1, column: 1 },
    };
  }
  try {
    return { ok: true, text: strict.decode(bytes) };
  } catch {
    const offset = invalidUtf8Offset(bytes) ?? 0;
    return {
      ok: false,
      problem: {
        path: "",
        message: `the file is not UTF-8 text: byte ${hex(bytes[offset] ?? 0)} is not valid UTF-8 here; save the file as UTF-8`,
        ...positionOfByte(bytes, offset),
      },
    };
  }
}
