// Test fixtures: temp dirs, a valid meta and status, events, and a scripted handler set.
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { RunEvent } from "@runyard/protocol";
import { type RunMeta, type RunStatus, SCHEMA_VERSION } from "@runyard/schema";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";
import type { CancelRequest, IpcServerHandlers } from "../src/server-types.js";

/** A fresh temp directory, removed after the test; short, as socket paths must stay short. */
export const temporaryDirectory = useScratchDirectory("ry-ipc-");

export const runId = "019a1b2c-3d4e-7f00-8a00-0123456789ab";
const workflowId = "5f0c7a4e-2d1b-4c8e-9a3f-6b7e8d9c0a1b";
const ts = "2026-06-05T14:23:00.000Z";

export const meta: RunMeta = {
  schemaVersion: SCHEMA_VERSION,
  runId,
  workflowId,
  workflowFile: "/home/user/hello.yaml",
  workflowName: "hello",
  pid: process.pid,
  startedOn: "login01",
  startedAt: ts,
  endedAt: null,
  finalStatus: null,
};

export function statusAt(seq: number): RunStatus {
  return {
    runId,
    workflowId,
    updatedAt: ts,
    seq,
    steps: [{ name: "A", nodeId: "a", status: "running" }],
  };
}

export function logEvent(seq: number): RunEvent {
  return { type: "log", runId, seq, ts, level: "info", message: `event ${seq}` };
}

export function outputEvent(seq: number, stepId: string, data: string, offset = 0): RunEvent {
  return {
    type: "step-output",
    runId,
    seq,
    ts,
    stepId,
    captureSeq: 1,
    stream: "stdout",
    offset,
    data,
  };
}

/** An in-memory run: `append` records a durable event and publishes it, as the executor does. */
export class FakeRun {
  readonly events: RunEvent[] = [];
  publish: (event: RunEvent) => void = () => undefined;
  /** Resolved by a test to let a slow replay go on. */
  replayGate: Promise<void> = Promise.resolve();
  onReplayStart: () => void = () => undefined;
  readonly cancels: CancelRequest[] = [];
  /** What a test's executor says to a cancel: undefined accepts it, an error refuses it. */
  refuseCancel: (request: CancelRequest) => Error | undefined = () => undefined;

  append(count = 1): void {
    for (let i = 0; i < count; i += 1) {
      const event = logEvent(this.events.length + 1);
      this.events.push(event);
      this.publish(event);
    }
  }

  handlers(): IpcServerHandlers {
    return {
      snapshot: () => ({ meta, status: statusAt(this.events.length), lastSeq: this.events.length }),
      replay: (fromSeq, toSeq) => this.#replay(fromSeq, toSeq),
      cancel: (request) => {
        const refusal = this.refuseCancel(request);
        if (refusal) throw refusal;
        this.cancels.push(request);
      },
    };
  }

  async *#replay(fromSeq: number, toSeq: number): AsyncGenerator<RunEvent> {
    this.onReplayStart();
    for (const event of this.events) {
      if (event.seq < fromSeq || event.seq > toSeq) continue;
      await this.replayGate;
      yield event;
    }
  }
}

/** A socket file nobody listens on: what a killed executor leaves behind. */
export async function staleSocket(): Promise<string> {
  const socketPath = join(temporaryDirectory(), "ipc.sock");
  const child = spawn(process.execPath, [
    "-e",
    `require("net").createServer().listen(${JSON.stringify(socketPath)}, () => console.log("ready"))`,
  ]);
  await new Promise((resolve) => child.stdout.once("data", resolve));
  child.kill("SIGKILL");
  await new Promise((resolve) => child.once("exit", resolve));
  return socketPath;
}
