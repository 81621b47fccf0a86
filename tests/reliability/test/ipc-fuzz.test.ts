// IPC fuzzing: hostile clients against a real IpcServer on a real Unix socket — random bytes,
// random valid and invalid JSON lines, over-long lines, half-open connections, connections
// that vanish, floods, clients that never read — while a well-behaved client follows the run.
// Properties: the server survives (it still accepts, welcomes and answers), and the
// well-behaved client receives every event exactly once, in seq order.
//
// The server runs in this process rather than inside an executor: the same code the executor
// runs (createIpcServer from @runyard/ipc), but with the event source in the test's hands, so
// each property run can publish a known set of events and check them off one by one, and a
// hundred runs fit in seconds. ipc-connections.test.ts drives a real executor.
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createIpcClient, createIpcServer, type IpcClient, type IpcServer } from "@runyard/ipc";
import type { DecodedServerMessage, RunEvent } from "@runyard/protocol";
import { type RunMeta, SCHEMA_VERSION } from "@runyard/schema";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const RUNS = 100;
const SEED = Number(process.env.RUNYARD_FUZZ_SEED ?? Date.now() % 2 ** 31);
const EVENTS_PER_RUN = 20;
const runId = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
const ts = "2026-06-05T14:23:00.000Z";
const meta: RunMeta = {
  schemaVersion: SCHEMA_VERSION,
  runId,
  workflowId: "5f0c7a4e-2d1b-4c8e-9a3f-6b7e8d9c0a1b",
  workflowFile: "/home/user/fuzz.yaml",
  workflowName: "fuzz",
  pid: process.pid,
  startedOn: "fuzzhost",
  startedAt: ts,
  endedAt: null,
  finalStatus: null,
};

// One server for every run (it must survive all of them), so one directory for the file.
const directory = mkdtempSync(join(tmpdir(), "ry-fuzz-"));

/** The run: durable events kept in memory, published as the executor does. */
const events: RunEvent[] = [];
let server: IpcServer;
/** What the server told hostile clients, by code: the limits the runs reached. */
const drops = new Map<string, number>();
let socketPath: string;

function append(): void {
  const seq = events.length + 1;
  const event: RunEvent = { type: "log", runId, seq, ts, level: "info", message: `e${seq}` };
  events.push(event);
  server.publish(event);
}

function publishOutput(size: number): void {
  server.publish({
    type: "step-output",
    runId,
    seq: events.length,
    ts,
    stepId: "a",
    captureSeq: 1,
    stream: "stdout",
    offset: 0,
    data: "o".repeat(size),
  });
}

const HELLO = '{"type":"hello","protocolVersions":[1],"client":"fuzz"}\n';

// What a hostile client sends; each is written to a fresh connection.
const validMessage = fc.oneof(
  fc.constant(HELLO.trim()),
  fc
    .record({ fromSeq: fc.integer({ min: -3, max: 50 }), output: fc.boolean() })
    .map((subscribe) => JSON.stringify({ type: "subscribe", ...subscribe })),
  fc.option(fc.string(), { nil: undefined }).map((id) => JSON.stringify({ type: "ping", id })),
  fc
    .record({ stepId: fc.option(fc.string(), { nil: undefined }), force: fc.boolean() })
    .map((cancel) => JSON.stringify({ type: "cancel", ...cancel })),
);
const anyLine = fc.oneof(
  validMessage,
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ unit: "binary" }).map((text) => text.replaceAll("\n", "")),
);
const lines = fc.array(anyLine, { maxLength: 40 }).map((list) => `${list.join("\n")}\n`);

type Hostile =
  | { kind: "bytes"; hello: boolean; bytes: Uint8Array; end: boolean }
  | { kind: "lines"; hello: boolean; text: string; cuts: number[]; end: boolean }
  | { kind: "over-long"; hello: boolean; size: number }
  | { kind: "vanish"; partial: string }
  | { kind: "half-open"; hello: boolean }
  | { kind: "flood"; count: number; line: string }
  | { kind: "never-read"; output: boolean };

const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  fc.record({
    kind: fc.constant("bytes" as const),
    hello: fc.boolean(),
    bytes: fc.uint8Array({ maxLength: 8192 }),
    end: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("lines" as const),
    hello: fc.boolean(),
    text: lines,
    cuts: fc.array(fc.nat(), { maxLength: 5 }),
    end: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("over-long" as const),
    hello: fc.boolean(),
    size: fc.integer({ min: 1024 * 1024 + 1, max: 3 * 1024 * 1024 }),
  }),
  fc.record({ kind: fc.constant("vanish" as const), partial: fc.string({ maxLength: 30 }) }),
  fc.record({ kind: fc.constant("half-open" as const), hello: fc.boolean() }),
  fc.record({
    kind: fc.constant("flood" as const),
    count: fc.integer({ min: 100, max: 20_000 }),
    line: fc.constantFrom('{"type":"ping"}', "garbage", '{"type":"cancel"}', ""),
  }),
  fc.record({ kind: fc.constant("never-read" as const), output: fc.boolean() }),
);

