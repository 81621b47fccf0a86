#!/usr/bin/env node
// Entry point of the `runyard` binary: turns SIGINT, SIGTERM and SIGHUP into cancellation,
// exits at once on a second SIGINT or SIGTERM, and exits with the command's status.
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
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
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
    // Nothing asynchronous happens after process.exit: the steps are killed (their whole
    // process groups, SIGKILL) and the runs recorded as cancelled before it, synchronously.
    killAllNow(`${WORDS[signal]} again: exited at once`);
    process.exit(130);
  });
}

process.exitCode = await main(process.argv.slice(2), { signal: controller.signal });
