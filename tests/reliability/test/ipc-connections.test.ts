// Connections against a real executor: 3,000 idle connections to a live run's ipc.sock, and an
// IPC server out of file descriptors. Documented outcome (docs/protocol.md, "Limits and
// deadlines"): the executor serves 256 connections; past that, connections that have not said
// hello give way to newer ones with E_TOO_MANY_CLIENTS; those that stay silent get
// E_HELLO_TIMEOUT after 10 s; a real client (attach) gets in meanwhile; and the run ends in
// order, with run-end.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createIpcClient } from "@runyard/ipc";
import { describe, expect, it } from "vitest";
import { cli, isAlive, REPO, startCli, useScratch } from "./support.js";

const scratch = useScratch("ry-conn-");
const CONNECTIONS = 3000;

/**
 * Opens `count` connections to `socketPath` and says nothing; prints "opened" once all are
 * connected, then, when all have closed (or after `deadlineMs`), a JSON line: how many it
 * opened, and the code of the first line each one read ("none" if it read nothing).
 */
const OPENER = `
const net = require("node:net");
const [socketPath, count, deadlineMs] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const codes = {}; let opened = 0, closed = 0, failed = 0, done = false;
const finish = () => {
  if (done) return; done = true;
  console.log(JSON.stringify({ opened, closed, failed, codes }));
  process.exit(0);
};
function open(attempt) {
  const socket = net.connect(socketPath);
  let text = "", connected = false;
  socket.setEncoding("utf8");
  socket.on("data", (chunk) => { text += chunk; });
  socket.on("connect", () => {
    connected = true; opened += 1;
    if (opened === count) console.log("opened");
  });
  socket.on("error", (error) => {
    // The listen backlog is full for a moment: try again, as a client would.
    if (!connected && (error.code === "EAGAIN" || error.code === "ECONNREFUSED") && attempt < 200) {
      setTimeout(() => open(attempt + 1), 10); socket.destroy(); return;
    }
    if (!connected) failed += 1;
  });
  socket.on("close", () => {
    if (!connected) return;
    let code = "none";
    try { code = JSON.parse(text.split("\\n")[0]).code ?? "no-code"; } catch {}
    codes[code] = (codes[code] ?? 0) + 1;
    closed += 1;
    if (closed + failed === count) finish();
  });
}
for (let i = 0; i < count; i += 1) open(0);
setTimeout(finish, deadlineMs);
`;

interface OpenerResult {
  opened: number;
  closed: number;
  failed: number;
  codes: Record<string, number>;
}

/** Runs the opener in a child whose descriptor limit allows `count` sockets. */
function openIdle(socketPath: string, count: number, deadlineMs: number) {
  const child = spawn(
    "sh",
    [
      "-c",
      'ulimit -n 8192; exec "$0" "$@"',
      process.execPath,
      "-e",
      OPENER,
      socketPath,
      String(count),
      String(deadlineMs),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  let markOpened: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    markOpened = resolve;
  });
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    if (out.includes("opened\n")) markOpened();
  });
  const result = new Promise<OpenerResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", () => {
      const last = out.trim().split("\n").at(-1) ?? "";
      try {
        resolve(JSON.parse(last) as OpenerResult);
      } catch {
        reject(new Error(`the opener printed no result: ${out}`));
      }
    });
  });
  return { opened, result };
}

