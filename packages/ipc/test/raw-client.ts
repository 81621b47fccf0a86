// A client that speaks raw lines to a server, for tests that misbehave on purpose (say nothing,
// flood, stop reading) and look at exactly what the server sent back.
import { connect, type Socket } from "node:net";

export class RawClient {
  readonly socket: Socket;
  /** Resolves when the connection has closed (by either side). */
  readonly closed: Promise<void>;
  #text = "";

  constructor(socketPath: string) {
    this.socket = connect(socketPath);
    this.socket.setEncoding("utf8");
    this.socket.on("data", (chunk: string) => {
      this.#text += chunk;
    });
    // A server that cuts the connection may reset it; the test looks at what was read.
    this.socket.on("error", () => undefined);
    this.closed = new Promise((resolve) => this.socket.once("close", () => resolve()));
  }

  /** Connected and ready to write. */
  get connected(): Promise<void> {
    if (!this.socket.connecting) return Promise.resolve();
    return new Promise((resolve) => this.socket.once("connect", () => resolve()));
  }

  /** Every complete line read so far, parsed. */
  get messages(): Record<string, unknown>[] {
    const end = this.#text.lastIndexOf("\n");
    if (end === -1) return [];
    return this.#text
      .slice(0, end)
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  send(message: unknown): void {
    this.socket.write(`${JSON.stringify(message)}\n`);
  }

  hello(): void {
    this.send({ type: "hello", protocolVersions: [1], client: "raw" });
  }

  close(): void {
    this.socket.destroy();
  }
}
