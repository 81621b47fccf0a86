#!/usr/bin/env node
// Entry point of the `runyard` binary: wires SIGINT/SIGTERM to cancellation and exits with
// the command's status.
import { main } from "./main.js";

const controller = new AbortController();
let interrupts = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    interrupts += 1;
    if (interrupts > 1) {
      process.stderr.write("runyard: interrupted again, exiting now\n");
      process.exit(130);
    }
    process.stderr.write(
      `runyard: ${signal === "SIGINT" ? "interrupted" : "terminated"}; cancelling (press Ctrl-C again to exit at once)\n`,
    );
    controller.abort(new Error(signal));
  });
}

process.exitCode = await main(process.argv.slice(2), { signal: controller.signal });