function summaryEvents(runDirectory: string): { type: string; finalStatus?: string }[] {
  return readFileSync(join(runDirectory, "run_summary.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { type: string; finalStatus?: string });
}

describe("IPC connections against a real executor", () => {
  it(`takes ${CONNECTIONS} idle connections in its stride: attach works, the run ends in order`, async () => {
    const file = join(scratch.directory, "nap.yaml");
    // Longer than opening them plus the 10 s hello deadline: they meet it while the run lives.
    writeFileSync(file, "steps:\n  nap:\n    run: sleep 16; echo rested\n");
    const started = await cli(["run", "-d", file, "--json"], { runsDir: scratch.runsDir });
    expect(started.code, started.stderr).toBe(0);
    const { runId, runDirectory, pid } = JSON.parse(started.stdout) as {
      runId: string;
      runDirectory: string;
      pid: number;
    };
    const socketPath = join(runDirectory, "ipc.sock");
    const began = performance.now();
    const idle = openIdle(socketPath, CONNECTIONS, 25_000);
    await idle.opened;
    const openedAfter = performance.now() - began;

    // Every slot is held by a silent connection: a real client still gets in, and follows.
    const attach = startCli(["attach", runId.slice(-8), "--events"], { runsDir: scratch.runsDir });
    const probe = await createIpcClient(socketPath, { client: "probe" });
    expect(probe.welcome.meta.runId).toBe(runId);
    await probe.close();

    const result = await idle.result;
    const closedAfter = performance.now() - began;
    expect(isAlive(pid)).toBe(true);
    const attached = await attach.done;
    expect(attached.code, attached.stderr).toBe(0);
    expect(attached.stderr).not.toContain("does not answer");
    expect(attached.stderr).toContain('"type":"run-end"');

    // Every idle connection was told why it was closed: none was cut without a word.
    expect(result.opened).toBe(CONNECTIONS);
    expect(result.failed).toBe(0);
    expect(result.closed).toBe(CONNECTIONS);
    const {
      E_TOO_MANY_CLIENTS: tooMany = 0,
      E_HELLO_TIMEOUT: timedOut = 0,
      ...other
    } = result.codes;
    expect(other).toEqual({});
    expect(timedOut).toBeGreaterThan(0);
    expect(timedOut).toBeLessThanOrEqual(256);
    expect(tooMany + timedOut).toBe(CONNECTIONS);

    const events = summaryEvents(runDirectory);
    expect(events.at(-1)).toMatchObject({ type: "run-end", finalStatus: "success" });
    console.log(
      `ipc connections: ${CONNECTIONS} opened in ${(openedAfter / 1000).toFixed(1)} s; ${tooMany} told E_TOO_MANY_CLIENTS, ${timedOut} E_HELLO_TIMEOUT, all closed after ${(closedAfter / 1000).toFixed(1)} s; run ended ${events.at(-1)?.finalStatus}`,
    );
  }, 60_000);

  it("keeps serving when accept runs out of file descriptors (EMFILE)", async () => {
    const socketPath = join(scratch.directory, "ipc.sock");
    // A server with a high connection limit in a process allowed 64 descriptors: the limit
    // does not protect it, accept(2) fails with EMFILE. (prlimit: the test's user owns the
    // child, so it may lower its limit.)
    const script = `
      import { createIpcServer } from "@runyard/ipc";
      const server = await createIpcServer(process.argv[1], {
        snapshot: () => ({ meta: JSON.parse(process.argv[2]), status: { runId: "019a1b2c-3d4e-7f00-8a00-0123456789ab", workflowId: "5f0c7a4e-2d1b-4c8e-9a3f-6b7e8d9c0a1b", updatedAt: "2026-06-05T14:23:00.000Z", seq: 0, steps: [] }, lastSeq: 0 }),
        replay: async function* () {},
        diagnostic: (message) => console.log(message),
      }, { maxClients: 1000 });
      console.log("ready");
    `;
    const meta = {
      schemaVersion: 1,
      runId: "019a1b2c-3d4e-7f00-8a00-0123456789ab",
      workflowId: "5f0c7a4e-2d1b-4c8e-9a3f-6b7e8d9c0a1b",
      workflowFile: "/w.yaml",
      workflowName: "w",
      pid: 1,
      startedOn: "h",
      startedAt: "2026-06-05T14:23:00.000Z",
      endedAt: null,
      finalStatus: null,
    };
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", script, socketPath, JSON.stringify(meta)],
      { cwd: join(REPO, "tests/reliability"), stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await expect.poll(() => out, { timeout: 10_000 }).toContain("ready");
      // Loaded and listening: now allow it 64 descriptors (loading needs more at once).
      execFileSync("prlimit", [`--pid=${child.pid}`, "--nofile=64:64"]);
      const { opened, result } = openIdle(socketPath, 200, 3000);
      await opened;
      const shed = await result;
      // Past the descriptors, libuv accepts and closes at once (its spare-descriptor trick):
      // without a descriptor there is nothing to write a reason with. Those closed later by
      // the opener's exit read nothing either. None of it may take the server down.
      expect(shed.opened).toBe(200);
      expect(shed.closed).toBeGreaterThan(0);
      expect(child.exitCode).toBeNull();
      console.log(
        `ipc EMFILE: 200 connections to a server allowed 64 descriptors: ${shed.closed} closed by the server (${JSON.stringify(shed.codes)}); accept errors logged: ${(out.match(/accept EMFILE/g) ?? []).length}`,
      );
      // The descriptors are free again: the server accepts, welcomes and answers.
      const client = await createIpcClient(socketPath, { client: "after" });
      expect(client.welcome.lastSeq).toBe(0);
      client.ping("alive");
      const next = await client[Symbol.asyncIterator]().next();
      expect(next.value).toEqual({ type: "pong", id: "alive" });
      await client.close();
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  }, 30_000);
});
