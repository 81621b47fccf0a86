// Executor test fixtures: a temp dir per test, workflow files, and awaiting events.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunEvent } from "@runyard/protocol";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";
import type { RunWorkflowOptions } from "../src/run-options.js";
import { runWorkflow } from "../src/run-workflow.js";

/** A fresh temp directory, removed after the test; short, as socket paths must stay short. */
const temporaryDirectory = useScratchDirectory("ry-exec-");

/** Writes `yaml` as a workflow file in a fresh directory; returns its path and a runs root. */
export function workflowFile(yaml: string): { file: string; runsRoot: string; directory: string } {
  const directory = temporaryDirectory();
  const file = join(directory, "workflow.yaml");
  writeFileSync(file, yaml);
  return { file, runsRoot: join(directory, "runs"), directory };
}

export function fifo(directory: string, name = "gate"): string {
  const path = join(directory, name);
  execFileSync("mkfifo", [path]);
  return path;
}

/** Records events and lets a test await the first one that matches. */
export class EventLog {
  readonly events: RunEvent[] = [];
  #waiters: { match: (event: RunEvent) => boolean; resolve: (event: RunEvent) => void }[] = [];

  readonly onEvent = (event: RunEvent): void => {
    this.events.push(event);
    for (const waiter of [...this.#waiters]) {
      if (waiter.match(event)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  };

  next(match: (event: RunEvent) => boolean): Promise<RunEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  durable(): RunEvent[] {
    return this.events.filter((event) => event.type !== "step-output");
  }
}

export const started = (stepId: string) => (event: RunEvent) =>
  event.type === "step-start" && event.stepId === stepId;

/** Live (not zombie) processes, with their process group and session, read from /proc. */
function livingProcesses(): { pid: number; group: number; session: number }[] {
  const processes: { pid: number; group: number; session: number }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    const [state, , group, session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (state === "Z" || state === "X") continue;
    processes.push({ pid: Number(entry), group: Number(group), session: Number(session) });
  }
  return processes;
}

/** Pids of live (not zombie) processes in process group `pgid`. */
export function livingGroupMembers(pgid: number): number[] {
  return livingProcesses()
    .filter((member) => member.group === pgid)
    .map((member) => member.pid);
}

/** Live (not zombie) processes of session `sid`, with their process group. */
export function livingSessionMembers(sid: number): { pid: number; group: number }[] {
  return livingProcesses()
    .filter((member) => member.session === sid)
    .map(({ pid, group }) => ({ pid, group }));
}

/** SIGKILLs whatever is left of session `sid` (every group of it): cleanup after a test. */
export function killSession(sid: number): void {
  const groups = new Set([sid, ...livingSessionMembers(sid).map((member) => member.group)]);
  for (const group of groups) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // ESRCH: nothing left, as it should be
    }
  }
}

/**
 * Starts a run of `yaml` that a test can cancel: its event log (step output included), its
 * abort controller and the promise of its result.
 */
export function startCancellable(yaml: string, options: Partial<RunWorkflowOptions> = {}) {
  const { file, runsRoot, directory } = workflowFile(yaml);
  const log = new EventLog();
  const controller = new AbortController();
  const running = runWorkflow({
    workflowFile: file,
    runsRoot,
    onEvent: log.onEvent,
    output: true,
    signal: controller.signal,
    ...options,
  });
  return { runsRoot, directory, log, controller, running };
}

/** The environment process `pid` was started with, by name (empty once it is gone). */
export function environmentOf(pid: number): Map<string, string> {
  let text = "";
  try {
    text = readFileSync(`/proc/${pid}/environ`, "latin1");
  } catch {
    // gone
  }
  const env = new Map<string, string>();
  for (const entry of text.split("\0")) {
    const equals = entry.indexOf("=");
    if (equals > 0) env.set(entry.slice(0, equals), entry.slice(equals + 1));
  }
  return env;
}

/** Pids of the live crash watchdogs of run `runId` (its bash, or the reaper it became). */
export function watchdogsOf(runId: string): number[] {
  return livingProcesses()
    .map((entry) => entry.pid)
    .filter((pid) => {
      try {
        const command = readFileSync(`/proc/${pid}/cmdline`, "latin1");
        return command.includes("watchdog-bin") && command.includes(runId);
      } catch {
        return false;
      }
    });
}
