// `runyard bridge` and the ssh transport that runs it, end to end: a real IPC server in a run
// directory, the built runyard as the remote CLI, and a stand-in for ssh that drops the host
// and hands the command line to a shell, as sshd does on the other side.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  createIpcClient,
  createIpcServer,
  followRun,
  IpcConnectError,
  type IpcServer,
  NoExecutorError,
  sshTransport,
} from "@runyard/ipc";
import type { DecodedServerMessage, RunEvent } from "@runyard/protocol";
import { type RunMeta, RunyardError, shortHostname } from "@runyard/schema";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BIN, cli, startCli, useScratch } from "./cli.js";

const scratch = useScratch();
const runId = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
const workflowId = "5f0c7a4e-2d1b-4c8e-9a3f-6b7e8d9c0a1b";
const ts = "2026-06-05T14:23:00.000Z";
const meta: RunMeta = {
  schemaVersion: 1,
  runId,
  workflowId,
  workflowFile: "/home/user/hello.yaml",
  workflowName: "hello",
  pid: process.pid,
  startedOn: shortHostname(),
  startedAt: ts,
  endedAt: null,
  finalStatus: null,
};

const servers: IpcServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close(null);
});

/** A run directory whose meta.json says it runs here, and the ssh stand-in beside it. */
function prepare(): { runDirectory: string; ssh: string } {
  const runDirectory = join(scratch.directory, runId);
  mkdirSync(runDirectory, { mode: 0o700 });
  writeFileSync(join(runDirectory, "meta.json"), JSON.stringify(meta));
  const ssh = join(scratch.directory, "fake-ssh");
  writeFileSync(
    ssh,
    '#!/bin/sh\n# ssh HOST COMMAND-LINE: the remote shell runs the line\nshift\nexec sh -c "$*"\n',
  );
  chmodSync(ssh, 0o755);
  return { runDirectory, ssh };
}

/** A live run: events kept in memory and published, cancels of step "a" accepted. */
class LiveRun {
  readonly events: RunEvent[] = [];
  readonly cancels: unknown[] = [];
  server: IpcServer | undefined;

  async serve(runDirectory: string): Promise<IpcServer> {
    const events = this.events;
    const server = await createIpcServer(join(runDirectory, "ipc.sock"), {
      snapshot: () => ({
        meta,
        status: { runId, workflowId, updatedAt: ts, steps: [] },
        lastSeq: events.length,
      }),
      async *replay(fromSeq, toSeq) {
        yield* events.filter((event) => event.seq >= fromSeq && event.seq <= toSeq);
      },
      cancel: (request) => {
        if (request.stepId !== "a") {
          throw new RunyardError("E_UNKNOWN_STEP", `this run has no step "${request.stepId}"`);
        }
        this.cancels.push(request);
      },
    });
    servers.push(server);
    this.server = server;
    return server;
  }

  append(count: number): void {
    for (let i = 0; i < count; i += 1) {
      const seq = this.events.length + 1;
      const event: RunEvent = {
        type: "log",
        runId,
        seq,
        ts,
        level: "info",
        message: `event ${seq}`,
      };
      this.events.push(event);
      this.server?.publish(event);
    }
  }
}

const remoteCli = `${process.execPath} ${BIN}`;
const seqs = (messages: DecodedServerMessage[]) =>
  messages.flatMap((message) => (message.type === "event" ? [message.event.seq] : []));

