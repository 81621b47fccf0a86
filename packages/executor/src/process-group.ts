// Signalling and watching a step's process group (its id is the pid of the step's shell, which
// the local backend starts as a session and group leader). A group id cannot be reused while
// any process of the group lives, so signalling it reaches only the step's processes; once
// the group is empty the kernel answers ESRCH, which is what a kill wanted anyway.
// (EPERM means no process of the group is one we may signal: none of the step's is left.)
import { readdirSync, readFileSync } from "node:fs";

/** Sends `signal` to every process of group `pgid`; false when the group has no process left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ESRCH" || code === "EPERM") return false;
    throw error;
  }
}

/**
 * Whether a process of group `pgid` still runs. Zombies do not count: where nothing reaps
 * orphans (a container whose init does not), a killed group stays visible to kill(0) as
 * zombies forever. /proc tells them apart; without it, kill(0) is the best answer there is.
 */
export function groupIsAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return true; // no /proc (macOS): the group exists, so count it as alive
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue; // it exited while we looked
    }
    // Fields after the command name (which may hold spaces and parentheses): state ppid pgrp.
    const [state, , group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ", 3);
    if (Number(group) === pgid && state !== "Z" && state !== "X") return true;
  }
  return false;
}
