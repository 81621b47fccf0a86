// Renders a run's events as the lines a person watches in the terminal: one line when a step
// starts and one when it ends, then a summary. Works the same live and when replaying.
import { join } from "node:path";
import type { RunEvent } from "@runyard/protocol";
import { formatDuration, type Output, paint, tildify } from "./output.js";

export interface ProgressOptions {
  /** Print each step's output lines, prefixed with the step id. */
  showOutput: boolean;
  /** Where run directories go, to say where this one is as it starts. */
  runsRoot?: string;
}

export class ProgressPrinter {
  private width = 8;
  private readonly counts = new Map<string, number>();
  private readonly partial = new Map<string, string>();
  private runId = "";
  private firstFailed: string | undefined;

  constructor(
    private readonly output: Output,
    private readonly options: ProgressOptions,
  ) {}

  handle(event: RunEvent): void {
    const { output } = this;
    switch (event.type) {
      case "run-start": {
        this.width = Math.max(8, ...event.steps.map((step) => step.nodeId.length));
        this.runId = event.runId;
        const where = this.options.runsRoot
          ? ` in ${tildify(join(this.options.runsRoot, event.runId))}`
          : "";
        output.err(
          `${paint(output, "bold", "runyard")} ${event.workflowName}: run ${event.runId}${where}\n`,
        );
        return;
      }
      case "step-start": {
        const attempt = event.attempt > 1 ? ` (attempt ${event.attempt})` : "";
        output.err(`  ${paint(output, "blue", "▶")} ${this.pad(event.stepId)} started${attempt}\n`);
        return;
      }
      case "step-status":
        output.err(
          `  ${paint(output, "gray", "·")} ${this.pad(event.stepId)} ${event.status}${event.reason ? ` — ${event.reason}` : ""}\n`,
        );
        return;
      case "step-end": {
        this.counts.set(event.status, (this.counts.get(event.status) ?? 0) + 1);
        this.flushPartial(event.stepId);
        const took = event.status === "skipped" ? "" : ` in ${formatDuration(event.durationMs)}`;
        if (event.status === "completed") {
          output.err(
            `  ${paint(output, "green", "✓")} ${this.pad(event.stepId)} completed${took}\n`,
          );
        } else if (event.status === "failed") {
          this.firstFailed ??= event.stepId;
          const why =
            event.signal !== null
              ? `killed by ${event.signal}`
              : event.exitCode !== null
                ? `exit ${event.exitCode}`
                : "failed";
          output.err(
            `  ${paint(output, "red", "✗")} ${this.pad(event.stepId)} failed (${why})${took}${event.reason && !event.reason.startsWith("exited with code") ? ` — ${event.reason}` : ""}\n`,
          );
        } else if (event.status === "skipped") {
          output.err(
            `  ${paint(output, "gray", "○")} ${this.pad(event.stepId)} skipped${event.reason ? ` — ${event.reason}` : ""}\n`,
          );
        } else {
          output.err(
            `  ${paint(output, "yellow", "■")} ${this.pad(event.stepId)} ${event.status}${took}\n`,
          );
        }
        return;
      }
      case "step-output": {
        if (!this.options.showOutput) return;
        const key = `${event.stepId}\u0000${event.stream}`;
        const text = (this.partial.get(key) ?? "") + event.data;
        const lines = text.split("\n");
        this.partial.set(key, lines.pop() ?? "");
        for (const line of lines) this.printOutputLine(event.stepId, event.stream, line);
        return;
      }
      case "log":
        if (event.level !== "info") {
          output.err(
            `  ${paint(output, event.level === "error" ? "red" : "yellow", event.level)}: ${event.message}\n`,
          );
        }
        return;
      case "run-end": {
        const parts = ["completed", "failed", "skipped", "cancelled"]
          .filter((status) => this.counts.has(status))
          .map((status) => `${this.counts.get(status)} ${status}`);
        const colour =
          event.finalStatus === "success"
            ? "green"
            : event.finalStatus === "failed"
              ? "red"
              : "yellow";
        output.err(
          `${paint(output, colour, event.finalStatus)} in ${formatDuration(event.durationMs)}${parts.length > 0 ? `: ${parts.join(", ")}` : ""}\n`,
        );
        if (this.firstFailed) {
          output.err(
            paint(
              output,
              "dim",
              `see what it wrote: runyard logs ${this.runId.slice(-8)} ${this.firstFailed}\n`,
            ),
          );
        }
        return;
      }
      default:
        return;
    }
  }

  private pad(stepId: string): string {
    return stepId.padEnd(this.width);
  }

  private printOutputLine(stepId: string, stream: string, line: string): void {
    const prefix = paint(
      this.output,
      stream === "stderr" ? "yellow" : "gray",
      `${stepId.padEnd(this.width)} │`,
    );
    this.output.err(`    ${prefix} ${line}\n`);
  }

  private flushPartial(stepId: string): void {
    for (const stream of ["stdout", "stderr"]) {
      const key = `${stepId}\u0000${stream}`;
      const rest = this.partial.get(key);
      if (rest) this.printOutputLine(stepId, stream, rest);
      this.partial.delete(key);
    }
  }
}
