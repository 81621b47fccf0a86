// The live channel on real runs: relayed from ipc.sock with output, resumed from a seq after a
// reconnect, read from the files for a run of another host or one that ended; closing it or
// the server stops no run.
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchRun, runWorkflow } from "@runyard/executor";
import { readRun } from "@runyard/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GuiServer, type LiveLine, LiveLineSchema, startGuiServer } from "../src/index.js";
import { authorized, raw } from "./http.js";

let scratch: string;
let runsRoot: string;
let gui: GuiServer;
const launched: string[] = [];

/** The stream's lines, parsed with the published schema, one at a time. */
function liveLines(response: Response) {
  if (response.body === null) throw new Error("no body");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    async next(): Promise<LiveLine | undefined> {
      for (;;) {
        const newline = buffer.indexOf("\n");
        if (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          return LiveLineSchema.parse(JSON.parse(line));
        }
        const { done, value } = await reader.read();
        if (done) return undefined;
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

function live(server: GuiServer, runId: string, query = "", signal?: AbortSignal) {
  return fetch(`http://127.0.0.1:${server.port}/api/runs/${runId}/live${query}`, {
    headers: { authorization: `Bearer ${server.token}` },
    ...(signal === undefined ? {} : { signal }),
  });
}

/** Reads lines until one matches; returns every line read. */
async function readUntil(lines: ReturnType<typeof liveLines>, stop: (line: LiveLine) => boolean) {
  const seen: LiveLine[] = [];
  for (;;) {
    const line = await lines.next();
    if (line === undefined) return seen;
    seen.push(line);
    if (stop(line)) return seen;
  }
}

const seqs = (lines: LiveLine[]) =>
  lines.flatMap((line) => (line.type === "event" ? [line.event.seq] : []));

function gatedWorkflow(name: string): { file: string; gate: string } {
  const gate = join(scratch, `${name}.gate`);
  const file = join(scratch, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      "steps:",
      `  wait: { run: 'echo before; while [ ! -e ${gate} ]; do sleep 0.05; done; echo after' }`,
      "  next: { run: 'echo next', needs: wait }",
      "",
    ].join("\n"),
  );
  return { file, gate };
}

async function launchGated(name: string) {
  const { file, gate } = gatedWorkflow(name);
  const run = await launchRun({ workflowFile: file, runsRoot });
  launched.push(run.directory);
  return { ...run, gate };
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "runyard-gui-live-"));
  runsRoot = join(scratch, "runs");
  gui = await startGuiServer({ runsRoot, livePollMs: 50 });
});