describe("runyard bridge over the ssh transport", () => {
  it("reaches the live socket: welcome, events, cancels answered, bye", async () => {
    const { runDirectory, ssh } = prepare();
    const run = new LiveRun();
    const server = await run.serve(runDirectory);
    run.append(2);
    const transport = sshTransport("login01", runDirectory, { sshCommand: ssh, remoteCli });
    expect(transport.target).toBe(`login01:${join(runDirectory, "ipc.sock")}`);
    const client = await createIpcClient(transport, { timeoutMs: 20_000 });
    expect(client.welcome.lastSeq).toBe(2);
    client.subscribe({ fromSeq: 1 });
    expect(await client.cancel({ stepId: "a", force: true })).toEqual({ accepted: true });
    expect(await client.cancel({ stepId: "post" })).toEqual({
      accepted: false,
      code: "E_UNKNOWN_STEP",
      message: 'this run has no step "post"',
    });
    expect(run.cancels).toEqual([{ stepId: "a", reason: undefined, force: true }]);
    const messages: DecodedServerMessage[] = [];
    for await (const message of client) {
      messages.push(message);
      if (message.type === "event" && message.event.seq === 2) {
        run.append(1);
        void server.close("success");
      }
    }
    expect(seqs(messages)).toEqual([1, 2, 3]);
    expect(messages.at(-1)).toEqual({ type: "bye", finalStatus: "success" });
  });

  it("lets followRun resume through a new bridge when the server restarts", async () => {
    const { runDirectory, ssh } = prepare();
    const run = new LiveRun();
    const first = await run.serve(runDirectory);
    run.append(3);
    let restarted: Promise<IpcServer> | undefined;
    const follower = followRun(
      sshTransport("login01", runDirectory, { sshCommand: ssh, remoteCli }),
      {
        timeoutMs: 20_000,
        reconnect: { maxElapsedMs: 30_000 },
        onRetry: ({ error }) => {
          if (!restarted && error instanceof NoExecutorError) {
            run.append(2);
            restarted = run.serve(runDirectory);
          }
        },
      },
    );
    const messages: DecodedServerMessage[] = [];
    let stopped: Promise<void> | undefined;
    for await (const message of follower) {
      messages.push(message);
      if (message.type !== "event") continue;
      if (message.event.seq === 3) {
        run.server = undefined;
        stopped = first.close(null);
      } else if (message.event.seq === 5) {
        void (await restarted)?.close("cancelled");
      }
    }
    await stopped;
    expect(seqs(messages)).toEqual([1, 2, 3, 4, 5]);
    expect(follower.finalStatus).toBe("cancelled");
  });

  it("exits 69 with a clear message when no executor answers, which ssh's side reads back", async () => {
    const { runDirectory, ssh } = prepare();
    const result = await cli(["bridge", runDirectory], { runsDir: scratch.runsDir });
    expect(result.code).toBe(69);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      `error: no executor answers at ${join(runDirectory, "ipc.sock")}: the run has finished or crashed (no socket)\n`,
    );
    const transport = sshTransport("login01", runDirectory, { sshCommand: ssh, remoteCli });
    const failure = createIpcClient(transport, { timeoutMs: 20_000 });
    await expect(failure).rejects.toBeInstanceOf(NoExecutorError);
    await expect(failure).rejects.toMatchObject({
      message: expect.stringMatching(
        /crashed \(on login01: no executor answers at .*\(no socket\)\)$/,
      ),
    });
  });

  it("says when the remote shell cannot run runyard, and how to tell it", async () => {
    const { runDirectory, ssh } = prepare();
    const transport = sshTransport("login01", runDirectory, {
      sshCommand: ssh,
      remoteCli: join(scratch.directory, "no-runyard-here"),
    });
    const failure = createIpcClient(transport, { timeoutMs: 20_000 });
    await expect(failure).rejects.toBeInstanceOf(IpcConnectError);
    await expect(failure).rejects.toMatchObject({
      code: "E_IPC_CONNECT",
      message: expect.stringMatching(/^login01 cannot run '.*no-runyard-here': /),
      hint: expect.stringContaining("RUNYARD_REMOTE_CLI"),
    });
  });

  it("ends when the client closes its side, and lets the executor know", async () => {
    const { runDirectory } = prepare();
    const server = await new LiveRun().serve(runDirectory);
    const { child, done } = startCli(["bridge", runDirectory], { runsDir: scratch.runsDir });
    child.stdin?.write('{"type":"hello","protocolVersions":[1],"client":"test"}\n');
    await new Promise((resolve) => child.stdout?.once("data", resolve));
    expect(server.clientCount).toBe(1);
    child.stdin?.end();
    const result = await done;
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(result.stdout)).toMatchObject({ type: "welcome", lastSeq: 0 });
    await vi.waitFor(() => expect(server.clientCount).toBe(0));
  });

  it("wants exactly one run directory", async () => {
    const result = await cli(["bridge"], { runsDir: scratch.runsDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("missing the run directory");
  });
});
