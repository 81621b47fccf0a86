// executor.log: the executor's own diagnostics (a heartbeat that cannot be written, a client
// dropped for being slow, a background fsync that failed) — things about the executor, not
// about the run, which go to run_summary.jsonl. Created (0600) on the first line only, so a
// run without trouble has none. Plain text: `<ISO time> <level> <message>` per line.
import { appendFileSync, chmodSync } from "node:fs";
import { FILE_MODE, now } from "@runyard/schema";
import { describeSystemError } from "./errors.js";

export type ExecutorLogLevel = "info" | "warn" | "error";

export class ExecutorLog {
  readonly path: string;
  #created = false;
  #failed = false;

  constructor(path: string) {
    this.path = path;
  }

  write(level: ExecutorLogLevel, message: string): void {
    const line = `${now()} ${level} ${message.replace(/\n/g, "\n  ")}\n`;
    try {
      appendFileSync(this.path, line, { mode: FILE_MODE });
      if (!this.#created) {
        this.#created = true;
        chmodSync(this.path, FILE_MODE);
      }
    } catch (error) {
      // The log of last resort is stderr, once: the run goes on either way.
      if (this.#failed) return;
      this.#failed = true;
      process.stderr.write(
        `runyard: cannot write ${this.path} (${describeSystemError(error)}); dropped: ${line}`,
      );
    }
  }
}
