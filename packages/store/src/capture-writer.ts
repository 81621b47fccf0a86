// A step attempt's captures: NNNNNN-<step>.out and .err, created (0600) when the step starts
// and appended chunk by chunk as output arrives, so `tail -f` works while the step runs and
// no output is ever held whole in memory.
//
// Writes are synchronous: the chunk is in the file before the executor tells subscribers about
// it, and a child that writes faster than the disk is slowed by its full pipe rather than by
// memory growing in the executor. Captures are not fsynced: they are bulk data the kernel
// writes back within seconds, and fsyncing every chunk would make output-heavy steps crawl.
import { closeSync, writeSync } from "node:fs";
import { openForAppend, openRegularForReading } from "./append-file.js";
import { capturePaths } from "./paths.js";

export type CaptureStream = "stdout" | "stderr";

export class CaptureWriter {
  readonly seq: number;
  readonly stepId: string;
  /** Absolute paths of the captures. */
  readonly outPath: string;
  readonly errPath: string;
  /** Names relative to the run directory, as events carry them. */
  readonly outName: string;
  readonly errName: string;
  #fds: { stdout: number; stderr: number } | undefined;
  readonly #sizes = { stdout: 0, stderr: 0 };

  private constructor(
    seq: number,
    stepId: string,
    paths: ReturnType<typeof capturePaths>,
    fds: { stdout: number; stderr: number },
  ) {
    this.seq = seq;
    this.stepId = stepId;
    this.outPath = paths.out;
    this.errPath = paths.err;
    this.outName = paths.outName;
    this.errName = paths.errName;
    this.#fds = fds;
  }

  /**
   * Creates both captures; fails if either exists (captures are never overwritten). With
   * `readable`, the descriptors also read, for whoever takes them over (release).
   */
  static open(
    runDirectory: string,
    seq: number,
    stepId: string,
    options: { readable?: boolean } = {},
  ): CaptureWriter {
    const paths = capturePaths(runDirectory, seq, stepId);
    const flags = options.readable ? "ax+" : "ax";
    const stdout = openForAppend(paths.out, flags);
    let stderr: number;
    try {
      stderr = openForAppend(paths.err, flags);
    } catch (error) {
      closeSync(stdout);
      throw error;
    }
    return new CaptureWriter(seq, stepId, paths, { stdout, stderr });
  }

  /**
   * The captures of an attempt that someone else writes and that was started before — a Slurm
   * job a resumed executor adopts — opened to be read (release): never through a link, never
   * blocking on a named pipe, a regular file or nothing; one that is missing is created empty.
   */
  static reopen(runDirectory: string, seq: number, stepId: string): CaptureWriter {
    const paths = capturePaths(runDirectory, seq, stepId);
    const stdout = openRegularForReading(paths.out);
    let stderr: number;
    try {
      stderr = openRegularForReading(paths.err);
    } catch (error) {
      closeSync(stdout);
      throw error;
    }
    return new CaptureWriter(seq, stepId, paths, { stdout, stderr });
  }

  /** Appends a chunk; returns the byte offset at which it starts in the capture. */
  write(stream: CaptureStream, chunk: Uint8Array): number {
    const fds = this.#fds;
    if (fds === undefined) throw new Error(`${this.outPath}: write after close`);
    const offset = this.#sizes[stream];
    let written = 0;
    while (written < chunk.length) {
      written += writeSync(fds[stream], chunk, written, chunk.length - written);
    }
    this.#sizes[stream] += chunk.length;
    return offset;
  }

  /** Bytes written so far to one stream. */
  size(stream: CaptureStream): number {
    return this.#sizes[stream];
  }

  /**
   * Hands the two descriptors over to the caller, who closes them; this writer writes no more.
   * (A backend whose step writes the captures itself: the executor only reads them then, and
   * needs no second open of each.)
   */
  release(): { stdout: number; stderr: number } {
    const fds = this.#fds;
    if (fds === undefined) throw new Error(`${this.outPath}: release after close`);
    this.#fds = undefined;
    return fds;
  }

  close(): void {
    const fds = this.#fds;
    if (fds === undefined) return;
    this.#fds = undefined;
    try {
      closeSync(fds.stdout);
    } finally {
      closeSync(fds.stderr);
    }
  }
}
