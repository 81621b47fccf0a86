// The live view of step output on stderr (`run --output`'s text, `run --events`' step-output
// lines) is lossy on purpose: a run never waits for a slow terminal, and a step can write far
// more than a reader takes, which would otherwise pile up in memory. While stderr holds more
// than a bound for its reader, step output is dropped and counted; once the reader has caught
// up, one notice says how much and where all of it is (the capture files, `runyard logs`).
// Everything else (progress lines, durable events, the summary) is small and always written.
import type { RunEvent } from "@runyard/protocol";
import { formatBytes, type Output, paint } from "./output.js";

/** The most stderr may hold for its reader before step output is dropped. */
export const ERR_BACKLOG_LIMIT = 1024 * 1024;

type StepOutputEvent = Extract<RunEvent, { type: "step-output" }>;

export interface LiveOutputOptions {
  /** Say what was dropped (not with --quiet). */
  notice: boolean;
  /** Overrides ERR_BACKLOG_LIMIT. */
  limit?: number;
}

export class LiveOutputGate {
  private readonly limit: number;
  private runId = "";
  private dropping = false;
  private droppedBytes = 0;
  private readonly droppedSteps = new Set<string>();

  constructor(
    private readonly output: Output,
    private readonly options: LiveOutputOptions,
  ) {
    this.limit = options.limit ?? ERR_BACKLOG_LIMIT;
  }

  /**
   * Whether to show `event`: false only for step output while stderr is behind (it is then
   * counted). At the run's end, says what was dropped even if the reader is still behind.
   */
  admit(event: RunEvent): boolean {
    if (event.type === "run-start") this.runId = event.runId;
    if (event.type === "run-end") this.caughtUp();
    return event.type === "step-output" ? this.admitOutput(event) : true;
  }

  private admitOutput(event: StepOutputEvent): boolean {
    const backlog = this.output.errBacklog;
    if (backlog === undefined) return true;
    if (this.dropping && backlog.bytes === 0) this.caughtUp();
    if (!this.dropping) {
      if (backlog.bytes <= this.limit) return true;
      this.dropping = true;
      backlog.onEmpty(() => this.caughtUp());
    }
    this.droppedBytes += event.bytes ?? Buffer.byteLength(event.data);
    this.droppedSteps.add(event.stepId);
    return false;
  }

  /**
   * Output that never reached this view (the executor dropped the connection of a reader that
   * fell behind): counted with what was dropped here, and said now unless a notice is due later.
   */
  missed(stepId: string, bytes: number): void {
    if (bytes <= 0) return;
    this.droppedBytes += bytes;
    this.droppedSteps.add(stepId);
    if (this.dropping) return;
    this.dropping = true;
    this.caughtUp();
  }

  /** Ends a stretch of dropping: one notice for all of it, then output is shown again. */
  private caughtUp(): void {
    if (!this.dropping) return;
    this.dropping = false;
    const [only, ...others] = this.droppedSteps;
    const logs = `runyard logs ${this.runId.slice(-8)}${only !== undefined && others.length === 0 ? ` ${only}` : ""}`;
    if (this.options.notice && this.droppedBytes > 0) {
      this.output.err(
        `  ${paint(this.output, "yellow", "…")} ${formatBytes(this.droppedBytes)} of output not shown (the terminal fell behind); ${logs} has all of it\n`,
      );
    }
    this.droppedBytes = 0;
    this.droppedSteps.clear();
  }
}
