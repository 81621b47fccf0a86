// Run directories in every state a retention policy meets, made from one real run: copies with
// meta.json (and the timeline's last line, the heartbeat) changed as the executor would have
// left them. A crashed run's executor pid is one that has exited; a running run's executor is
// this test process, alive and with its own start time, as classifyRun checks.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RunMetaSchema } from "@runyard/schema";
import { currentExecutorIdentity, readBootId, shortHostname } from "@runyard/store";
import { copyRun } from "./fixtures.js";

export type RunState = "success" | "failed" | "cancelled" | "crashed" | "running" | "unknown";

/** A pid no process has: one that has just exited. */
function exitedPid(): number {
  return spawnSync("true").pid;
}

/** Cuts run_summary.jsonl's last line (the run-end event), as when the executor died. */
function dropRunEnd(directory: string): void {
  const file = join(directory, "run_summary.jsonl");
  const lines = readFileSync(file, "utf8").trimEnd().split("\n");
  writeFileSync(file, `${lines.slice(0, -1).join("\n")}\n`);
}

/**
 * Copies `source` (an ended run) to `runsDir/<runId>` in `state`. `endedAt` (epoch ms, default
 * an hour ago) is when it ended; for a crashed run, its last heartbeat.
 */
export function runInState(
  source: string,
  runsDir: string,
  runId: string,
  state: RunState,
  endedAt = Date.now() - 3_600_000,
): string {
  const startedAt = new Date(endedAt - 60_000).toISOString();
  const host = shortHostname();
  const unfinished = { finalStatus: null, endedAt: null, startedAt, startedOn: host };
  const meta =
    state === "crashed"
      ? (() => {
          const pid = exitedPid();
          return {
            ...unfinished,
            pid,
            executor: { pid, processStartTicks: "1", bootId: readBootId() },
          };
        })()
      : state === "running"
        ? { ...unfinished, pid: process.pid, executor: currentExecutorIdentity() }
        : state === "unknown"
          ? { ...unfinished, startedOn: "login99", executor: undefined }
          : { finalStatus: state, endedAt: new Date(endedAt).toISOString(), startedAt };
  const directory = copyRun(source, runsDir, runId, meta);
  // What the test wrote must be a meta.json Runyard could have written.
  RunMetaSchema.parse(JSON.parse(readFileSync(join(directory, "meta.json"), "utf8")));
  const heartbeat = join(directory, "heartbeat");
  if (state !== "success" && state !== "failed" && state !== "cancelled") dropRunEnd(directory);
  if (state === "crashed") writeFileSync(heartbeat, `${endedAt}\n`);
  if (state === "unknown") rmSync(heartbeat, { force: true });
  return directory;
}
