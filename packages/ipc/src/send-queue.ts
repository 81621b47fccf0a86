// What the server has yet to send to one client, held here rather than in the socket. The
// socket gets one batch at a time and the next only once the kernel has taken it, so the
// socket's own buffer stays small. That is what lets the server discard a slow client's
// backlog and have its error be the next thing the client reads (a backlog in the socket could
// not be taken back), and tell a client that reads slowly (each batch taken is progress) from
// one that does not read at all.
import type { Socket } from "node:net";

/** Largest batch handed to the socket at once (one longer line goes alone). */
const BATCH_BYTES = 64 * 1024;

interface RoomWaiter {
  bytes: number;
  resolve: () => void;
}

export class SendQueue {
  readonly #socket: Socket;
  readonly #onProgress: () => void;
  #lines: { text: string; bytes: number }[] = [];
  #queuedBytes = 0;
  /** Bytes of the batch the socket is writing, until the kernel has taken all of it. */
  #inFlight = 0;
  #ending = false;
  #waiters: RoomWaiter[] = [];

  constructor(socket: Socket, onProgress: () => void = () => undefined) {
    this.#socket = socket;
    this.#onProgress = onProgress;
    socket.once("close", () => {
      this.#lines = [];
      this.#queuedBytes = 0;
      this.#inFlight = 0;
      this.#wake();
    });
  }

  /** Bytes the client has not taken yet: queued here, plus the batch being written. */
  get bytes(): number {
    return this.#queuedBytes + this.#inFlight;
  }

  /** Queues a line (ignored once end() was called or the socket is gone). */
  push(line: string): void {
    if (this.#ending || this.#socket.destroyed) return;
    const bytes = Buffer.byteLength(line);
    this.#lines.push({ text: line, bytes });
    this.#queuedBytes += bytes;
    this.#flush();
  }

  /** Drops every line not yet handed to the socket; returns how many bytes that was. */
  discard(): number {
    const dropped = this.#queuedBytes;
    this.#lines = [];
    this.#queuedBytes = 0;
    this.#wake();
    return dropped;
  }

  /** Sends what is queued, then ends the socket; pushes after this are ignored. */
  end(): void {
    this.#ending = true;
    this.#flush();
  }

  /** Resolves once at most `bytes` wait for the client, or the socket has closed. */
  room(bytes: number): Promise<void> {
    if (this.bytes <= bytes || this.#socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ bytes, resolve }));
  }

  #flush(): void {
    if (this.#inFlight > 0 || this.#socket.destroyed) return;
    if (this.#lines.length === 0) {
      if (this.#ending && !this.#socket.writableEnded) this.#socket.end();
      return;
    }
    let count = 0;
    let size = 0;
    for (const line of this.#lines) {
      if (count > 0 && size + line.bytes > BATCH_BYTES) break;
      count += 1;
      size += line.bytes;
    }
    const batch = this.#lines
      .splice(0, count)
      .map((line) => line.text)
      .join("");
    this.#queuedBytes -= size;
    this.#inFlight = size;
    this.#socket.write(batch, (error) => {
      this.#inFlight = 0;
      if (error) return; // The socket is gone; its close handler has emptied the queue.
      this.#onProgress();
      this.#wake();
      this.#flush();
    });
  }

  #wake(): void {
    const closed = this.#socket.destroyed;
    const still: RoomWaiter[] = [];
    for (const waiter of this.#waiters) {
      if (closed || this.bytes <= waiter.bytes) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiters = still;
  }
}
