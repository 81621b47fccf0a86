// Signalling every process of a step. The local backend starts the step's shell with setsid():
// it leads a new session and a new process group, both with its pid as id. What the step
// starts inherits both; but a job-control tool (GNU `timeout`, `set -m` in a script) moves its
// children to a process group of its own — in the same session. So a step's processes are its
// session's: its own group is signalled, and each other group of the session, found in /proc
// (a group never spans sessions, so these hold nothing but the step's processes). Without
// /proc (macOS) only the step's own group is reached.
//
// A process that calls setsid() itself (a daemon, `setsid cmd`) leaves the session too and is
// out of reach: only a cgroup per step would hold it, which is out of scope here.
//
// A group or session id cannot be reused while any process of it lives, so these ids reach
// only the step's processes; once a group is empty the kernel answers ESRCH, which is what a
// kill wanted anyway. (EPERM means no process of the group is one we may signal: none of the
// step's is left.) The groups come from a table a moment old at most (see stop-session.ts): a
// group that has emptied since answers ESRCH as well; for its id to be another's by then, the
// pid space would have to wrap around within that moment.
import { currentProcessTable, type ProcessTable } from "./process-table.js";

/** Sends `signal` to every process of group `pgid`; false when the group has no process left. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
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
 * Sends `signal` to every process of the step whose session is `session` (its shell's pid):
 * each process group once, so a process gets it once. False when none was left to signal.
 */
export function signalSession(
  session: number,
  signal: NodeJS.Signals,
  table: ProcessTable | undefined = currentProcessTable(),
): boolean {
  let reached = signalGroup(session, signal);
  for (const group of table?.groupsOf(session) ?? []) {
    if (group !== session && signalGroup(group, signal)) reached = true;
  }
  return reached;
}

/**
 * Whether a process of the step still runs. Zombies do not count (see process-table.ts);
 * without /proc, the step's group answering kill(0) is the best answer there is.
 */
export function sessionIsAlive(session: number, table: ProcessTable | undefined): boolean {
  return table ? table.groupsOf(session).length > 0 : signalGroup(session, 0);
}
