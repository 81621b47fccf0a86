import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createIpcClient } from "@runyard/ipc";
import type { DecodedServerMessage } from "@runyard/protocol";
import { readRun, readSummary } from "@runyard/store";
import { describe, expect, it, vi } from "vitest";
import { EventLog, fifo, started, workflowFile } from "../test/helpers.js";
import { runWorkflow } from "./run-workflow.js";

describe("following a run over ipc.sock", () => {
  it("gives a client that connects mid-run the welcome, then every event from seq 1 without a gap", async () => {
    const { file, runsRoot, directory } = workflowFile("");
    const gate = fifo(directory);
    await writeFile(
      file,
      `steps:
  first: {run: echo one}
  wait:
    needs: first
    run: echo waiting; read -r _ < "${gate}"; echo released
  last: {needs: wait, run: echo done}
`,
    );
    const log = new EventLog();
    const running = runWorkflow({ workflowFile: file, runsRoot, onEvent: log.onEvent });
    const start = await log.next(started("wait"));
    const socketPath = join(runsRoot, start.runId, "ipc.sock");

    // status.json is coalesced: it catches up within its interval (250 ms).
    await vi.waitFor(async () => {
      const view = await readRun(join(runsRoot, start.runId));
      expect(view.classification).toBe("running");
      expect(view.status?.steps.map((step) => step.status)).toEqual([
        "completed",
        "running",
        "pending",
      ]);
    });
    const client = await createIpcClient(socketPath, { client: "test" });
    expect(client.welcome.meta.runId).toBe(start.runId);
    expect(client.welcome.meta.finalStatus).toBeNull();
    expect(client.welcome.lastSeq).toBe(start.seq);
    expect(client.welcome.status.seq).toBe(start.seq);
    expect(client.welcome.status.steps.map((step) => step.status)).toEqual([
      "completed",
      "running",
      "pending",
    ]);
    client.subscribe({ fromSeq: 1, output: ["wait"] });
    // The subscription is in place once a ping made the round trip; then release the step.
    client.ping("ready");
    const messages: DecodedServerMessage[] = [];
    const iterator = client[Symbol.asyncIterator]();
    for (;;) {
      const next = await iterator.next();
      if (next.done) throw new Error("ended early");
      if (next.value.type === "pong") break;
      messages.push(next.value);
    }
    await writeFile(gate, "go\n");
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      messages.push(next.value);
    }
    const result = await running;

    const events = messages.flatMap((message) => (message.type === "event" ? [message.event] : []));
    const summary = await readSummary(join(result.runDirectory, "run_summary.jsonl"));
    expect(events).toEqual(summary.events);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    const output = messages
      .flatMap((message) => (message.type === "output" ? [message.event.data] : []))
      .join("");
    expect(output).toBe("released\n");
    expect(messages.at(-1)).toEqual({ type: "bye", finalStatus: "success" });
    expect(existsSync(socketPath)).toBe(false);
  });

  it("cancels a run when a client asks", async () => {
    const { file, runsRoot } = workflowFile("steps:\n  nap: {run: sleep 30}\n");
    const log = new EventLog();
    const running = runWorkflow({ workflowFile: file, runsRoot, onEvent: log.onEvent });
    const start = await log.next(started("nap"));
    const client = await createIpcClient(join(runsRoot, start.runId, "ipc.sock"));
    expect(await client.cancel({ stepId: "nope" })).toEqual({
      accepted: false,
      code: "E_UNKNOWN_STEP",
      message: 'this run has no step "nope"',
    });
    expect(await client.cancel({ reason: "stopped from the GUI" })).toEqual({ accepted: true });
    const result = await running;
    await client.close();
    expect(result.finalStatus).toBe("cancelled");
    expect(result.status.steps[0]).toMatchObject({
      status: "cancelled",
      reason: "stopped from the GUI",
    });
    expect(log.events).toContainEqual(
      expect.objectContaining({ type: "log", message: "cancel requested: stopped from the GUI" }),
    );
  });

  it("refuses to cancel a step that has ended, and records nothing of the request", async () => {
    const { file, runsRoot, directory } = workflowFile("");
    const gate = fifo(directory);
    await writeFile(
      file,
      `steps:
  quick: {run: echo quick}
  slow: {run: 'read -r _ < "${gate}"'}
`,
    );
    const log = new EventLog();
    const running = runWorkflow({ workflowFile: file, runsRoot, onEvent: log.onEvent });
    const start = await log.next(started("slow"));
    await log.next((event) => event.type === "step-end" && event.stepId === "quick");
    const client = await createIpcClient(join(runsRoot, start.runId, "ipc.sock"));
    expect(await client.cancel({ stepId: "quick", reason: "too late" })).toEqual({
      accepted: false,
      code: "E_STEP_ENDED",
      message: 'step "quick" has already ended: completed',
    });
    expect(await client.cancel({ stepId: "nope" })).toMatchObject({
      accepted: false,
      code: "E_UNKNOWN_STEP",
    });
    await writeFile(gate, "go\n");
    const result = await running;
    await client.close();
    expect(result.finalStatus).toBe("success");
    const summary = await readSummary(join(result.runDirectory, "run_summary.jsonl"));
    expect(summary.events.filter((event) => event.type === "log")).toEqual([]);
  });

  it("refuses to cancel again what is already being cancelled, and records only the first request", async () => {
    const { file, runsRoot, directory } = workflowFile("");
    const gate = fifo(directory);
    // The step ignores SIGTERM and ends when the test lets it: it is "being cancelled" until then.
    await writeFile(
      file,
      `steps:
  slow: {run: 'trap "" TERM; echo ready; read -r _ < "${gate}"'}
  later: {needs: slow, run: echo never}
`,
    );
    const log = new EventLog();
    const running = runWorkflow({
      workflowFile: file,
      runsRoot,
      onEvent: log.onEvent,
      output: true,
      killGraceMs: 60_000,
    });
    const start = await log.next(started("slow"));
    await log.next((event) => event.type === "step-output" && event.data === "ready\n");
    const client = await createIpcClient(join(runsRoot, start.runId, "ipc.sock"));
    expect(await client.cancel({ stepId: "slow", reason: "first" })).toEqual({ accepted: true });
    expect(await client.cancel({ stepId: "slow", reason: "again" })).toEqual({
      accepted: false,
      code: "E_CANCEL",
      message: 'step "slow" is already being cancelled',
    });
    expect(await client.cancel({ reason: "the whole run" })).toEqual({ accepted: true });
    expect(await client.cancel({ reason: "the whole run, again" })).toEqual({
      accepted: false,
      code: "E_CANCEL",
      message: "the run is already being cancelled",
    });
    expect(await client.cancel({ stepId: "slow", reason: "once more" })).toMatchObject({
      accepted: false,
      code: "E_CANCEL",
    });
    await writeFile(gate, "go\n");
    const result = await running;
    await client.close();
    expect(result.finalStatus).toBe("cancelled");
    expect(result.status.steps).toMatchObject([
      { nodeId: "slow", status: "cancelled", reason: "first" },
      { nodeId: "later", status: "cancelled" },
    ]);
    const summary = await readSummary(join(result.runDirectory, "run_summary.jsonl"));
    const logs = summary.events.flatMap((event) => (event.type === "log" ? [event.message] : []));
    expect(logs).toEqual([
      "cancel requested for step slow: first",
      "cancel requested: the whole run",
    ]);
  });
});
