#!/usr/bin/env node
// Entry point of the `runyard` binary: turns SIGINT, SIGTERM and SIGHUP into cancellation,
// exits at once on a second SIGINT or SIGTERM, and exits with the command's status — or, after
// a hangup, ends by SIGHUP once the command is done (see endByHangup).
import { killAllNow } from "@runyard/executor";
import { main } from "./main.js";

// After a hangup (an ssh session dropped) the terminal is gone: a write to it fails with EIO,
// to a pipe whose reader went away with EPIPE. The run must still be cancelled and recorded,
// so a failed write to stdout or stderr must not end the process; there is no one left to
// tell about it, and the run directory keeps the record. (The terminal output of main() has
// listeners of its own; these cover what this file writes, whatever main() does.)
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);

const WORDS = { SIGINT: "interrupted", SIGTERM: "terminated", SIGHUP: "hung up" } as const;
const controller = new AbortController();
let cancelling = false;
/** A hangup arrived: the terminal may be gone, so the process must not exit normally. */
let hungUp = false;

/**
 * Ends the process by SIGHUP, as a hangup conventionally does (status 129 in a shell), rather
 * than exiting: on exit Node 20 restores the terminal's settings and, when the terminal is
 * gone, fails an assertion and aborts — SIGABRT, exit status 134, maybe a core file
 * (nodejs/node#51519; fixed upstream by nodejs/node#58200, not in Node 20.20). A process that
 * dies by a signal skips that. Call it only once the runs are recorded: it ends the process
 * on the spot.
 */
function endByHangup(): void {
  process.removeAllListeners("SIGHUP"); // back to the default action: terminate
  process.kill(process.pid, "SIGHUP");
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (signal === "SIGHUP") hungUp = true;
    if (!cancelling) {
      cancelling = true;
      const again = signal === "SIGHUP" ? "" : " (press Ctrl-C again to exit at once)";
      process.stderr.write(`runyard: ${WORDS[signal]}; cancelling${again}\n`);
      controller.abort(new Error(signal));
      return;
    }
    // A hangup comes more than once (the kernel, then the login shell, signal the session);
    // it never means "hurry", and the cancel under way already cleans up.
    if (signal === "SIGHUP") return;
    process.stderr.write("runyard: interrupted again, exiting now\n");
    // Nothing asynchronous happens after process.exit: the steps are killed (every process of
    // each, SIGKILL) and the runs recorded as cancelled before it, synchronously.
    killAllNow(`${WORDS[signal]} again: exited at once`);
    if (hungUp) endByHangup();
    process.exit(130);
  });
}

process.exitCode = await main(process.argv.slice(2), { signal: controller.signal });
// Also when the hangup came after another signal had started the cancel: the terminal is gone
// all the same.
if (hungUp) endByHangup();
