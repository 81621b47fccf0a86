// A child process's stdin and stdout as one Duplex, for clients that reach a run through a
// relay (`ssh host runyard bridge <dir>`). The stream ends when the child has exited, not
// merely when its stdout closed, so that how it exited can decide between a clean end and
// an error: `describeExit` turns a failed exit (and the tail of its stderr) into the error
// the stream is destroyed with.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { Duplex } from "node:stream";

/** How much of the child's stderr is kept to explain a failure. */
const STDERR_TAIL_BYTES = 4096;

export type DescribeExit = (
  code: number | null,
  signal: NodeJS.Signals | null,
  stderr: string,
) => Error | undefined;

class ChildStdio extends Duplex {
  readonly #child: ChildProcessWithoutNullStreams;

  constructor(
    child: ChildProcessWithoutNullStreams,
    describeExit: DescribeExit,
    describeSpawnError: (error: Error) => Error,
  ) {
    super({ allowHalfOpen: false });
    this.#child = child;
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    // EPIPE once the child is gone: its exit status says why, below.
    child.stdin.on("error", () => undefined);
    child.on("error", (error) => this.destroy(describeSpawnError(error)));
    child.on("close", (code, signal) => {
      if (this.destroyed) return;
      const error = describeExit(code, signal, stderr.trim());
      if (error) this.destroy(error);
      else this.push(null);
    });
  }

  override _read(): void {
    this.#child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (!this.#child.stdin.writable) {
      callback();
      return;
    }
    this.#child.stdin.write(chunk, () => callback());
  }

  override _final(callback: () => void): void {
    this.#child.stdin.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill();
    callback(error);
  }
}

/** The stdio of `child` as a Duplex; see the module comment for how it ends. */
export function childStdio(
  child: ChildProcessWithoutNullStreams,
  describeExit: DescribeExit,
  describeSpawnError: (error: Error) => Error,
): Duplex {
  return new ChildStdio(child, describeExit, describeSpawnError);
}
