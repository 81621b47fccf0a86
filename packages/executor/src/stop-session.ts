// Stopping a step's processes: SIGTERM to all of them now, SIGKILL to whatever is left after
// the grace period, and knowing when none is left. However many steps are being stopped, one
// timer polls for them all and reads /proc once per poll: a pass over /proc costs milliseconds
// on a host with thousands of processes, and a pass per step per poll cost a whole core when
// many steps were stopped at once. The SIGKILL is no business of the poll: a timer of its own
// sends it on time, however long a poll takes — to the process groups the latest poll saw, as
// reading /proc for each of many steps whose grace ends at once would make the last SIGKILL
// late. A group formed since is SIGKILLed by the next poll, which comes quickly after.
import { currentProcessTable, type ProcessTable } from "./process-table.js";
import { sessionIsAlive, signalSession } from "./step-session.js";

/** How often the poll looks whether the steps being stopped are gone. */
const STOP_POLL_MS = 50;
/**
 * The share of a core the poll may take while it waits out grace periods: where reading /proc
 * takes long (tens of thousands of processes), it polls less often than STOP_POLL_MS.
 */
const STOP_POLL_SHARE = 0.1;
/** How often once a SIGKILL is out: the processes die at once, their step-end need not wait. */
const KILL_POLL_MS = 10;
/** How long a stop waits, after SIGKILL, for the kernel to finish off the step's processes. */
const KILL_SETTLE_MS = 1000;

interface Stop {
  readonly session: number;
  /** The SIGKILL is out: each poll sends it again to what is left (and what forked since). */
  killing: boolean;
  end(error?: unknown): void;
}

const stops = new Set<Stop>();
let poll: NodeJS.Timeout | undefined;
let pollDue = Number.POSITIVE_INFINITY;
/** The table the latest poll read (or the SIGTERM, before the first poll). */
let latest: ProcessTable | undefined;

/** Makes the next poll come in `delayMs` at the latest. */
function schedulePoll(delayMs: number): void {
  const due = performance.now() + delayMs;
  if (poll !== undefined && due >= pollDue) return;
  clearTimeout(poll);
  pollDue = due;
  poll = setTimeout(pollOnce, delayMs);
}

function pollOnce(): void {
  poll = undefined;
  pollDue = Number.POSITIVE_INFINITY;
  const began = performance.now();
  const table = currentProcessTable();
  const cost = performance.now() - began;
  latest = table;
  let killing = false;
  for (const stop of stops) {
    try {
      if (!sessionIsAlive(stop.session, table)) stop.end();
      else if (stop.killing) {
        signalSession(stop.session, "SIGKILL", table);
        killing = true;
      }
    } catch (error) {
      stop.end(error);
    }
  }
  if (stops.size === 0) return;
  schedulePoll(killing ? KILL_POLL_MS : Math.max(STOP_POLL_MS, cost / STOP_POLL_SHARE));
}

/**
 * SIGTERM to every process of the step whose session is `session`, SIGKILL to those left after
 * `graceMs`; resolves when none is left (or as good as: see KILL_SETTLE_MS).
 */
export function stopSession(session: number, graceMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    latest = currentProcessTable();
    if (!signalSession(session, "SIGTERM", latest)) {
      resolve();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const stop: Stop = {
      session,
      killing: false,
      end(error) {
        if (!stops.delete(stop)) return;
        clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(error);
      },
    };
    stops.add(stop);
    schedulePoll(STOP_POLL_MS);
    // A referenced timer: the process must not exit before the SIGKILL is out.
    timer = setTimeout(() => {
      try {
        if (!signalSession(session, "SIGKILL", latest)) {
          stop.end();
          return;
        }
      } catch (error) {
        stop.end(error);
        return;
      }
      stop.killing = true;
      schedulePoll(KILL_POLL_MS);
      // SIGKILL cannot be refused, but the processes are gone only once they were scheduled to
      // die; one stuck in the kernel (a hung NFS read) may take longer, and is not waited for.
      timer = setTimeout(() => stop.end(), KILL_SETTLE_MS);
    }, graceMs);
  });
}
