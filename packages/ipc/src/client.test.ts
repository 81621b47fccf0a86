import { rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { encodeLine, ProtocolVersionError } from "@runyard/protocol";
import { RunyardError } from "@runyard/schema";
import { afterEach, describe, expect, it } from "vitest";
import { FakeRun, meta, staleSocket, statusAt, temporaryDirectory } from "../test/fixtures.js";
import { connectRun, createIpcClient } from "./client.js";
import { IpcConnectError, NoExecutorError, OtherHostError } from "./errors.js";
import { createIpcServer } from "./server.js";
import type { IpcServer, IpcServerHandlers } from "./server-types.js";

const servers: (IpcServer | Server)[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    if ("publish" in server) await server.close(null);
    else await new Promise((resolve) => server.close(resolve));
  }
});

/** A real server in a run directory whose meta.json says it runs on login01. */
async function serveRun(run = new FakeRun(), options: { takesCancels?: boolean } = {}) {
  const directory = temporaryDirectory();
  writeFileSync(join(directory, "meta.json"), JSON.stringify(meta));
  const { cancel, ...handlers }: IpcServerHandlers = run.handlers();
  const server = await createIpcServer(
    join(directory, "ipc.sock"),
    options.takesCancels === false || cancel === undefined ? handlers : { ...handlers, cancel },
  );
  servers.push(server);
  run.publish = (event) => server.publish(event);
  return { directory, socketPath: server.socketPath, run };
}

const onLogin01 = { env: { RUNYARD_HOSTNAME: "login01" } };

/**
 * A version-1 server from before cancel ids: it drops the id, refuses a cancel of step
 * "gone" with an error without id, accepts others in silence, and answers pings.
 */
