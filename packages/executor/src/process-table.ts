// Which processes each session has, read from /proc in one pass: how the executor finds every
// process of a step, also those that left the step's process group (GNU `timeout` and other
// job-control tools call setpgid) but stayed in its session. Linux only: without /proc (macOS)
// there is no table, and callers fall back to the step's process group.
import { closeSync, openSync, readdirSync, readSync } from "node:fs";

/** The live processes of the machine, by session. */
export interface ProcessTable {
  /**
   * The process groups that live (not zombie) processes of `session` are in; empty when the
   * session has none left. Every process of a group is in the group's session (setpgid cannot
   * cross sessions), so signalling these groups reaches the whole session.
   */
  groupsOf(session: number): readonly number[];
}

/** A /proc/<pid>/stat line is about 300 bytes; what is past this is not read. */
const STAT_BYTES = 1024;
const statBuffer = Buffer.alloc(STAT_BYTES);

/** Fields 3, 5 and 6 of /proc/<pid>/stat (state, pgrp, session), or undefined if it is gone. */
function readStat(pid: string): { state: string; group: number; session: number } | undefined {
  let descriptor: number;
  try {
    descriptor = openSync(`/proc/${pid}/stat`, "r");
  } catch {
    return undefined; // it exited while we looked
  }
  let length: number;
  try {
    // One read: procfs hands the whole line to a buffer large enough for it.
    length = readSync(descriptor, statBuffer, 0, STAT_BYTES, 0);
  } catch {
    return undefined; // it exited between open and read (ESRCH)
  } finally {
    closeSync(descriptor);
  }
  const line = statBuffer.toString("latin1", 0, length);
  // After the command name (which may hold spaces and parentheses): state ppid pgrp session.
  const [state = "", , group, session] = line.slice(line.lastIndexOf(")") + 2).split(" ", 4);
  return { state, group: Number(group), session: Number(session) };
}

/** One live (not zombie) process: its id, process group and session. */
export interface ProcessEntry {
  pid: number;
  group: number;
  session: number;
}

/** The machine's live processes, read from /proc in one pass; undefined without /proc. */
export function listProcesses(): ProcessEntry[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const processes: ProcessEntry[] = [];
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue; // not a pid: /proc/self, /proc/meminfo…
    const stat = readStat(entry);
    // Zombies do not count: where nothing reaps orphans (a container whose init does not), a
    // killed process stays a zombie forever, and a zombie cannot be signalled anyway.
    if (!stat || stat.state === "Z" || stat.state === "X") continue;
    processes.push({ pid: Number(entry), group: stat.group, session: stat.session });
  }
  return processes;
}

/** Reads /proc once; undefined where there is no /proc. */
export function readProcessTable(): ProcessTable | undefined {
  const processes = listProcesses();
  if (!processes) return undefined;
  const sessions = new Map<number, Set<number>>();
  for (const stat of processes) {
    let groups = sessions.get(stat.session);
    if (!groups) {
      groups = new Set();
      sessions.set(stat.session, groups);
    }
    groups.add(stat.group);
  }
  return { groupsOf: (session) => [...(sessions.get(session) ?? [])] };
}

let current: ProcessTable | null | undefined;

/**
 * The process table as of this synchronous turn: read once, then shared until the next
 * microtask checkpoint. Stopping many steps at once (a cancel, killAllNow) signals each in one
 * synchronous loop; one pass over /proc serves them all, instead of one per step.
 */
export function currentProcessTable(): ProcessTable | undefined {
  if (current === undefined) {
    current = readProcessTable() ?? null;
    queueMicrotask(() => {
      current = undefined;
    });
  }
  return current ?? undefined;
}
