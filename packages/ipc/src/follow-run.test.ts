import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { DecodedServerMessage } from "@runyard/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { FakeRun, meta, outputEvent, temporaryDirectory } from "../test/fixtures.js";
import { IpcConnectError, NoExecutorError, OtherHostError } from "./errors.js";
import { followRun, type RetryInfo } from "./follow-run.js";
import { createIpcServer } from "./server.js";
import type { IpcServer } from "./server-types.js";
import { type IpcTransport, socketTransport } from "./transport.js";

const servers: IpcServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close(null);
});

/** A real server for `run` on `socketPath`; the run publishes to it from now on. */
async function serve(run: FakeRun, socketPath: string): Promise<IpcServer> {
  const server = await createIpcServer(socketPath, run.handlers());
  servers.push(server);
  run.publish = (event) => server.publish(event);
  return server;
}

/** A socket transport that keeps every connection it opens, so a test can cut one. */
function recordingTransport(socketPath: string): { transport: IpcTransport; streams: Duplex[] } {
  const inner = socketTransport(socketPath);
  const streams: Duplex[] = [];
  return {
    streams,
    transport: {
      target: inner.target,
      async open(signal) {
        const stream = await inner.open(signal);
        streams.push(stream);
        return stream;
      },
    },
  };
}

const seqs = (messages: DecodedServerMessage[]) =>
  messages.flatMap((message) => (message.type === "event" ? [message.event.seq] : []));
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe("followRun", () => {
  it("sees every event once and in order when its connection is cut mid-stream", async () => {
    const run = new FakeRun();
    const socketPath = join(temporaryDirectory(), "ipc.sock");
    const server = await serve(run, socketPath);
    run.append(3);
    const { transport, streams } = recordingTransport(socketPath);
    const follower = followRun(transport, { output: true });
    const messages: DecodedServerMessage[] = [];
    let closing: Promise<void> | undefined;
    for await (const message of follower) {
      messages.push(message);
      if (message.type !== "event") continue;
      const seq = message.event.seq;
      if (seq === 3) {
        // Live output and events, then the connection goes; more happens while it is down.
        server.publish(outputEvent(3, "a", "before the cut\n"));
        run.append(2);
        streams.at(-1)?.destroy();
        run.append(3);
      } else if (seq === 8) {
        run.append(4);
      } else if (seq === 12) {
        closing = server.close("success");
      }
    }
    await closing;
    expect(seqs(messages)).toEqual(range(1, 12));
    expect(messages.filter((message) => message.type === "welcome")).toHaveLength(2);
    expect(streams.length).toBe(2);
    expect(messages.at(-1)).toEqual({ type: "bye", finalStatus: "success" });
    expect(follower.finalStatus).toBe("success");
    expect(follower.lastSeq).toBe(12);
  });

  it("resumes from the next seq when the executor restarts its server on the same socket", async () => {
    const run = new FakeRun();
    const directory = temporaryDirectory();
    writeFileSync(join(directory, "meta.json"), JSON.stringify(meta));
    const socketPath = join(directory, "ipc.sock");
    const first = await serve(run, socketPath);
    run.append(4);
    const retries: RetryInfo[] = [];
    let restarted: Promise<IpcServer> | undefined;
    const follower = followRun(directory, {
      env: { RUNYARD_HOSTNAME: "login01" },
      fromSeq: 2,
      onRetry: (info) => {
        retries.push(info);
        // Once the old server has removed its socket, the restart comes meanwhile.
        if (!restarted && info.error instanceof NoExecutorError) {
          run.append(3); // events while no server listens
          restarted = serve(run, socketPath);
        }
      },
    });
    const messages: DecodedServerMessage[] = [];
    let stopped: Promise<void> | undefined;
    for await (const message of follower) {
      messages.push(message);
      if (message.type === "event" && message.event.seq === 4) {
        stopped = first.close(null); // bye without a status: going away, the run goes on
      }
      if (message.type === "event" && message.event.seq === 7) {
        run.append(1);
        void (await restarted)?.close("failed");
      }
    }
    expect(seqs(messages)).toEqual(range(2, 8));
    expect(messages.filter((message) => message.type === "bye")).toEqual([
      { type: "bye", finalStatus: "failed" },
    ]);
    await stopped;
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toMatchObject({ attempt: 1, error: expect.any(IpcConnectError) });
    expect(follower.finalStatus).toBe("failed");
  });

  it("throws NoExecutorError once the executor stays gone past the retry budget", async () => {
    const run = new FakeRun();
    const socketPath = join(temporaryDirectory(), "ipc.sock");
    const server = await serve(run, socketPath);
    run.append(2);
    const retries: RetryInfo[] = [];
    const follower = followRun(socketTransport(socketPath), {
      reconnect: { maxElapsedMs: 300, initialDelayMs: 20, maxDelayMs: 100 },
      onRetry: (info) => retries.push(info),
    });
    const seen: number[] = [];
    const started = Date.now();
    await expect(
      (async () => {
        for await (const message of follower) {
          if (message.type !== "event") continue;
          seen.push(message.event.seq);
          if (message.event.seq === 2) void server.close(null);
        }
      })(),
    ).rejects.toMatchObject({
      code: "E_NO_EXECUTOR",
      message: `no executor answers at ${socketPath}: the run has finished or crashed (no socket)`,
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(seen).toEqual([1, 2]);
    // Backoff doubles up to its cap, and the waits stay within the budget.
    const delays = retries.map((retry) => retry.delayMs);
    expect(delays.slice(0, 3)).toEqual([20, 40, 80]);
    expect(delays.slice(3).every((delay) => delay === 100)).toBe(true);
    expect(delays.reduce((sum, delay) => sum + delay, 0)).toBeLessThanOrEqual(300);
    expect(follower.finalStatus).toBeUndefined();
  });

  it("gives up at once on a run of another host, naming it", async () => {
    const directory = temporaryDirectory();
    writeFileSync(join(directory, "meta.json"), JSON.stringify(meta));
    const retries: RetryInfo[] = [];
    const follower = followRun(directory, {
      env: { RUNYARD_HOSTNAME: "login02" },
      onRetry: (info) => retries.push(info),
    });
    await expect(follower[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(OtherHostError);
    expect(retries).toEqual([]);
  });

  it("cancels through its connection and ends quietly when aborted", async () => {
    const run = new FakeRun();
    const socketPath = join(temporaryDirectory(), "ipc.sock");
    await serve(run, socketPath);
    run.append(1);
    const controller = new AbortController();
    const follower = followRun(socketTransport(socketPath), { signal: controller.signal });
    const answer = follower.cancel({ stepId: "a", force: true });
    const messages: DecodedServerMessage[] = [];
    for await (const message of follower) {
      messages.push(message);
      if (message.type === "event") {
        expect(await answer).toEqual({ accepted: true });
        controller.abort();
      }
    }
    expect(run.cancels).toEqual([{ stepId: "a", reason: undefined, force: true }]);
    expect(messages.map((message) => message.type)).toEqual(["welcome", "event"]);
    expect(follower.finalStatus).toBeUndefined();
    await expect(follower.cancel()).rejects.toMatchObject({ code: "E_IPC_CLOSED" });
  });
});
