// What the crash watchdog does once the executor is gone without finishing its run: find every
// process of the run's unfinished steps and stop it (SIGTERM, then SIGKILL), so that no step
// runs on unsupervised, writes into a run that readers already call crashed, or holds a
// cluster's login node for ever.
//
// A step's processes are found two ways, so that neither a lost record nor a changed
// environment hides one:
// - by session: step-start in the timeline carries the session (= process group) id of each
//   local step; every process still in the session of a step with no step-end is the step's
//   (a group or session id cannot be reused while a process of it lives).
// - by environment: every step starts with RUNYARD_RUN_ID and RUNYARD_STEP_SEQ (its attempt's
//   capture number) in its environment, and whatever it starts inherits them. This finds the
//   step the executor had just forked when it died — before its step-start reached the
//   timeline — and processes that left the step's session (setsid) while it ran.
// Processes of steps that ended (a step-end with that capture number) are left alone, as an
// orderly run leaves them: a step may start a server on purpose. So are the processes of Slurm
// steps (RUNYARD_BACKEND=slurm in their environment), which a single-node cluster runs on this
// very host: a Slurm job outlives its executor on purpose, and `runyard resume` adopts it.
//
// It runs in a fresh process while the machine may be busy (that is often why the executor
// died), and must be done within 2 s: so it imports nothing but node: modules and this
// package's process table — no zod, no schema — and reads the timeline with JSON.parse alone,
// believing only the executor's own unbroken run of lines (reaper-timeline.ts).
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { listProcesses, type ProcessEntry } from "./process-table.js";
import { readTimeline, type Timeline } from "./reaper-timeline.js";

/**
 * The environment names (REAPER_NAMES.runId, REAPER_NAMES.stepSeq in @runyard/schema) and the timeline's and
 * meta.json's file names (RUN_FILES.summary, RUN_FILES.meta), spelled out so as not to load the schema package; a test checks
 * they agree.
 */
export const REAPER_NAMES = {
  runId: "RUNYARD_RUN_ID",
  stepSeq: "RUNYARD_STEP_SEQ",
  backend: "RUNYARD_BACKEND",
  summary: "run_summary.jsonl",
  meta: "meta.json",
} as const;

/** A process of an unfinished step, and which step it belongs to (when known). */
export interface StrayProcess extends ProcessEntry {
  stepId: string | undefined;
}

/** Whether process `pid` runs as this process's user: root may read any environment. */
function sameUser(pid: number): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return false;
  try {
    return statSync(`/proc/${pid}`).uid === uid;
  } catch {
    return false; // gone
  }
}

/**
 * RUNYARD_RUN_ID and RUNYARD_STEP_SEQ from a process's initial environment, if it has them and
 * is this user's: another user's process is none of this run's, whatever its environment says.
 */
function stepMarker(
  pid: number,
): { runId: string; captureSeq: number; slurm: boolean } | undefined {
  let text: string;
  try {
    // environ holds what the process was started with: what a step's processes inherit.
    text = readFileSync(`/proc/${pid}/environ`).toString("latin1");
  } catch {
    return undefined; // gone, or not ours to read
  }
  let runId: string | undefined;
  let captureSeq: number | undefined;
  let slurm = false;
  for (const entry of text.split("\0")) {
    if (entry.startsWith(`${REAPER_NAMES.runId}=`))
      runId = entry.slice(REAPER_NAMES.runId.length + 1);
    else if (entry.startsWith(`${REAPER_NAMES.stepSeq}=`))
      captureSeq = Number(entry.slice(REAPER_NAMES.stepSeq.length + 1));
    else if (entry === `${REAPER_NAMES.backend}=slurm`) slurm = true;
  }
  if (runId === undefined || captureSeq === undefined || !Number.isSafeInteger(captureSeq))
    return undefined;
  return sameUser(pid) ? { runId, captureSeq, slurm } : undefined;
}

/**
 * SIGKILLs, now, every process of this user whose environment says it belongs to the attempt
 * with one of `captureSeqs` of run `runId`: what a forced stop of those steps must also reach,
 * as killing their sessions misses a process that called setsid(). Best effort, synchronous
 * (for a process about to exit): looks again while it finds any, for what forked meanwhile, a
 * few times at most. Returns how many were signalled.
 */
export function killMarkedProcesses(runId: string, captureSeqs: ReadonlySet<number>): number {
  if (captureSeqs.size === 0) return 0;
  const signalled = new Set<number>();
  for (let round = 0; round < 3; round += 1) {
    let found = 0;
    for (const entry of listProcesses() ?? []) {
      if (entry.pid === process.pid) continue;
      const marker = stepMarker(entry.pid);
      if (marker?.runId !== runId || !captureSeqs.has(marker.captureSeq)) continue;
      signal(entry.pid, "SIGKILL");
      signalled.add(entry.pid);
      found += 1;
    }
    if (found === 0) break;
  }
  return signalled.size;
}