afterAll(async () => {
  // Open every gate: the runs end by themselves.
  for (const name of ["relay", "resume", "other", "close", "leave", "quiet"])
    writeFileSync(join(scratch, `${name}.gate`), "");
  for (const directory of launched) {
    const deadline = Date.now() + 10_000;
    while ((await readRun(directory)).classification === "running" && Date.now() < deadline)
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
  await gui?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("GET /api/runs/:id/live", () => {
  it("relays the run's socket: events in seq order, step output, then the end", async () => {
    const run = await launchGated("relay");
    const response = await live(gui, run.runId, "?output=true");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    const lines = liveLines(response);
    const first = await readUntil(
      lines,
      (line) => line.type === "event" && line.event.type === "step-start",
    );
    expect(first[0]).toMatchObject({ type: "start", mode: "socket", runId: run.runId });
    expect(first[1]?.type).toBe("welcome");
    writeFileSync(run.gate, "");
    const rest = await readUntil(lines, (line) => line.type === "end");
    const all = [...first, ...rest];
    expect(all.at(-1)).toMatchObject({ type: "end", finalStatus: "success" });
    const events = seqs(all);
    expect(events).toEqual(events.map((_, index) => index + 1));
    // Output is live only: what `wait` wrote before we subscribed is in its capture, before
    // the first chunk's offset (docs/protocol.md, "Step output offsets").
    const outputs = all.flatMap((line) =>
      line.type === "output" ? [[line.event.stepId, line.event.data, line.event.offset]] : [],
    );
    expect(outputs.filter(([step]) => step === "next")).toEqual([["next", "next\n", 0]]);
    const after = outputs.find(([step, data]) => step === "wait" && data === "after\n");
    const offset = Number(after?.[2]);
    const head = await fetch(
      `http://127.0.0.1:${gui.port}/api/runs/${run.runId}/steps/wait/captures?length=${offset}`,
      { headers: { authorization: `Bearer ${gui.token}` } },
    );
    expect(await head.text()).toBe("before\n");
    expect(await lines.next()).toBeUndefined();
  }, 30_000);

  it("resumes from a seq after a reconnect: every event once, in order", async () => {
    const run = await launchGated("resume");
    const controller = new AbortController();
    const firstLines = liveLines(await live(gui, run.runId, "", controller.signal));
    const before = await readUntil(
      firstLines,
      (line) => line.type === "event" && line.event.type === "step-start",
    );
    controller.abort();
    const lastSeq = Math.max(...seqs(before));
    writeFileSync(run.gate, "");
    const again = liveLines(await live(gui, run.runId, `?fromSeq=${lastSeq + 1}`));
    const after = await readUntil(again, (line) => line.type === "end");
    expect(after.at(-1)).toMatchObject({ type: "end", finalStatus: "success" });
    const all = [...seqs(before), ...seqs(after)];
    expect(all).toEqual(all.map((_, index) => index + 1));
  }, 30_000);

  it("reads an ended run from its files, from the seq asked", async () => {
    const file = join(scratch, "done.yaml");
    writeFileSync(
      file,
      "name: done\nsteps:\n  a: { run: 'true' }\n  b: { run: 'true', needs: a }\n",
    );
    const { runId } = await runWorkflow({ workflowFile: file, runsRoot });
    const lines = await readUntil(liveLines(await live(gui, runId, "?fromSeq=3")), () => false);
    expect(lines[0]).toMatchObject({ type: "start", mode: "files" });
    expect(lines.at(-1)).toMatchObject({ type: "end", finalStatus: "success" });
    const events = seqs(lines);
    expect(events[0]).toBe(3);
    expect(events).toEqual(events.map((_, index) => index + 3));
  });

  it("follows a run of another host through its files, marked as such", async () => {
    const run = await launchGated("other");
    const elsewhere = await startGuiServer({
      runsRoot,
      livePollMs: 50,
      env: { ...process.env, RUNYARD_HOSTNAME: "elsewhere" },
    });
    try {
      const row = (await (
        await fetch(`http://127.0.0.1:${elsewhere.port}/api/runs`, {
          headers: { authorization: `Bearer ${elsewhere.token}` },
        })
      ).json()) as { runs: { runId: string; otherHost: boolean }[] };
      expect(row.runs.find((entry) => entry.runId === run.runId)?.otherHost).toBe(true);
      const lines = liveLines(await live(elsewhere, run.runId, "?output=true"));
      const start = await lines.next();
      expect(start).toMatchObject({ type: "start", mode: "files", host: "elsewhere" });
      expect(start?.type === "start" && start.runHost).not.toBe("elsewhere");
      await readUntil(lines, (line) => line.type === "event" && line.event.type === "step-start");
      writeFileSync(run.gate, "");
      const rest = await readUntil(lines, (line) => line.type === "end");
      expect(rest.at(-1)).toMatchObject({ type: "end", finalStatus: "success" });
      expect(rest.some((line) => line.type === "output")).toBe(false);
    } finally {
      await elsewhere.close();
    }
  }, 30_000);

  it("ends when the server closes; the run goes on", async () => {
    const run = await launchGated("close");
    const second = await startGuiServer({ runsRoot });
    const lines = liveLines(await live(second, run.runId));
    await readUntil(lines, (line) => line.type === "event" && line.event.type === "step-start");
    await second.close();
    // The stream ends (cut, or ended cleanly): it does not hang on a closed server.
    const tail = await readUntil(lines, () => false).catch(() => []);
    expect(tail.some((line) => line.type === "end" && line.finalStatus !== null)).toBe(false);
    expect((await readRun(run.directory)).classification).toBe("running");
    writeFileSync(run.gate, "");
  }, 30_000);

  it("a browser that leaves lets go of the executor's socket", async () => {
    const run = await launchGated("leave");
    // The executor's sockets only: its files (status.json, the heartbeat) come and go.
    const descriptors = () =>
      readdirSync(`/proc/${run.pid}/fd`).filter((fd) => {
        try {
          return readlinkSync(`/proc/${run.pid}/fd/${fd}`).startsWith("socket:");
        } catch {
          return false;
        }
      }).length;
    const open = async (signal?: AbortSignal) => {
      const lines = liveLines(await live(gui, run.runId, "", signal));
      await readUntil(lines, (line) => line.type === "welcome");
      return lines;
    };
    const held = await open();
    const withOne = descriptors();
    for (let index = 0; index < 3; index++) {
      const controller = new AbortController();
      await open(controller.signal);
      controller.abort();
    }
    await held.cancel();
    // The executor closes a connection when its client goes: poll for it, bounded.
    const deadline = Date.now() + 5000;
    while (descriptors() >= withOne && Date.now() < deadline)
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 20));
    expect(descriptors()).toBe(withOne - 1);
    writeFileSync(run.gate, "");
  }, 30_000);

  it("says it is alive when nothing happens for a while, then goes on", async () => {
    const run = await launchGated("quiet");
    const pinging = await startGuiServer({ runsRoot, livePingMs: 100 });
    try {
      const lines = liveLines(await live(pinging, run.runId));
      const quiet = await readUntil(lines, (line) => line.type === "ping");
      expect(quiet.some((line) => line.type === "welcome")).toBe(true);
      writeFileSync(run.gate, "");
      const rest = await readUntil(lines, (line) => line.type === "end");
      expect(rest.at(-1)).toMatchObject({ type: "end", finalStatus: "success" });
      const events = seqs([...quiet, ...rest]);
      expect(events).toEqual(events.map((_, index) => index + 1));
    } finally {
      await pinging.close();
    }
  }, 30_000);

  it("checks Origin, and refuses a bad fromSeq", async () => {
    const file = join(scratch, "tiny.yaml");
    writeFileSync(file, "name: tiny\nsteps:\n  a: { run: 'true' }\n");
    const { runId } = await runWorkflow({ workflowFile: file, runsRoot });
    const foreign = await raw({
      port: gui.port,
      path: `/api/runs/${runId}/live`,
      headers: authorized(gui.token, "localhost:9000", { origin: "http://evil.example" }),
    });
    expect(foreign.status).toBe(403);
    const same = await raw({
      port: gui.port,
      path: `/api/runs/${runId}/live`,
      headers: authorized(gui.token, "localhost:9000", { origin: "http://localhost:9000" }),
    });
    expect(same.status).toBe(200);
    expect((await live(gui, runId, "?fromSeq=0")).status).toBe(400);
    expect(existsSync(runsRoot)).toBe(true);
  });
});
