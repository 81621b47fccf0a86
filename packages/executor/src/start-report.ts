// The one line an executor started by launchRun writes on its ready pipe: that the run has
// started (committed, run-start in its timeline, ipc.sock listening), or the error that stopped
// it before that, as a RunError (@runyard/protocol), which the front end turns back into an
// error it reports as if it had happened there.
import type { RunError } from "@runyard/protocol";

export type StartReport =
  | { ok: true; runId: string; directory: string; pid: number }
  | { ok: false; error: RunError };
