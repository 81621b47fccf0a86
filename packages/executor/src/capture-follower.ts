// Live output of a step whose backend writes its captures itself (output "file": the spawner
// opens them as the step's stdout and stderr). Nothing passes through the executor unless
// someone watches: then the files are followed — read from where the last read ended, every
// FOLLOW_MS, at most FOLLOW_BUDGET bytes per stream and poll, so memory stays bounded however
// fast a step writes — and turned into step-output events exactly as output from a pipe is
// (whole UTF-8 characters, capture offsets). A viewer that subscribes while the step runs gets
// what comes from the last look before it subscribed. When the step ends, what is left is read before its
// step-end, in chunks, letting the event loop turn between them.
//
// One timer polls every followed step; a poll is an fstat per stream and a read of what is new.
// The same following will serve the Slurm backend, whose steps write files Slurm opens.
import { closeSync, fstatSync, readSync } from "node:fs";
import type { CaptureStream } from "@runyard/store";
import { type TextChunk, Utf8Chunker } from "./utf8-chunker.js";

/** How often followed captures are looked at. */
export const FOLLOW_MS = 50;
/** Bytes read per stream per poll; the rest waits for the next poll. */
const FOLLOW_BUDGET = 1 << 20;
/** Bytes read per chunk when catching up at the end of a step. */
const FINISH_CHUNK = 1 << 20;

const STREAMS: readonly CaptureStream[] = ["stdout", "stderr"];
const followers = new Set<CaptureFollower>();
/** The most one step-output event carries: what one read of a pipe gives. */
const PIECE = 64 * 1024;
/** One buffer for every read: reads are synchronous, and what is kept of one is copied. */
const buffer = Buffer.allocUnsafe(PIECE);
let timer: NodeJS.Timeout | undefined;

function pollAll(): void {
  for (const follower of followers) follower.poll(FOLLOW_BUDGET);
  if (followers.size === 0) {
    clearInterval(timer);
    timer = undefined;
  }
}

/** Whether `byte` continues a UTF-8 character (a start mid-character skips these). */
function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

export class CaptureFollower {
  readonly #fds: Record<CaptureStream, number>;
  readonly #wants: () => boolean;
  readonly #emit: (stream: CaptureStream, text: TextChunk) => void;
  /** Where the next read starts, per stream; undefined while nobody watches. */
  readonly #next: Record<CaptureStream, number | undefined>;
  /** The size at the last look while nobody watched: where a viewer that comes starts. */
  readonly #seen: Record<CaptureStream, number> = { stdout: 0, stderr: 0 };
  /** Whether the next read starts on a character boundary (not mid-stream). */
  readonly #aligned = { stdout: true, stderr: true };
  readonly #chunkers = { stdout: new Utf8Chunker(), stderr: new Utf8Chunker() };
  #closed = false;

  /** Follows the captures open on `fds` (read with positions: any open mode that reads), and closes them. */
  constructor(
    fds: Record<CaptureStream, number>,
    wants: () => boolean,
    emit: (stream: CaptureStream, text: TextChunk) => void,
  ) {
    this.#fds = { ...fds };
    this.#wants = wants;
    this.#emit = emit;
    // Someone watching from the start gets everything.
    const from = wants() ? 0 : undefined;
    this.#next = { stdout: from, stderr: from };
  }

  /**
   * Starts the polling. Called once the step's step-start is out, not before: a step forked by
   * the spawner may write before its pid is reported, and its output must not be emitted ahead
   * of its step-start (nor skipped: until then nothing is looked at, so nothing is passed over).
   */
  follow(): void {
    if (this.#closed || followers.has(this)) return;
    followers.add(this);
    timer ??= setInterval(pollAll, FOLLOW_MS);
    timer.unref();
  }

  /** The size of a capture now. */
  size(stream: CaptureStream): number {
    return fstatSync(this.#fds[stream]).size;
  }

  /** Reads and emits what is new, at most `budget` bytes per stream; true if more is left. */
  poll(budget: number): boolean {
    if (this.#closed) return false;
    let more = false;
    const wanted = this.#wants();
    for (const stream of STREAMS) {
      const size = this.size(stream);
      if (!wanted) {
        // Nobody watches: nothing is read. A viewer that comes gets what was written since
        // this look (a pipe would give it what comes after it subscribed: a little less).
        this.#seen[stream] = size;
        this.#next[stream] = undefined;
        continue;
      }
      let next = this.#next[stream];
      if (next === undefined) {
        next = this.#seen[stream];
        this.#chunkers[stream] = new Utf8Chunker();
        this.#aligned[stream] = next === 0;
      }
      // Pieces of at most a pipe's read (64 KiB), as output from a pipe came: an event stays
      // well under the protocol's line limit.
      let left = budget;
      while (left > 0 && next < size) {
        const length = Math.min(size - next, left, buffer.length);
        const read = readSync(this.#fds[stream], buffer, 0, length, next);
        if (read <= 0) break;
        let skip = 0;
        // A viewer that came mid-stream starts on a character boundary.
        if (!this.#aligned[stream]) {
          while (skip < Math.min(3, read) && isContinuation(buffer[skip])) skip += 1;
          this.#aligned[stream] = true;
        }
        const text = this.#chunkers[stream].push(buffer.subarray(skip, read), next + skip, true);
        if (text) this.#emit(stream, text);
        next += read;
        left -= read;
      }
      this.#next[stream] = next;
      if (next < size) more = true;
    }
    return more;
  }

  /**
   * The step ended: reads what is left for a viewer (in chunks, yielding between them), emits
   * the last characters, stops following, and returns the captures' sizes.
   */
  async finish(): Promise<Record<CaptureStream, number>> {
    while (this.poll(FINISH_CHUNK)) await new Promise((resolve) => setImmediate(resolve));
    const sizes = { stdout: this.size("stdout"), stderr: this.size("stderr") };
    for (const stream of STREAMS) {
      if (this.#next[stream] === undefined) continue;
      const text = this.#chunkers[stream].end(this.#next[stream], true);
      if (text) this.#emit(stream, text);
    }
    this.close();
    return sizes;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    followers.delete(this);
    for (const stream of STREAMS) {
      try {
        closeSync(this.#fds[stream]);
      } catch {
        // already gone
      }
    }
  }
}