/** Opens a connection and plays `attack`; returns the socket, left open or not. */
async function play(attack: Hostile): Promise<Socket> {
  const socket = connect(socketPath);
  socket.on("error", () => undefined); // The server may cut it: that is allowed.
  socket.on("data", () => undefined);
  await new Promise<void>((resolve) => {
    socket.once("connect", () => resolve());
    socket.once("close", () => resolve());
  });
  if (socket.destroyed) return socket;
  const hello = "hello" in attack && attack.hello ? HELLO : "";
  switch (attack.kind) {
    case "bytes":
      socket.write(hello);
      socket.write(attack.bytes);
      if (attack.end) socket.end();
      break;
    case "lines": {
      const bytes = Buffer.from(hello + attack.text);
      let from = 0;
      for (const cut of [...attack.cuts.map((c) => c % (bytes.length + 1))].sort((a, b) => a - b)) {
        socket.write(bytes.subarray(from, cut));
        from = cut;
        await new Promise((resolve) => setImmediate(resolve));
      }
      socket.write(bytes.subarray(from));
      if (attack.end) socket.end();
      break;
    }
    case "over-long":
      socket.write(hello);
      socket.write(Buffer.alloc(attack.size, 0x61));
      socket.write('\n{"type":"ping","id":"after"}\n');
      break;
    case "vanish":
      socket.write(attack.partial);
      socket.destroy();
      break;
    case "half-open":
      socket.end(hello);
      break;
    case "flood":
      socket.write(`${HELLO}${`${attack.line}\n`.repeat(attack.count)}`);
      break;
    case "never-read":
      socket.pause();
      socket.write(`${HELLO}{"type":"subscribe","fromSeq":1,"output":${attack.output}}\n`);
      break;
  }
  return socket;
}

/** Collects a client's messages in the background until a pong with `id`. */
function collectUntilPong(client: IpcClient, id: string): Promise<DecodedServerMessage[]> {
  return (async () => {
    const messages: DecodedServerMessage[] = [];
    for await (const message of client) {
      if (message.type === "pong" && message.id === id) return messages;
      messages.push(message);
    }
    throw new Error(`the connection ended before pong ${id}`);
  })();
}

describe("IPC fuzzing", () => {
  beforeAll(async () => {
    socketPath = join(directory, "ipc.sock");
    server = await createIpcServer(
      socketPath,
      {
        snapshot: () => ({
          meta,
          status: {
            runId,
            workflowId: meta.workflowId,
            updatedAt: ts,
            seq: events.length,
            steps: [],
          },
          lastSeq: events.length,
        }),
        replay: async function* (fromSeq, toSeq) {
          for (const event of events) if (event.seq >= fromSeq && event.seq <= toSeq) yield event;
        },
        cancel: () => undefined,
        diagnostic: (message) => {
          const code = /^(?:dropped a client,|client error) (E_[A-Z_]+)/.exec(message)?.[1];
          if (code) drops.set(code, (drops.get(code) ?? 0) + 1);
        },
      },
      // Small limits, so that the runs reach them: the defaults are the same code at scale.
      { maxQueueBytes: 256 * 1024, helloTimeoutMs: 250, stallTimeoutMs: 500, maxClients: 64 },
    );
  });

  afterAll(async () => {
    await server?.close(null);
    rmSync(directory, { recursive: true, force: true });
  });

  it(`survives ${RUNS} runs of hostile clients, and a good client gets every event once, in order`, async () => {
    console.log(`ipc fuzz: seed ${SEED} (RUNYARD_FUZZ_SEED=${SEED} replays it), ${RUNS} runs`);
    let attacks = 0;
    let bytesSent = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { minLength: 1, maxLength: 6 }), async (attackList) => {
        const from = events.length + 1;
        const watcher = await createIpcClient(socketPath, { client: "watcher" });
        watcher.subscribe({ fromSeq: from });
        watcher.ping("ready");
        await collectUntilPong(watcher, "ready");
        const received = collectUntilPong(watcher, "end");
        const sockets = Promise.all(attackList.map((attack) => play(attack)));
        for (let i = 0; i < EVENTS_PER_RUN; i += 1) {
          append();
          if (i % 4 === 0) publishOutput(64 * 1024);
          await new Promise((resolve) => setImmediate(resolve));
        }
        const opened = await sockets;
        attacks += attackList.length;
        bytesSent += opened.reduce((sum, socket) => sum + socket.bytesWritten, 0);
        watcher.ping("end");
        const seqs = (await received).flatMap((message) =>
          message.type === "event" ? [message.event.seq] : [],
        );
        expect(seqs).toEqual(Array.from({ length: EVENTS_PER_RUN }, (_, index) => from + index));
        // Still serving: a new client is welcomed and answered.
        const fresh = await createIpcClient(socketPath, { client: "fresh", timeoutMs: 5000 });
        expect(fresh.welcome.lastSeq).toBe(events.length);
        fresh.ping("alive");
        expect(await collectUntilPong(fresh, "alive")).toEqual([]);
        await fresh.close();
        await watcher.close();
        for (const socket of opened) socket.destroy();
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Nothing leaks: every connection the runs opened is gone from the server.
    await expect.poll(() => server.clientCount, { timeout: 10_000 }).toBe(0);
    console.log(
      `ipc fuzz: ${attacks} hostile connections, ${(bytesSent / 1024 / 1024).toFixed(1)} MiB sent, ${events.length} events delivered to the watcher; server answers: ${[...drops].map(([code, count]) => `${code} ${count}`).join(", ")}`,
    );
  });
});
