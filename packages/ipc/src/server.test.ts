import { existsSync, lstatSync, statSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { type DecodedServerMessage, encodeLine } from "@runyard/protocol";
import { RunyardError } from "@runyard/schema";
import { describe, expect, it, vi } from "vitest";
import {
  FakeRun,
  logEvent,
  meta,
  outputEvent,
  runId,
  staleSocket,
  statusAt,
  temporaryDirectory,
} from "../test/fixtures.js";
import { createIpcClient, type IpcClient } from "./client.js";
import { IpcConnectError, NoExecutorError } from "./errors.js";
import { createIpcServer } from "./server.js";
import type { IpcServer } from "./server-types.js";

async function serve(run = new FakeRun(), options = {}) {
  const socketPath = join(temporaryDirectory(), "ipc.sock");
  const diagnostics: string[] = [];
  const handlers = {
    ...run.handlers(),
    diagnostic: (message: string) => diagnostics.push(message),
  };
  const server = await createIpcServer(socketPath, handlers, options);
  run.publish = (event) => server.publish(event);
  return { server, socketPath, run, diagnostics };
}

/** Collects messages until `bye` (or the end of the connection). */
async function collect(client: IpcClient): Promise<DecodedServerMessage[]> {
  const messages: DecodedServerMessage[] = [];
  for await (const message of client) {
    messages.push(message);
    if (message.type === "bye") break;
  }
  return messages;
}

const seqs = (messages: DecodedServerMessage[]) =>
  messages.flatMap((message) => (message.type === "event" ? [message.event.seq] : []));

describe("IPC server and client", () => {
  it("listens on a 0600 socket and greets with meta, status and the last seq", async () => {
    const { server, socketPath, run } = await serve();
    run.append(3);
    expect(lstatSync(socketPath).isSocket()).toBe(true);
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    const client = await createIpcClient(socketPath, { client: "test/1" });
    expect(client.welcome).toEqual({
      type: "welcome",
      protocolVersion: 1,
      meta,
      status: statusAt(3),
      lastSeq: 3,
    });
    client.ping("p1");
    const first = await client[Symbol.asyncIterator]().next();
    expect(first.value).toEqual({ type: "pong", id: "p1" });
    await client.close();
    await server.close(null);
  });

  it("replays from any seq, then goes live, with no gap and no duplicate", async () => {
    const { server, socketPath, run } = await serve();
    run.append(5);
    let openGate!: () => void;
    run.replayGate = new Promise((resolve) => {
      openGate = resolve;
    });
    const replayStarted = new Promise<void>((resolve) => {
      run.onReplayStart = resolve;
    });
    const client = await createIpcClient(socketPath);
    client.subscribe({ fromSeq: 2 });
    await replayStarted;
    // Events happen while the replay is held back: they must come after it, once.
    run.append(3);
    openGate();
    run.append(2);
    const collected = collect(client);
    await vi.waitFor(() => expect(server.clientCount).toBe(1));
    // Let the client drain, then end the run.
    const closing = (async () => {
      await vi.waitFor(async () => expect(run.events).toHaveLength(10));
    })();
    await closing;
    await server.close("success");
    const messages = await collected;
    expect(seqs(messages)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(messages.at(-1)).toEqual({ type: "bye", finalStatus: "success" });
    expect(existsSync(socketPath)).toBe(false);
  });

  it("streams output only to clients that asked for it", async () => {
    const { server, socketPath, run } = await serve();
    run.append(1);
    const all = await createIpcClient(socketPath);
    const some = await createIpcClient(socketPath);
    const none = await createIpcClient(socketPath);
    all.subscribe({ fromSeq: 2, output: true });
    some.subscribe({ fromSeq: 2, output: ["b"] });
    none.subscribe({ fromSeq: 2 });
    // Subscriptions are in once each client's ping has come back.
    for (const client of [all, some, none]) {
      client.ping();
      await client[Symbol.asyncIterator]().next();
    }
    expect(server.wantsOutput("a")).toBe(true);
    server.publish(outputEvent(1, "a", "from a\n"));
    server.publish(outputEvent(1, "b", "from b\n"));
    run.append(1);
    const results = Promise.all([collect(all), collect(some), collect(none)]);
    await server.close("success");
    const [toAll, toSome, toNone] = await results;
    const outputs = (messages: DecodedServerMessage[]) =>
      messages.flatMap((message) => (message.type === "output" ? [message.event.data] : []));
    expect(outputs(toAll ?? [])).toEqual(["from a\n", "from b\n"]);
    expect(outputs(toSome ?? [])).toEqual(["from b\n"]);
    expect(outputs(toNone ?? [])).toEqual([]);
    expect(seqs(toNone ?? [])).toEqual([2]);
  });

  it("routes cancel to the executor's handler, force included", async () => {
    const { server, socketPath, run } = await serve();
    const client = await createIpcClient(socketPath);
    await client.cancel({ stepId: "a", reason: "user asked" });
    await client.cancel({ force: true });
    expect(run.cancels).toEqual([
      { stepId: "a", reason: "user asked", force: false },
      { stepId: undefined, reason: undefined, force: true },
    ]);
    await client.close();
    await server.close(null);
  });

  it("answers a cancel with an id, and only a refusal of one without", async () => {
    const { server, socketPath, run } = await serve();
    run.refuseCancel = (request) =>
      request.stepId === "gone"
        ? new RunyardError("E_STEP_ENDED", 'step "gone" has already ended: completed')
        : undefined;
    const socket = connect(socketPath);
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk;
    });
    socket.write('{"type":"hello","protocolVersions":[1],"client":"raw"}\n');
    socket.write('{"type":"cancel","id":"c1","stepId":"a"}\n');
    socket.write('{"type":"cancel","id":"c2","stepId":"gone"}\n');
    socket.write('{"type":"cancel","stepId":"a"}\n');
    socket.write('{"type":"cancel","stepId":"gone"}\n');
    socket.write('{"type":"ping","id":"end"}\n');
    await vi.waitFor(() => expect(received).toContain('"id":"end"'));
    const lines = received
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const message = 'step "gone" has already ended: completed';
    expect(lines.slice(1)).toEqual([
      { type: "cancel-ok", id: "c1" },
      { type: "error", code: "E_STEP_ENDED", message, id: "c2" },
      { type: "error", code: "E_STEP_ENDED", message },
      { type: "pong", id: "end" },
    ]);
    socket.destroy();
    await server.close(null);
  });

  it("answers step requests with step-ok or an error carrying their id; none without a handler", async () => {
    const run = new FakeRun();
    const socketPath = join(temporaryDirectory(), "ipc.sock");
    const server = await createIpcServer(socketPath, {
      ...run.handlers(),
      step: async (request) => {
        if (request.type === "step-log") return { seq: 7 };
        if (request.type === "step-send") {
          // Slow on purpose: the next request is read and answered meanwhile.
          await new Promise((resolve) => setTimeout(resolve, 50));
          return { seq: 8, path: "inbox/001-results.txt" };
        }
        throw new RunyardError("E_STEP_REQUEST", "artifacts/a.txt exists already");
      },
    });
    const raw = async (path: string, lines: object[]) => {
      const socket = connect(path);
      let received = "";
      socket.on("data", (chunk) => {
        received += chunk;
      });
      socket.write(lines.map((line) => encodeLine(line)).join(""));
      await vi.waitFor(() => expect(received.trim().split("\n").length).toBe(lines.length));
      socket.destroy();
      return received
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line))
        .slice(1);
    };
    const step = { stepId: "a", stepSeq: 1 };
    const hello = { type: "hello", protocolVersions: [1], client: "raw" };
    const answers = await raw(socketPath, [
      hello,
      { type: "step-send", id: "s", ...step, channel: "results", staged: ".staged-1-abcdef12.tmp" },
      { type: "step-log", id: "l", ...step, level: "info", message: "hi" },
      { type: "step-artifact", id: "a", ...step, name: "a.txt", staged: ".staged-1-abcdef13.tmp" },
    ]);
    expect(answers).toEqual([
      { type: "step-ok", id: "l", seq: 7 },
      { type: "error", code: "E_STEP_REQUEST", message: "artifacts/a.txt exists already", id: "a" },
      { type: "step-ok", id: "s", seq: 8, path: "inbox/001-results.txt" },
    ]);
    await server.close(null);

    // A server without the handler (a read-only one) says so, to that request.
    const plain = await serve();
    expect(
      await raw(plain.socketPath, [
        hello,
        { type: "step-log", id: "l", ...step, level: "info", message: "hi" },
      ]),
    ).toEqual([
      {
        type: "error",
        code: "E_UNSUPPORTED",
        message: "this server does not take step requests",
        id: "l",
      },
    ]);
    await plain.server.close(null);
  });

  it("refuses a client that speaks no common version, with a clear error", async () => {
    const { server, socketPath } = await serve();
    await expect(createIpcClient(socketPath, { protocolVersions: [99] })).rejects.toMatchObject({
      code: "E_PROTOCOL_VERSION",
      message: expect.stringMatching(
        /the client speaks 99, the server speaks 1 \(upgrade runyard on the host that runs the executor\)/,
      ),
    });
    await server.close(null);
  });

  it("requires hello first and closes otherwise", async () => {
    const { server, socketPath } = await serve();
    const socket = connect(socketPath);
    socket.write('{"type":"ping"}\n');
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk;
    });
    await new Promise((resolve) => socket.on("close", resolve));
    expect(JSON.parse(received)).toMatchObject({ type: "error", code: "E_HELLO_REQUIRED" });
    await server.close(null);
  });

  it("answers a bad or over-long line with one error each and keeps the connection", async () => {
    const { server, socketPath } = await serve();
    const client = await createIpcClient(socketPath);
    const socket = connect(socketPath);
    socket.write(
      '{"type":"hello","protocolVersions":[1],"client":"raw"}\n{"type":"subscribe","fromSeq":0,"output":false}\n',
    );
    // Over the 1 MiB line limit, in two writes: skipped to its newline, reported once.
    socket.write("x".repeat(700_000));
    socket.write(`${"x".repeat(700_000)}\n{"type":"ping"}\n`);
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk;
    });
    await vi.waitFor(() => expect(received).toContain('"pong"'));
    const lines = received
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines[1]).toMatchObject({
      type: "error",
      code: "E_BAD_MESSAGE",
      message: expect.stringMatching(/fromSeq/),
    });
    expect(lines.slice(2)).toEqual([
      {
        type: "error",
        code: "E_BAD_MESSAGE",
        message: expect.stringMatching(/^line 3: line longer than 1048576 bytes/),
      },
      { type: "pong" },
    ]);
    socket.destroy();
    await client.close();
    await server.close(null);
  });

  it("drops a client that stops reading, without ever blocking the publisher", async () => {
    const { server, socketPath, diagnostics } = await serve(new FakeRun(), {
      maxQueueBytes: 64 * 1024,
    });
    const socket = connect(socketPath);
    socket.write('{"type":"hello","protocolVersions":[1],"client":"stuck"}\n');
    socket.write('{"type":"subscribe","fromSeq":1,"output":true}\n');
    await vi.waitFor(() => expect(server.wantsOutput("a")).toBe(true));
    socket.pause();
    const chunk = "x".repeat(4096);
    const started = performance.now();
    for (let i = 0; i < 1000; i += 1) server.publish(outputEvent(1, "a", chunk, i * 4096));
    // publish() never waits for the stuck reader (a hang here would be the bug).
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(diagnostics.some((message) => /dropped a client, E_CLIENT_TOO_SLOW/.test(message))).toBe(
      true,
    );
    await vi.waitFor(() => expect(server.clientCount).toBe(0), { timeout: 5000 });
    socket.destroy();
    await server.close(null);
  });
});

