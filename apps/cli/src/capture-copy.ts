// Copies a capture file, or a byte range of one, to stdout unchanged (a step's output need not
// be UTF-8), a chunk at a time and no faster than the reader takes it, so a capture of
// gigabytes costs no memory. To a terminal it goes through the TerminalFilter instead (colours
// pass, other escape sequences are shown, not obeyed; see safe-text.ts): a step's output must
// not be able to retitle, clear or drive the user's terminal. It is opened as the store opens
// every file of a run directory (openRunFile): a capture is a file the executor made, and a
// link, a named pipe or a hard link put in its place must not make runyard print what it
// leads to, or wait on it.
import { once } from "node:events";
import { openRunFile } from "@runyard/store";
import type { Output } from "./output.js";
import { TerminalFilter } from "./safe-text.js";

const NEWLINE = 0x0a;

export interface ByteRange {
  start: number;
  /** Exclusive. */
  end: number;
}

/**
 * Copies the file (or `range` of it) to stdout; resolves to whether what it wrote ended with
 * a newline (true when it wrote nothing).
 */
export async function copyCapture(
  path: string,
  output: Output,
  signal: AbortSignal,
  range?: ByteRange,
): Promise<boolean> {
  if (range !== undefined && range.end <= range.start) return true;
  let last = NEWLINE;
  const stdout = output.stdout;
  const decoder = new TextDecoder();
  const filter = output.terminal === true ? new TerminalFilter() : undefined;
  const { handle } = await openRunFile(path);
  try {
    const stream = handle.createReadStream({
      signal,
      autoClose: false,
      ...(range === undefined ? {} : { start: range.start, end: range.end - 1 }),
    });
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      if (bytes.length === 0) continue;
      last = bytes[bytes.length - 1] ?? NEWLINE;
      if (stdout === undefined) {
        output.out(decoder.decode(bytes, { stream: true }));
        continue;
      }
      const shown =
        filter === undefined ? bytes : filter.push(decoder.decode(bytes, { stream: true }));
      if (!stdout.write(shown)) {
        await once(stdout, "drain", { signal });
      }
    }
  } finally {
    await handle.close();
  }
  if (filter !== undefined) output.out(filter.push(decoder.decode()) + filter.end());
  else if (stdout === undefined) output.out(decoder.decode());
  return last === NEWLINE;
}
