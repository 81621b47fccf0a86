// Shared test fixtures: a temp dir per test, removed afterwards, a valid meta, and run
// directories in every state.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type RunMeta, SCHEMA_VERSION } from "@runyard/schema";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";
import { currentExecutorIdentity, readBootId, shortHostname } from "../src/process-identity.js";
import { type CreatedRunDirectory, createRunDirectory } from "../src/run-directory.js";

/** A fresh temp directory, removed after the test. */
export const temporaryDirectory = useScratchDirectory("runyard-store-");

export function startMeta(overrides: Partial<RunMeta> = {}): Omit<RunMeta, "runId"> {
  return {
    schemaVersion: SCHEMA_VERSION,
    workflowId: "5f0c7a4e-2d1b-4c8e-9a3f-6b7e8d9c0a1b",
    workflowFile: "/home/user/hello.yaml",
    workflowName: "hello",
    pid: process.pid,
    startedOn: "login01",
    startedAt: "2026-06-05T14:23:00.000Z",
    endedAt: null,
    finalStatus: null,
    ...overrides,
  };
}

/** The run-start line every timeline begins with (seq 1), for run_summary.jsonl fixtures. */
export function runStartLine(runId: string, ts = "2026-06-05T14:23:00.000Z"): string {
  const event = {
    type: "run-start",
    runId,
    seq: 1,
    ts,
    workflowId: "5f0c7a4e-2d1b-4c8e-9a3f-6b7e8d9c0a1b",
    workflowName: "hello",
    workflowFile: "/home/user/hello.yaml",
    pid: 1,
    host: "login01",
    steps: [],
  };
  return `${JSON.stringify(event)}\n`;
}

/** Runs `body` with the process umask set to `mask`, restoring it afterwards. */
export async function withUmask<T>(mask: number, body: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask);
  try {
    return await body();
  } finally {
    process.umask(previous);
  }
}

/**
 * Gives each named pipe a writer after `ms` (a process that opens them read-write, then
 * exits): a reader that, wrongly, blocks on opening one is released, so a test of the
 * reads that never wait measures the wait (see `sinceMs`) instead of hanging for good.
 * Synchronous reads cannot be raced against a timer in the same thread.
 */
export function releasePipesAfter(paths: string[], ms: number): void {
  const script = `sleep ${ms / 1000}; for p in "$@"; do exec 3<>"$p"; exec 3>&-; done`;
  const child = spawn("timeout", ["20", "sh", "-c", script, "sh", ...paths], {
    detached: true,
    stdio: "ignore",
  });
  child.unref();
}

/** The pid of a process that has exited and been reaped: a crashed executor's. */
export async function deadPid(): Promise<number> {
  const child = spawn("true");
  const pid = child.pid;
  await new Promise((resolvePromise) => child.on("exit", resolvePromise));
  if (pid === undefined) throw new Error("no pid");
  return pid;
}

export type FabricatedState =
  | "success"
  | "failed"
  | "cancelled"
  | "crashed"
  | "running"
  | "unknown";

export interface FabricatedRun {
  state: FabricatedState;
  /** When it ended (crashed: its last heartbeat), epoch ms; default an hour ago. */
  endedAt?: number;
  /** Bytes of output to put in a capture file. */
  outputBytes?: number;
  runId?: string;
}

/**
 * A run directory under `root` in the given state, as the executor would have left it: an
 * ended one with finalStatus and endedAt, a crashed one with a dead executor pid and an old
 * heartbeat, a running one with this process as its executor, an unknown one started on
 * another host with no heartbeat.
 */
export async function fabricateRun(root: string, run: FabricatedRun): Promise<CreatedRunDirectory> {
  const endedAt = run.endedAt ?? Date.now() - 3_600_000;
  const host = shortHostname();
  const base = { startedAt: new Date(endedAt - 60_000).toISOString(), startedOn: host };
  let meta: Omit<RunMeta, "runId">;
  if (run.state === "crashed") {
    const pid = await deadPid();
    meta = startMeta({
      ...base,
      pid,
      executor: { pid, processStartTicks: "1", bootId: readBootId() },
    });
  } else if (run.state === "running") {
    meta = startMeta({ ...base, executor: currentExecutorIdentity() });
  } else if (run.state === "unknown") {
    meta = startMeta({ ...base, startedOn: "elsewhere" });
  } else {
    meta = startMeta({
      ...base,
      finalStatus: run.state,
      endedAt: new Date(endedAt).toISOString(),
    });
  }
  const created = await createRunDirectory(root, {
    workflowSource: new TextEncoder().encode("steps: {}\n"),
    meta,
    ...(run.runId === undefined ? {} : { runId: run.runId }),
  });
  if (run.state === "crashed") writeFileSync(created.paths.heartbeat, `${endedAt}\n`);
  if (run.outputBytes !== undefined) {
    writeFileSync(join(created.directory, "000001-step.out"), randomBytes(run.outputBytes));
  }
  return created;
}