describe("a client of a newer server", () => {
  it("yields an event of a type it does not know as a value, and reports a bad line", async () => {
    const socketPath = join(temporaryDirectory(), "ipc.sock");
    const ts = "2026-06-05T14:23:01.000Z";
    const retry = { type: "step-retry", runId, seq: 2, ts, stepId: "a", delayMs: 500 };
    const newer = createServer((socket) => {
      socket.once("data", () => {
        socket.end(
          [
            encodeLine({
              type: "welcome",
              protocolVersion: 1,
              meta,
              status: statusAt(1),
              lastSeq: 1,
            }),
            encodeLine({ type: "event", event: logEvent(1) }),
            encodeLine({ type: "event", event: retry }),
            "not json\n",
            encodeLine({ type: "bye", finalStatus: "success" }),
          ].join(""),
        );
      });
    });
    await new Promise<void>((resolve) => newer.listen(socketPath, resolve));
    const client = await createIpcClient(socketPath);
    expect(await collect(client)).toEqual([
      { type: "event", event: logEvent(1) },
      {
        type: "event",
        event: { type: "unknown", originalType: "step-retry", runId, seq: 2, ts, fields: retry },
      },
      {
        type: "error",
        code: "E_CLIENT_DECODE",
        message: "undecodable line from the server: line 4: not valid JSON: not json",
      },
      { type: "bye", finalStatus: "success" },
    ]);
    await client.close();
    await new Promise((resolve) => newer.close(resolve));
  });
});

