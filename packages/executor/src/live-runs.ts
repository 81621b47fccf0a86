// The runs in progress in this process, so that a process that must exit at once (a second
// Ctrl-C) can first kill their steps and record how they ended. Everything here is
// synchronous: nothing asynchronous happens after process.exit().

/** A run that can be ended on the spot. */
export interface LiveRun {
  /** Kills the run's steps and records the run as ended; synchronous, never throws. */
  killNow(reason: string): void;
}

const liveRuns = new Set<LiveRun>();

/** Registers a run for killAllNow; call the returned function when the run has ended. */
export function trackLiveRun(run: LiveRun): () => void {
  liveRuns.add(run);
  return () => {
    liveRuns.delete(run);
  };
}

/**
 * For a process about to exit without waiting (a second Ctrl-C): synchronously SIGKILLs every
 * process of every step this process is running (every process of each step's session, also
 * what a cancel already sent SIGTERM to), then records each run as ended — step-end and run-end in
 * run_summary.jsonl, status.json, meta.json's finalStatus ("cancelled", or "failed" if a step
 * had failed) — and removes its ipc.sock, so the run directory does not look crashed.
 * Never throws: what cannot be written is noted in the run's executor.log.
 */
export function killAllNow(reason = "the executor had to exit at once"): void {
  const runs = [...liveRuns];
  liveRuns.clear();
  for (const run of runs) run.killNow(reason);
}