/**
 * Every live process started by a step of run `runId` that still has the run's id in its
 * environment — also those left running by steps that ended. For checks and diagnostics.
 */
export function processesOfRun(runId: string): number[] {
  return (listProcesses() ?? [])
    .filter((entry) => stepMarker(entry.pid)?.runId === runId)
    .map((entry) => entry.pid);
}

/** The processes of the run's unfinished steps; `exclude` lists pids never to count. */
export function findStrayProcesses(
  runDirectory: string,
  runId: string,
  exclude: ReadonlySet<number> = new Set(),
): StrayProcess[] {
  return scan(readTimeline(join(runDirectory, REAPER_NAMES.summary), runId), runId, exclude);
}

function scan(timeline: Timeline, runId: string, exclude: ReadonlySet<number>): StrayProcess[] {
  const strays: StrayProcess[] = [];
  for (const entry of listProcesses() ?? []) {
    if (exclude.has(entry.pid)) continue;
    const bySession = timeline.running.get(entry.session);
    if (bySession !== undefined) {
      strays.push({ ...entry, stepId: bySession });
      continue;
    }
    const marker = stepMarker(entry.pid);
    // A Slurm job's processes are Slurm's to stop (scancel), and the job goes on: see above.
    if (marker?.runId === runId && !marker.slurm && !timeline.ended.has(marker.captureSeq))
      strays.push({ ...entry, stepId: timeline.started.get(marker.captureSeq) });
  }
  return strays;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // ESRCH: already gone; EPERM: not ours — either way nothing more to do here.
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ReapResult {
  /** How many processes were signalled. */
  stopped: number;
  /** The steps they belonged to, by id ("?" for a process whose step is not in the timeline). */
  steps: string[];
  /** Processes that were still there after the last SIGKILL (none, normally). */
  survivors: number;
}

/**
 * Stops every process of the run's unfinished steps: SIGTERM, then SIGKILL to what is left
 * after `graceMs`. Looks again after each round, for processes forked meanwhile.
 */
export async function reapStrayProcesses(
  runDirectory: string,
  runId: string,
  options: { graceMs?: number; exclude?: ReadonlySet<number> } = {},
): Promise<ReapResult> {
  const graceMs = options.graceMs ?? 500;
  const exclude = new Set([process.pid, ...(options.exclude ?? [])]);
  const signalled = new Set<number>();
  const steps = new Set<string>();
  // The executor is gone: the timeline is complete, read once; /proc is read every round.
  const timeline = readTimeline(join(runDirectory, REAPER_NAMES.summary), runId);
  let strays = scan(timeline, runId, exclude);
  for (const stray of strays) {
    signal(stray.pid, "SIGTERM");
    signalled.add(stray.pid);
    steps.add(stray.stepId ?? "?");
  }
  const deadline = Date.now() + graceMs;
  while (strays.length > 0 && Date.now() < deadline) {
    await sleep(50);
    strays = scan(timeline, runId, exclude);
  }
  for (let round = 0; round < 5 && strays.length > 0; round += 1) {
    for (const stray of strays) {
      signal(stray.pid, "SIGKILL");
      signalled.add(stray.pid);
      steps.add(stray.stepId ?? "?");
    }
    await sleep(20);
    strays = scan(timeline, runId, exclude);
  }
  return { stopped: signalled.size, steps: [...steps].sort(), survivors: strays.length };
}

/**
 * Stops the crash watchdogs an earlier executor of run `runId` left (their command line names
 * watchdog-bin.js, then the run directory and the run id), and waits up to `waitMs`
 * for them to go. A resume does its own reaping: a watchdog that woke late (a login node so
 * busy that Node took seconds to start) would otherwise take the resumed attempts for strays.
 * Returns how many it stopped.
 */
export async function stopOldWatchdogs(runId: string, waitMs = 2000): Promise<number> {
  const find = () =>
    (listProcesses() ?? []).filter((entry) => {
      if (entry.pid === process.pid || !sameUser(entry.pid)) return false;
      let args: string[];
      try {
        args = readFileSync(`/proc/${entry.pid}/cmdline`, "utf8").split("\0");
      } catch {
        return false;
      }
      const at = args.findIndex((arg) => arg.endsWith("watchdog-bin.js"));
      // By the run id (unique), not the directory: its path may be spelt another way.
      return at >= 0 && args[at + 2] === runId;
    });
  let watchdogs = find();
  const stopped = watchdogs.length;
  const deadline = Date.now() + waitMs;
  while (watchdogs.length > 0 && Date.now() < deadline) {
    for (const watchdog of watchdogs) signal(watchdog.pid, "SIGKILL");
    await sleep(20);
    watchdogs = find();
  }
  return stopped;
}
