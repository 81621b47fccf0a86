// Who the executor is, in terms a later reader can check: pid, the process's start time in
// clock ticks since boot (so a recycled pid is not taken for the executor) and the boot id
// (so a reboot is noticed). Linux-only facts come from /proc; elsewhere they are null.
import { readFileSync } from "node:fs";
import type { ExecutorIdentity } from "@runyard/schema";

// The host name every Runyard process uses (and its RUNYARD_HOSTNAME override) is the
// schema's, so that the executor recording startedOn and every reader comparing it agree.
export { HOSTNAME_ENV, shortHostname } from "@runyard/schema";

/** /proc/sys/kernel/random/boot_id, or null where there is none. */
export function readBootId(): string | null {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || null;
  } catch {
    return null;
  }
}

interface ProcStat {
  state: string;
  startTicks: string;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses. */
function readProcStat(pid: number | "self"): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // Fields after the last ")" start at field 3 (state); starttime is field 22.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const startTicks = fields[19];
  if (!state || !startTicks || !/^\d+$/.test(startTicks)) return null;
  return { state, startTicks };
}

/** Start time of a process in clock ticks since boot, or null (no such process, not Linux). */
export function readProcessStartTicks(pid: number): string | null {
  return readProcStat(pid)?.startTicks ?? null;
}

/** The identity of the current process, for meta.json's `executor`. */
export function currentExecutorIdentity(): ExecutorIdentity {
  return {
    pid: process.pid,
    processStartTicks: readProcStat("self")?.startTicks ?? null,
    bootId: readBootId(),
  };
}

export type ProcessState = "alive" | "dead";

/** Whether a pid names a live process on this host. A zombie is dead: it runs no code. */
export function probeProcess(pid: number): ProcessState {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return "dead";
  }
  const stat = readProcStat(pid);
  if (stat?.state === "Z" || stat?.state === "X") return "dead";
  return "alive";
}
