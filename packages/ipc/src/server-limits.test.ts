import { statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { RunEvent } from "@runyard/protocol";
import { describe, expect, it, vi } from "vitest";
import { FakeRun, logEvent, outputEvent, temporaryDirectory } from "../test/fixtures.js";
import { RawClient } from "../test/raw-client.js";
import { createIpcClient, type IpcClient } from "./client.js";
import { IpcConnectError, TimelineDamagedError } from "./errors.js";
import { followRun } from "./follow-run.js";
import { createIpcServer, listenPrivately } from "./server.js";
import type { IpcServer, IpcServerHandlers, IpcServerOptions } from "./server-types.js";
import { socketTransport } from "./transport.js";

async function serve(
  options: IpcServerOptions = {},
  run = new FakeRun(),
  overrides: Partial<IpcServerHandlers> = {},
) {
  const socketPath = join(temporaryDirectory(), "ipc.sock");
  const diagnostics: string[] = [];
  const handlers = {
    ...run.handlers(),
    diagnostic: (message: string) => diagnostics.push(message),
    ...overrides,
  };
  const server = await createIpcServer(socketPath, handlers, options);
  run.publish = (event) => server.publish(event);
  return { server, socketPath, run, diagnostics };
}

/** A client subscribed from seq 1 whose subscription is in place (a ping came back). */
async function subscriber(socketPath: string, fromSeq = 1): Promise<IpcClient> {
  const client = await createIpcClient(socketPath);
  client.subscribe({ fromSeq });
  client.ping("ready");
  await client[Symbol.asyncIterator]().next();
  return client;
}

/** The seqs of the events a client receives until bye. */
async function seqsUntilBye(client: IpcClient): Promise<number[]> {
  const seqs: number[] = [];
  for await (const message of client) {
    if (message.type === "event") seqs.push(message.event.seq);
    if (message.type === "bye") break;
  }
  return seqs;
}

/** A raw client subscribed to all output that has stopped reading. */
async function pausedReader(server: IpcServer, socketPath: string): Promise<RawClient> {
  const client = new RawClient(socketPath);
  client.hello();
  client.send({ type: "subscribe", fromSeq: 1, output: true });
  await vi.waitFor(() => expect(server.wantsOutput("a")).toBe(true));
  client.socket.pause();
  return client;
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);

const types = (client: RawClient) => client.messages.map((message) => message.type);

describe("the connection limit", () => {
  it("turns away a client over the limit with E_TOO_MANY_CLIENTS, as a retryable error", async () => {
    const { server, socketPath, run } = await serve({ maxClients: 2 });
    const first = await subscriber(socketPath);
    const second = await subscriber(socketPath);
    const refused = createIpcClient(socketPath);
    await expect(refused).rejects.toBeInstanceOf(IpcConnectError);
    await expect(refused).rejects.toMatchObject({
      code: "E_TOO_MANY_CLIENTS",
      message: expect.stringMatching(/the server has 2 clients, as many as it serves/),
    });
    run.append(3);
    const seqs = Promise.all([seqsUntilBye(first), seqsUntilBye(second)]);
    await server.close("success");
    expect(await seqs).toEqual([range(1, 3), range(1, 3)]);
  });

  it("lets followRun wait for a place: it retries E_TOO_MANY_CLIENTS like a lost connection", async () => {
    const { server, socketPath, run } = await serve({ maxClients: 1 });
    const holder = await subscriber(socketPath);
    const retries: unknown[] = [];
    const follower = followRun(socketTransport(socketPath), {
      reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
      onRetry: ({ error }) => retries.push(error),
    });
    const seqs: number[] = [];
    const following = (async () => {
      for await (const message of follower)
        if (message.type === "event") seqs.push(message.event.seq);
    })();
    await vi.waitFor(() => expect(retries.length).toBeGreaterThan(0));
    expect(retries[0]).toMatchObject({ code: "E_TOO_MANY_CLIENTS" });
    await holder.close();
    run.append(2);
    await vi.waitFor(() => expect(server.clientCount).toBe(1));
    await vi.waitFor(() => expect(seqs).toEqual([1, 2]));
    await server.close("success");
    await following;
    expect(follower.finalStatus).toBe("success");
  });

  it("makes a silent connection give way to a new client, so squatters cannot lock it out", async () => {
    const { server, socketPath, run } = await serve({ maxClients: 3 });
    const viewer = await subscriber(socketPath);
    const squatters = [new RawClient(socketPath), new RawClient(socketPath)];
    await vi.waitFor(() => expect(server.clientCount).toBe(3));
    // Full: the newcomer says hello at once and gets in; the oldest squatter is told and closed.
    const newcomer = await subscriber(socketPath);
    await squatters[0]?.closed;
    expect(squatters[0]?.messages).toEqual([
      {
        type: "error",
        code: "E_TOO_MANY_CLIENTS",
        message: expect.stringMatching(/had not said hello yet: it gave way to a newer one/),
      },
    ]);
    run.append(2);
    const seqs = Promise.all([seqsUntilBye(viewer), seqsUntilBye(newcomer)]);
    squatters[1]?.close();
    await server.close("success");
    expect(await seqs).toEqual([range(1, 2), range(1, 2)]);
  });
});

describe("the hello deadline", () => {
  it("tells a connection that says nothing E_HELLO_TIMEOUT and closes it; idle viewers stay", async () => {
    const { server, socketPath, run } = await serve({ helloTimeoutMs: 300 });
    const viewer = await subscriber(socketPath);
    const silent = new RawClient(socketPath);
    const started = performance.now();
    await silent.closed;
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    // Not welcomed, so no bye: the error is all it gets.
    expect(silent.messages).toEqual([
      {
        type: "error",
        code: "E_HELLO_TIMEOUT",
        message: expect.stringMatching(/^no hello within 0.3 s of connecting/),
      },
    ]);
    // The viewer said nothing for as long, and still gets what happens next.
    run.append(1);
    const seqs = seqsUntilBye(viewer);
    await server.close("success");
    expect(await seqs).toEqual([1]);
  });
});

describe("the flood limit", () => {
  it("closes a client that floods pings with E_TOO_MANY_REQUESTS and bye; others get every event", async () => {
    const { server, socketPath, run } = await serve({ requestsPerSecond: 10, requestBurst: 50 });
    const viewer = await subscriber(socketPath);
    const flooder = new RawClient(socketPath);
    flooder.hello();
    flooder.socket.write('{"type":"ping"}\n'.repeat(5000));
    run.append(5);
    await flooder.closed;
    const received = types(flooder);
    expect(received[0]).toBe("welcome");
    // The burst (50, hello included) is answered; then the reason, and bye: the run goes on.
    // (The bucket refills at 10 a second meanwhile: a slow machine may answer one or two more.)
    const pongs = received.filter((type) => type === "pong").length;
    expect(pongs).toBeGreaterThanOrEqual(49);
    expect(pongs).toBeLessThan(60);
    expect(flooder.messages.slice(-2)).toEqual([
      {
        type: "error",
        code: "E_TOO_MANY_REQUESTS",
        message: expect.stringMatching(/more than 50 messages at once, or more than 10 a second/),
      },
      { type: "bye", finalStatus: null },
    ]);
    const seqs = seqsUntilBye(viewer);
    await server.close("success");
    expect(await seqs).toEqual(range(1, 5));
  });

  it("counts bad lines too, before hello as after", async () => {
    const { server, socketPath } = await serve({ requestsPerSecond: 10, requestBurst: 20 });
    const garbage = new RawClient(socketPath);
    garbage.socket.write("not json\n".repeat(1000));
    await garbage.closed;
    const codes = garbage.messages.map((message) => message.code);
    const bad = codes.filter((code) => code === "E_BAD_MESSAGE").length;
    expect(bad).toBeGreaterThanOrEqual(20);
    expect(bad).toBeLessThan(30);
    // Never welcomed: the reason, and no bye.
    expect(codes.at(-1)).toBe("E_TOO_MANY_REQUESTS");
    expect(types(garbage)).not.toContain("bye");
    await server.close(null);
  });

  it("lets a client send a steady trickle within the rate", async () => {
    const { server, socketPath } = await serve({ requestsPerSecond: 100, requestBurst: 5 });
    const client = new RawClient(socketPath);
    client.hello();
    for (let i = 0; i < 15; i += 1) {
      client.send({ type: "ping", id: String(i) });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await vi.waitFor(() =>
      expect(types(client).filter((type) => type === "pong")).toHaveLength(15),
    );
    expect(types(client)).not.toContain("error");
    client.close();
    await server.close(null);
  });
});

describe("a client that falls behind", () => {
  it("reads E_CLIENT_TOO_SLOW and bye right after what was already on its way, then resumes", async () => {
    const maxQueueBytes = 256 * 1024;
    const { server, socketPath, run } = await serve({ maxQueueBytes });
    const slow = await pausedReader(server, socketPath);
    run.append(1);
    const chunk = "x".repeat(4096);
    // 8 MiB for a client that reads nothing: far past its limit.
    for (let i = 0; i < 2048; i += 1) server.publish(outputEvent(1, "a", chunk, i * 4096));
    run.append(1);
    slow.socket.resume();
    await slow.closed;
    const messages = slow.messages;
    const error = messages.findIndex((message) => message.type === "error");
    expect(messages[error]).toMatchObject({
      code: "E_CLIENT_TOO_SLOW",
      message: expect.stringMatching(/limit 262144\); what it had not read was discarded/),
    });
    expect(messages.slice(error + 1)).toEqual([{ type: "bye", finalStatus: null }]);
    // The backlog was dropped: what came before the error is what the kernel and the socket
    // already held, not the 8 MiB published.
    const outputs = messages.filter((message) => message.type === "output").length;
    expect(outputs * 4096).toBeLessThan(2 * maxQueueBytes);
    const seen = messages.flatMap((message) =>
      message.type === "event" ? [(message.event as RunEvent).seq] : [],
    );
    expect(seen).toEqual([1]);
    // It resumes from the last seq it saw and misses nothing durable.
    const again = await subscriber(socketPath, 2);
    const rest = seqsUntilBye(again);
    await server.close("success");
    expect(await rest).toEqual([2]);
  });

  it("drops the clients furthest behind when all of them together pass the server's limit", async () => {
    // Each may fall 1 MiB behind; together only 2 MiB: 6 stopped readers cannot make the
    // executor hold 6 MiB for them. A reader that keeps up is never the one dropped.
    const { server, socketPath, run } = await serve({
      maxQueueBytes: 1024 * 1024,
      maxTotalQueueBytes: 2 * 1024 * 1024,
    });
    const slow = [];
    for (let i = 0; i < 6; i += 1) slow.push(await pausedReader(server, socketPath));
    const reader = new RawClient(socketPath);
    reader.hello();
    reader.send({ type: "subscribe", fromSeq: 1, output: true });
    await vi.waitFor(() => expect(reader.messages.length).toBeGreaterThan(0));
    run.append(1);
    const chunk = "x".repeat(4096);
    // 900 KiB each: every one under its own limit, 5.3 MiB for the six together.
    for (let i = 0; i < 225; i += 1) {
      server.publish(outputEvent(1, "a", chunk, i * 4096));
      if (i % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    run.append(1);
    for (const client of slow) client.socket.resume();
    const closeAll = server.close("success");
    await Promise.all(slow.map((client) => client.closed));
    await closeAll;
    const errors = slow.map(
      (client) =>
        client.messages.find((message) => message.type === "error") as
          | { code: string; message: string }
          | undefined,
    );
    const dropped = errors.filter((error) => error !== undefined);
    expect(dropped.length).toBeGreaterThanOrEqual(4);
    for (const error of dropped) {
      expect(error).toMatchObject({
        code: "E_CLIENT_TOO_SLOW",
        message: expect.stringMatching(/clients together fell \d+ bytes behind \(limit 2097152\)/),
      });
    }
    // The ones kept got everything, and so did the reader that kept up.
    for (const [index, client] of slow.entries()) {
      if (errors[index] !== undefined) continue;
      expect(client.messages.filter((message) => message.type === "output")).toHaveLength(225);
    }
    expect(reader.messages.filter((message) => message.type === "output")).toHaveLength(225);
    expect(reader.messages.at(-1)).toEqual({ type: "bye", finalStatus: "success" });
  });

  it("at close, gives a client that keeps reading its whole backlog and bye, past the old 2 s", async () => {
    const { server, socketPath, run } = await serve({ stallTimeoutMs: 500 });
    const reader = await pausedReader(server, socketPath);
    const chunk = "y".repeat(16 * 1024);
    const count = 128; // 2 MiB
    for (let i = 0; i < count; i += 1) server.publish(outputEvent(1, "a", chunk, i * chunk.length));
    run.append(1);
    // Reads one chunk every 100 ms: slow, but never stalled for 500 ms.
    let trickling = true;
    reader.socket.on("data", () => trickling && reader.socket.pause());
    const trickle = setInterval(() => reader.socket.resume(), 100);
    const started = performance.now();
    await server.close("success");
    const took = performance.now() - started;
    clearInterval(trickle);
    trickling = false;
    reader.socket.resume();
    await reader.closed;
    expect(took).toBeGreaterThan(2000);
    const messages = reader.messages;
    expect(messages.filter((message) => message.type === "output")).toHaveLength(count);
    expect(messages.at(-1)).toEqual({ type: "bye", finalStatus: "success" });
  }, 30_000);

  it("at close, cuts a client that reads nothing after the stall timeout, not the close timeout", async () => {
    const { server, socketPath, diagnostics } = await serve({
      stallTimeoutMs: 300,
      closeTimeoutMs: 20_000,
    });
    const stuck = await pausedReader(server, socketPath);
    const chunk = "z".repeat(16 * 1024);
    for (let i = 0; i < 128; i += 1) server.publish(outputEvent(1, "a", chunk, i * chunk.length));
    const started = performance.now();
    await server.close("success");
    expect(performance.now() - started).toBeLessThan(2000);
    // Cut, not ended in order: what it reads when it wakes up stops short of bye.
    stuck.socket.resume();
    await stuck.closed;
    expect(types(stuck)).not.toContain("bye");
    expect(diagnostics.some((message) => /client cut: it took none of the/.test(message))).toBe(
      true,
    );
  });
});

describe("the socket's birth", () => {
  it("is bound under a 0077 umask: never reachable by others, even before the chmod", async () => {
    const socketPath = join(temporaryDirectory(), "ipc.sock");
    const server = createServer();
    const previous = process.umask(0);
    try {
      const modeAtListening = new Promise<number>((resolve) =>
        server.once("listening", () => resolve(statSync(socketPath).mode & 0o777)),
      );
      listenPrivately(server, socketPath);
      // Synchronous bind: the file exists, with its final permissions, as listen() returns.
      expect(statSync(socketPath).mode & 0o777).toBe(0o700);
      expect(await modeAtListening).toBe(0o700);
      expect(process.umask()).toBe(0);
    } finally {
      process.umask(previous);
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("a damaged timeline", () => {
  it("answers E_TIMELINE_DAMAGED with the source's words, and bye; followRun ends on it", async () => {
    const run = new FakeRun();
    run.append(3);
    const damage = new TimelineDamagedError(
      "the run's timeline is damaged: run_summary.jsonl line 3: found a log event with seq 999, expected seq 3",
    );
    const { server, socketPath } = await serve({}, run, {
      replay: async function* () {
        yield logEvent(1);
        yield logEvent(2);
        throw damage;
      },
    });
    const client = new RawClient(socketPath);
    client.hello();
    client.send({ type: "subscribe", fromSeq: 1, output: false });
    await client.closed;
    expect(client.messages.slice(1)).toEqual([
      { type: "event", event: logEvent(1) },
      { type: "event", event: logEvent(2) },
      { type: "error", code: "E_TIMELINE_DAMAGED", message: damage.message },
      { type: "bye", finalStatus: null },
    ]);
    // Every connection would meet the same damage: followRun says so and ends, not loops.
    const follower = followRun(socketTransport(socketPath), { reconnect: { maxElapsedMs: 5000 } });
    const seen: string[] = [];
    for await (const message of follower) {
      seen.push(message.type === "error" ? message.code : message.type);
    }
    expect(seen).toEqual(["welcome", "event", "event", "E_TIMELINE_DAMAGED"]);
    expect(follower.finalStatus).toBeUndefined();
    await server.close(null);
  });

  it("calls a jump in what the replay source yields damage too, not a generic E_REPLAY", async () => {
    const run = new FakeRun();
    const { server, socketPath } = await serve({}, run);
    run.append(4);
    run.events[2] = logEvent(4); // seq 3 goes missing from the record
    const client = new RawClient(socketPath);
    client.hello();
    client.send({ type: "subscribe", fromSeq: 1, output: false });
    await client.closed;
    expect(client.messages.at(-2)).toEqual({
      type: "error",
      code: "E_TIMELINE_DAMAGED",
      message: "the run's timeline (run_summary.jsonl) jumps from seq 2 to 4: seq 3 is missing",
    });
    await server.close(null);
  });
});
