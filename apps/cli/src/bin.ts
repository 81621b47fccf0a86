#!/usr/bin/env node
// Entry point of the `runyard` binary. A command may take the terminal's signals itself (run:
// Ctrl-C cancels the run, a second one kills its steps; attach: any signal detaches); otherwise
// the first SIGINT, SIGTERM or SIGHUP aborts the command's signal and a second one exits at once.
// After a hangup the process ends by SIGHUP once the command is done (see endByHangup). Runs are
// not in this process (the executor is detached), so nothing here can lose one.
import type { PrestartedExecutor } from "@runyard/executor";
import type { TerminalSignal } from "./command.js";
import { openFilesLimit, outOfFilesMessage } from "./load-guard.js";

// After a hangup (an ssh session dropped) the terminal is gone: a write to it fails with EIO,
// to a pipe whose reader went away with EPIPE. That must not end the process before it has
// closed what it holds; there is no one left to tell about it. (The terminal output of main()
// has listeners of its own; these cover what this file writes, whatever main() does.)
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);

const WORDS = { SIGINT: "interrupted", SIGTERM: "terminated", SIGHUP: "hung up" } as const;
const controller = new AbortController();
let aborted = false;
/** A hangup arrived: the terminal may be gone, so the process must not exit normally. */
let hungUp = false;
const listeners = new Set<(signal: TerminalSignal) => void>();
/** The executor started early for a `run` (early-run.ts), until the command adopts it. */
let prestarted: PrestartedExecutor | undefined;

/**
 * Ends the process by SIGHUP, as a hangup conventionally does (status 129 in a shell), rather
 * than exiting: on exit Node 20 restores the terminal's settings and, when the terminal is
 * gone, fails an assertion and aborts — SIGABRT, exit status 134, maybe a core file
 * (nodejs/node#51519; fixed upstream by nodejs/node#58200, not in Node 20.20). A process that
 * dies by a signal skips that.
 */
function endByHangup(): void {
  // Dying by a signal skips the 'exit' handlers: an executor the command did not adopt (it
  // failed before launching) is given up here, with the runs root made for it.
  prestarted?.abandon();
  process.removeAllListeners("SIGHUP"); // back to the default action: terminate
  process.kill(process.pid, "SIGHUP");
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (signal === "SIGHUP") hungUp = true;
    if (listeners.size > 0) {
      for (const listener of [...listeners]) listener(signal);
      return;
    }
    if (!aborted) {
      aborted = true;
      controller.abort(new Error(signal));
      return;
    }
    // A hangup comes more than once (the kernel, then the login shell, signal the session);
    // it never means "hurry".
    if (signal === "SIGHUP") return;
    process.stderr.write(`runyard: ${WORDS[signal]} again, exiting now\n`);
    if (hungUp) endByHangup();
    process.exit(130);
  });
}

/**
 * Loads main.ts and the command table (see load-guard.ts); a command's own code is loaded by
 * main() when it runs, under the same guard.
 */
async function loadMain(limit: number | undefined): Promise<typeof import("./main.js").main> {
  try {
    return (await import("./main.js")).main;
  } catch (error) {
    const message = outOfFilesMessage(error, limit);
    if (message === undefined) throw error;
    process.stderr.write(message);
    process.exit(74); // EXIT.io, as for any other EMFILE (errors.ts is not loaded yet)
  }
}

/**
 * `runyard run` starts its executor first, so that the two start side by side (early-run.ts).
 * Anything that goes wrong here (out of open files while loading) is left to main() to meet
 * and report.
 */
async function prestart(argv: readonly string[]) {
  // The command, not any argument: `runyard log run started` must not load the executor.
  if (argv.find((arg) => arg !== "--debug") !== "run") return undefined;
  try {
    return await (await import("./early-run.js")).prestartRun(argv);
  } catch {
    return undefined;
  }
}

// Read first: once the open files have run out, /proc cannot be opened either.
const limit = openFilesLimit();
const argv = process.argv.slice(2);
prestarted = await prestart(argv);
const main = await loadMain(limit);
process.exitCode = await main(argv, {
  ...(prestarted === undefined ? {} : { prestarted }),
  signal: controller.signal,
  signals: {
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  },
});
// Also when the hangup came after another signal: the terminal is gone all the same.
if (hungUp) endByHangup();