describe("the socket path", () => {
  it("refuses to start over a live socket", async () => {
    const { server, socketPath } = await serve();
    await expect(createIpcServer(socketPath, new FakeRun().handlers())).rejects.toMatchObject({
      code: "E_SOCKET_IN_USE",
    });
    await server.close(null);
  });

  it("replaces a stale socket left by a dead process", async () => {
    const socketPath = await staleSocket();
    expect(lstatSync(socketPath).isSocket()).toBe(true);
    const server: IpcServer = await createIpcServer(socketPath, new FakeRun().handlers());
    const client = await createIpcClient(socketPath);
    expect(client.welcome.lastSeq).toBe(0);
    await client.close();
    await server.close(null);
  });

  it("names the path when it is too long for a Unix socket", async () => {
    const socketPath = join(temporaryDirectory(), "d".repeat(120), "ipc.sock");
    await expect(createIpcServer(socketPath, new FakeRun().handlers())).rejects.toThrow(
      new RegExp(`longer than the 107 a Unix socket allows: ${socketPath}`),
    );
    await expect(createIpcClient(socketPath)).rejects.toMatchObject({
      code: "E_SOCKET_PATH_TOO_LONG",
    });
  });

  it("tells a client clearly that nobody listens", async () => {
    const socketPath = join(temporaryDirectory(), "ipc.sock");
    const failure = createIpcClient(socketPath);
    await expect(failure).rejects.toBeInstanceOf(NoExecutorError);
    await expect(failure).rejects.toBeInstanceOf(IpcConnectError);
    await expect(failure).rejects.toMatchObject({
      code: "E_NO_EXECUTOR",
      message: `no executor answers at ${socketPath}: the run has finished or crashed (no socket)`,
    });
  });
});
