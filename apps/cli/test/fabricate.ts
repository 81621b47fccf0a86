// Run directories written by hand, for states a real run reaches only by accident (crashed,
// started on another host, ids that share their last characters): meta.json, status.json and
// run_summary.jsonl as the executor would write them, each checked against its schema first.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DurableEventSchema } from "@runyard/protocol";
import { type RunMeta, RunMetaSchema, RunStatusSchema, type StepState } from "@runyard/schema";
import { readBootId, shortHostname } from "@runyard/store";

/** The pid of a process that has exited and been reaped: an executor that is gone. */
export async function deadPid(): Promise<number> {
  const child = spawn("true");
  await new Promise((resolvePromise) => child.on("exit", resolvePromise));
  if (child.pid === undefined) throw new Error("no pid");
  return child.pid;
}

export interface FabricatedRun {
  runId: string;
  startedAt: string;
  /** meta.json fields to change: finalStatus, endedAt, startedOn, pid, params. */
  meta?: Partial<RunMeta>;
  steps: StepState[];
  /** Summary events after run-start, without runId and seq (given in order). */
  events?: Record<string, unknown>[];
  /** The heartbeat, epoch ms; none without. */
  heartbeat?: number;
  /** status.json's updatedAt; default startedAt. */
  updatedAt?: string;
  /** Capture files: name → content. */
  captures?: Record<string, string>;
}

const WORKFLOW_ID = "5f0c7a4e-2d1b-5c8e-9a3f-6b7e8d9c0a1b";

/** Writes the run directory under `runsDir` and returns its path. */
export function fabricateRun(runsDir: string, run: FabricatedRun): string {
  const directory = join(runsDir, run.runId);
  mkdirSync(join(directory, "artifacts"), { recursive: true });
  const pid = run.meta?.pid ?? 999_999;
  const meta = RunMetaSchema.parse({
    schemaVersion: 1,
    runId: run.runId,
    workflowId: WORKFLOW_ID,
    workflowFile: "/home/ada/flows/made.yaml",
    workflowName: "made",
    pid,
    startedOn: shortHostname(),
    startedAt: run.startedAt,
    endedAt: null,
    finalStatus: null,
    executor: { pid, processStartTicks: "1", bootId: readBootId() },
    user: "ada",
    cwd: "/home/ada/flows",
    runyardVersion: "0.1.0",
    ...run.meta,
  });
  writeFileSync(join(directory, "meta.json"), JSON.stringify(meta));
  const status = RunStatusSchema.parse({
    runId: run.runId,
    workflowId: WORKFLOW_ID,
    updatedAt: run.updatedAt ?? run.startedAt,
    steps: run.steps,
  });
  writeFileSync(join(directory, "status.json"), JSON.stringify(status));
  const start = {
    type: "run-start",
    ts: run.startedAt,
    workflowId: WORKFLOW_ID,
    workflowName: meta.workflowName,
    workflowFile: meta.workflowFile,
    pid,
    host: meta.startedOn,
    steps: run.steps.map((step) => ({ nodeId: step.nodeId, name: step.name, needs: [] })),
  };
  const lines = [start, ...(run.events ?? [])].map((event, index) =>
    JSON.stringify(DurableEventSchema.parse({ runId: run.runId, seq: index + 1, ...event })),
  );
  writeFileSync(join(directory, "run_summary.jsonl"), `${lines.join("\n")}\n`);
  if (run.heartbeat !== undefined)
    writeFileSync(join(directory, "heartbeat"), `${run.heartbeat}\n`);
  for (const [name, content] of Object.entries(run.captures ?? {}))
    writeFileSync(join(directory, name), content);
  return directory;
}
