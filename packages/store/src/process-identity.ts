// Who the executor is, in terms a later reader can check: pid, the process's start time in
// clock ticks since boot (so a recycled pid is not taken for the executor) and the boot id
// (so a reboot is noticed). Linux-only facts come from /proc; elsewhere they are null.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { ExecutorIdentity } from "@runyard/schema";

/**
 * Overrides the host name every Runyard process uses (what the executor records as
 * `startedOn`, what readers compare it with): for hosts whose name is no use, and for tests
 * that play two login nodes on one machine. Empty counts as unset.
 */
export const HOSTNAME_ENV = "RUNYARD_HOSTNAME";

/**
 * The short host name (`login01` of `login01.cluster.example`), as meta.json records it:
 * `$RUNYARD_HOSTNAME` when set, else the system's.
 */
export function shortHostname(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const name = env[HOSTNAME_ENV] || hostname();
  return name.split(".")[0] || name;
}

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