async function serveOlderServer(onCancel?: (socket: Socket) => void) {
  const socketPath = join(temporaryDirectory(), "ipc.sock");
  const server = createServer((socket) => {
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const message = JSON.parse(line) as { type: string; stepId?: string; id?: string };
        if (message.type === "hello") {
          socket.write(
            encodeLine({
              type: "welcome",
              protocolVersion: 1,
              meta,
              status: statusAt(0),
              lastSeq: 0,
            }),
          );
        } else if (message.type === "cancel") {
          onCancel?.(socket);
          if (message.stepId === "gone") {
            socket.write(encodeLine({ type: "error", code: "E_STEP_ENDED", message: "ended" }));
          }
        } else if (message.type === "ping") {
          socket.write(
            encodeLine(
              message.id === undefined ? { type: "pong" } : { type: "pong", id: message.id },
            ),
          );
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  servers.push(server);
  return socketPath;
}

describe("cancel", () => {
  it("resolves to the server's answer and keeps answers out of the iteration", async () => {
    const { socketPath, run } = await serveRun();
    run.refuseCancel = ({ stepId }) =>
      stepId === "gone"
        ? new RunyardError("E_STEP_ENDED", 'step "gone" has already ended: completed')
        : stepId === "nope"
          ? new RunyardError("E_UNKNOWN_STEP", 'this run has no step "nope"')
          : undefined;
    const client = await createIpcClient(socketPath);
    expect(await client.cancel({ stepId: "a", reason: "wrong input" })).toEqual({
      accepted: true,
    });
    expect(await client.cancel({ stepId: "gone" })).toEqual({
      accepted: false,
      code: "E_STEP_ENDED",
      message: 'step "gone" has already ended: completed',
    });
    expect(await client.cancel({ stepId: "nope", force: true })).toMatchObject({
      accepted: false,
      code: "E_UNKNOWN_STEP",
    });
    expect(run.cancels).toEqual([{ stepId: "a", reason: "wrong input", force: false }]);
    client.ping("mine");
    const first = await client[Symbol.asyncIterator]().next();
    expect(first.value).toEqual({ type: "pong", id: "mine" });
    await client.close();
  });

  it("is refused with E_UNSUPPORTED by a server that takes no cancels", async () => {
    const { socketPath } = await serveRun(new FakeRun(), { takesCancels: false });
    const client = await createIpcClient(socketPath);
    expect(await client.cancel()).toMatchObject({ accepted: false, code: "E_UNSUPPORTED" });
    await client.close();
  });

  it("gets a definite answer from a server that predates cancel ids", async () => {
    const client = await createIpcClient(await serveOlderServer());
    const answers = await Promise.all([
      client.cancel({ stepId: "gone" }),
      client.cancel({ stepId: "a" }),
      client.cancel({ stepId: "gone" }),
    ]);
    expect(answers).toEqual([
      { accepted: false, code: "E_STEP_ENDED", message: "ended" },
      { accepted: true },
      { accepted: false, code: "E_STEP_ENDED", message: "ended" },
    ]);
    await client.close();
  });

  it("rejects when the connection ends before the answer", async () => {
    const client = await createIpcClient(await serveOlderServer((socket) => socket.destroy()));
    await expect(client.cancel()).rejects.toMatchObject({ code: "E_IPC_CLOSED" });
    // And a cancel on a closed connection rejects at once.
    await expect(client.cancel()).rejects.toMatchObject({ code: "E_IPC_CLOSED" });
  });
});

describe("typed errors", () => {
  it("ProtocolVersionError when the server speaks none of our versions", async () => {
    const { socketPath } = await serveRun();
    const failure = createIpcClient(socketPath, { protocolVersions: [99] });
    await expect(failure).rejects.toBeInstanceOf(ProtocolVersionError);
    await expect(failure).rejects.toMatchObject({
      code: "E_PROTOCOL_VERSION",
      offered: [99],
      message: expect.stringMatching(/^server refused: no common protocol version/),
    });
  });

  it("NoExecutorError when nobody listens on a socket left behind", async () => {
    const failure = createIpcClient(await staleSocket());
    await expect(failure).rejects.toBeInstanceOf(NoExecutorError);
    await expect(failure).rejects.toMatchObject({
      code: "E_NO_EXECUTOR",
      message: expect.stringMatching(/crashed \(nobody listens on the socket\)$/),
    });
  });
});

describe("connectRun", () => {
  it("connects to the run's socket when meta.json says it runs on this host", async () => {
    const { directory, run } = await serveRun();
    run.append(2);
    const client = await connectRun(directory, onLogin01);
    expect(client.welcome.lastSeq).toBe(2);
    expect(client.target).toBe(join(directory, "ipc.sock"));
    await client.close();
  });

  it("names the host when the run was started on another one", async () => {
    const { directory } = await serveRun();
    const failure = connectRun(directory, { env: { RUNYARD_HOSTNAME: "login02" } });
    await expect(failure).rejects.toBeInstanceOf(OtherHostError);
    await expect(failure).rejects.toBeInstanceOf(IpcConnectError);
    await expect(failure).rejects.toMatchObject({
      code: "E_OTHER_HOST",
      runHost: "login01",
      thisHost: "login02",
      message: `the run in ${directory} was started on login01, not on this host (login02): its executor can only be reached from login01`,
    });
  });

  it("says at once that no executor answers when meta.json records the end", async () => {
    const directory = temporaryDirectory();
    writeFileSync(join(directory, "meta.json"), JSON.stringify({ ...meta, finalStatus: "failed" }));
    await expect(connectRun(directory, onLogin01)).rejects.toMatchObject({
      code: "E_NO_EXECUTOR",
      finalStatus: "failed",
      message: expect.stringMatching(/\(meta\.json records its end: failed\)$/),
    });
  });

  it("refuses an empty meta.json, and tries the socket when there is none yet (a launch)", async () => {
    const { directory } = await serveRun();
    const metaPath = join(directory, "meta.json");
    writeFileSync(metaPath, "");
    await expect(connectRun(directory, onLogin01)).rejects.toMatchObject({ code: "E_RUN_META" });
    rmSync(metaPath);
    const client = await connectRun(directory, { env: { RUNYARD_HOSTNAME: "anywhere" } });
    expect(client.welcome.meta.startedOn).toBe("login01");
    await client.close();
    await expect(connectRun(join(directory, "nothing"))).rejects.toMatchObject({
      code: "E_RUN_META",
      message: `cannot read ${join(directory, "nothing", "meta.json")}: no such run directory`,
    });
  });

  it("reads meta.json only as a regular file of at most 1 MiB that matches its schema", async () => {
    const directory = temporaryDirectory();
    const metaPath = join(directory, "meta.json");
    writeFileSync(join(directory, "elsewhere.json"), JSON.stringify(meta));
    symlinkSync(join(directory, "elsewhere.json"), metaPath);
    await expect(connectRun(directory, onLogin01)).rejects.toMatchObject({
      code: "E_RUN_META",
      message: `cannot read ${metaPath}: it is a symbolic link`,
    });
    rmSync(metaPath);
    writeFileSync(metaPath, JSON.stringify({ ...meta, padding: "x".repeat(1024 * 1024) }));
    await expect(connectRun(directory, onLogin01)).rejects.toMatchObject({
      code: "E_RUN_META",
      message: expect.stringMatching(/larger than the 1 MiB limit/),
    });
    writeFileSync(metaPath, JSON.stringify({ ...meta, startedOn: 7 }));
    await expect(connectRun(directory, onLogin01)).rejects.toMatchObject({
      code: "E_INVALID_FILE",
      message: expect.stringContaining("startedOn"),
    });
  });
});
