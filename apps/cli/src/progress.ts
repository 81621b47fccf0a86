// Renders a run's events as the lines a person watches in the terminal: one line when a step
// starts and one when it ends, then a summary. Works the same live and when replaying.
// Step output (--output) is printed by line; an unfinished line is held back, but never more
// than OUTPUT_LINE_LIMIT of it: a step that writes megabytes without a newline is printed in
// pieces, each marked as continued, in time and memory proportional to what arrives. Output
// the live view dropped (a slow terminal, see live-output.ts) cuts the line it fell in.
import { join } from "node:path";
import type { RunEvent } from "@runyard/protocol";
import { formatDuration, type Output, paint, tildify } from "./output.js";
import { safeOutput, safeText } from "./safe-text.js";

export interface ProgressOptions {
  /** Print each step's output lines, prefixed with the step id. */
  showOutput: boolean;
  /** Where run directories go, to say where this one is as it starts. */
  runsRoot?: string;
}

/** The most of an unfinished output line held per step and stream, in UTF-16 units. */
export const OUTPUT_LINE_LIMIT = 8 * 1024;

/** Marks where a line too long to hold was cut: at the end of a piece and the start of the next. */
const CONTINUED = "…";

interface HeldLine {
  text: string;
  /** The text continues a line already printed in part. */
  continued: boolean;
}

/** Where to cut `text` to keep at most `room` units, never inside a surrogate pair. */
function cutAt(text: string, room: number): number {
  const code = text.charCodeAt(room - 1);
  return room > 1 && code >= 0xd800 && code <= 0xdbff ? room - 1 : room;
}

/** ` — <reason>`, made safe; empty without one. */
function because(reason: string | undefined): string {
  return reason ? ` — ${safeText(reason)}` : "";
}

export class ProgressPrinter {
  private width = 8;
  /** How each step ended last: a retried step's earlier attempts do not count. */
  private readonly ended = new Map<string, string>();
  private readonly partial = new Map<string, HeldLine>();
  /** Foreach steps: their instances are what the summary counts. */
  private readonly loops = new Set<string>();
  private runId = "";

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
          `${paint(output, "bold", "runyard")} ${safeText(event.workflowName)}: run ${event.runId}${safeText(where)}\n`,
        );
        return;
      }
      case "run-resume": {
        this.runId = event.runId;
        const where = this.options.runsRoot
          ? ` in ${tildify(join(this.options.runsRoot, event.runId))}`
          : "";
        const lost =
          event.lost === undefined || event.lost.length === 0
            ? ""
            : `; lost with the executor: ${event.lost.map((attempt) => safeText(attempt.stepId)).join(", ")}`;
        const adopted =
          event.adopted === undefined || event.adopted.length === 0
            ? ""
            : `; Slurm jobs taken over: ${event.adopted.map((attempt) => `${safeText(attempt.stepId)} (${safeText(attempt.jobId)})`).join(", ")}`;
        output.err(
          `${paint(output, "bold", "runyard")} resumed run ${event.runId}${safeText(where)} ${paint(output, "dim", `(it was ${event.previous}; completed steps are kept${lost}${adopted})`)}\n`,
        );
        return;
      }
      case "step-start": {
        const attempt = event.attempt > 1 ? ` (attempt ${event.attempt})` : "";
        output.err(`  ${paint(output, "blue", "▶")} ${this.pad(event.stepId)} started${attempt}\n`);
        return;
      }
      case "step-expand": {
        // A long loop's instances come in several events: the first says it all.
        if (this.loops.has(event.stepId)) return;
        this.loops.add(event.stepId);
        for (const { nodeId } of event.items) this.width = Math.max(this.width, nodeId.length);
        const count = event.total;
        const limit = event.parallel === undefined ? "" : `, ${event.parallel} at a time`;
        const from = event.file === undefined ? "" : ` from ${safeText(event.file)}`;
        output.err(
          `  ${paint(output, "blue", "⋯")} ${this.pad(event.stepId)} ${count} ${count === 1 ? "item" : "items"}${from}${limit}\n`,
        );
        return;
      }
      case "step-status":
        output.err(
          `  ${paint(output, "gray", "·")} ${this.pad(event.stepId)} ${event.status}${because(event.reason)}\n`,
        );
        return;
      case "step-end": {
        this.ended.set(event.stepId, event.status);
        this.flushPartial(event.stepId);
        // A step that never started (skipped, cancelled while pending) has no capture and no
        // duration worth printing.
        const took =
          event.captureSeq === undefined ? "" : ` in ${formatDuration(event.durationMs)}`;
        if (this.loops.has(event.stepId)) {
          // A foreach step's end sums up its instances, each of which had its own line.
          const [mark, colour] =
            event.status === "completed"
              ? (["✓", "green"] as const)
              : event.status === "failed"
                ? (["✗", "red"] as const)
                : (["■", "yellow"] as const);
          output.err(
            `  ${paint(output, colour, mark)} ${this.pad(event.stepId)} ${event.status} in ${formatDuration(event.durationMs)}${because(event.reason)}\n`,
          );
        } else if (event.status === "completed") {
          output.err(
            `  ${paint(output, "green", "✓")} ${this.pad(event.stepId)} completed${took}\n`,
          );
        } else if (event.status === "failed") {
          const why =
            event.signal !== null
              ? `killed by ${event.signal}`
              : event.exitCode !== null
                ? `exit ${event.exitCode}`
                : "failed";
          output.err(
            `  ${paint(output, "red", "✗")} ${this.pad(event.stepId)} failed (${why})${took}${event.reason?.startsWith("exited with code") ? "" : because(event.reason)}\n`,
          );
        } else if (event.status === "skipped") {
          output.err(
            `  ${paint(output, "gray", "○")} ${this.pad(event.stepId)} skipped${because(event.reason)}\n`,
          );
        } else {
          output.err(
            `  ${paint(output, "yellow", "■")} ${this.pad(event.stepId)} ${event.status}${took}${event.captureSeq === undefined ? because(event.reason) : ""}\n`,
          );
        }
        return;
      }
      case "step-output": {
        if (!this.options.showOutput) return;
        this.takeOutput(event.stepId, event.stream, event.data);
        return;
      }
      case "log": {
        const colour = event.level === "error" ? "red" : event.level === "warn" ? "yellow" : "gray";
        const level = event.level === "info" ? "" : `${paint(output, colour, event.level)}: `;
        if (event.stepId === undefined) {
          // The executor's own: only what a person must see.
          if (event.level !== "info") {
            output.err(`  ${level}${safeText(event.message, { lines: true })}\n`);
          }
          return;
        }
        // A step's (runyard log), with its id; each line of the message under the first.
        const [first, ...rest] = safeText(event.message, { lines: true }).split("\n");
        const indent = " ".repeat(this.width + 5);
        output.err(
          `  ${paint(output, colour, "»")} ${this.pad(event.stepId)} ${level}${first}\n${rest.map((line) => `${indent}${line}\n`).join("")}`,
        );
        return;
      }
      case "message-send":
        output.err(
          `  ${paint(output, "gray", "✉")} ${this.pad(event.sender)} sent on ${safeText(event.channel)}${event.file ? paint(output, "dim", ` (${safeText(event.file)})`) : ""}\n`,
        );
        return;
      case "artifact-save":
        output.err(
          `  ${paint(output, "gray", "◆")} ${this.pad(event.stepId ?? "")} saved artifacts/${safeText(event.path)} ${paint(output, "dim", `(${event.size} bytes)`)}\n`,
        );
        return;
      case "run-end": {
        const counts = new Map<string, number>();
        // A foreach step counts as its instances.
        const ended = [...this.ended].filter(([stepId]) => !this.loops.has(stepId));
        for (const [, status] of ended) counts.set(status, (counts.get(status) ?? 0) + 1);
        const parts = ["completed", "failed", "skipped", "cancelled"]
          .filter((status) => counts.has(status))
          .map((status) => `${counts.get(status)} ${status}`);
        const firstFailed = ended.find(([, status]) => status === "failed")?.[0];
        const colour =
          event.finalStatus === "success"
            ? "green"
            : event.finalStatus === "failed"
              ? "red"
              : "yellow";
        output.err(
          `${paint(output, colour, event.finalStatus)} in ${formatDuration(event.durationMs)}${parts.length > 0 ? `: ${parts.join(", ")}` : ""}\n`,
        );
        if (firstFailed) {
          output.err(
            paint(
              output,
              "dim",
              `see what it wrote: runyard logs ${this.runId.slice(-8)} ${firstFailed}\n`,
            ),
          );
        }
        return;
      }
      default:
        return;
    }
  }

  /**
   * Step output the live view dropped (LiveOutputGate): the line held back for that step and
   * stream is printed as far as it goes, marked as cut; so is the next piece shown when the
   * drop ended inside a line.
   */
  skipOutput(event: Extract<RunEvent, { type: "step-output" }>): void {
    if (!this.options.showOutput) return;
    const key = `${event.stepId}\u0000${event.stream}`;
    const held = this.partial.get(key);
    if (held !== undefined && held.text !== "") {
      this.printOutputLine(event.stepId, event.stream, held.text, held.continued, true);
    }
    if (event.data.endsWith("\n")) this.partial.delete(key);
    else this.partial.set(key, { text: "", continued: true });
  }

  private pad(stepId: string): string {
    return stepId.padEnd(this.width);
  }

  /** Prints the complete lines of a chunk; holds its unfinished end, within the limit. */
  private takeOutput(stepId: string, stream: string, data: string): void {
    const key = `${stepId}\u0000${stream}`;
    let start = 0;
    for (;;) {
      const newline = data.indexOf("\n", start);
      if (newline === -1) break;
      this.takeSegment(key, stepId, stream, data.slice(start, newline), true);
      start = newline + 1;
    }
    if (start < data.length) this.takeSegment(key, stepId, stream, data.slice(start), false);
  }

  /** `segment` holds no newline; `ended` says whether one followed it. */
  private takeSegment(
    key: string,
    stepId: string,
    stream: string,
    segment: string,
    ended: boolean,
  ): void {
    const held = this.partial.get(key) ?? { text: "", continued: false };
    let rest = segment;
    let { text, continued } = held;
    // Only the held part (at most the limit) is ever copied again, so each chunk costs its
    // own length.
    while (text.length + rest.length > OUTPUT_LINE_LIMIT) {
      const taken = cutAt(rest, OUTPUT_LINE_LIMIT - text.length);
      const piece = text + rest.slice(0, taken);
      rest = rest.slice(taken);
      this.printOutputLine(stepId, stream, piece, continued, true);
      text = "";
      continued = true;
    }
    if (ended) {
      this.partial.delete(key);
      this.printOutputLine(stepId, stream, text + rest, continued, false);
    } else {
      this.partial.set(key, { text: text + rest, continued });
    }
  }

  private printOutputLine(
    stepId: string,
    stream: string,
    line: string,
    continuesBefore = false,
    continuesAfter = false,
  ): void {
    const prefix = paint(
      this.output,
      stream === "stderr" ? "yellow" : "gray",
      `${stepId.padEnd(this.width)} │`,
    );
    const before = continuesBefore ? paint(this.output, "dim", CONTINUED) : "";
    const after = continuesAfter ? paint(this.output, "dim", CONTINUED) : "";
    // The step's colours pass (safe-text.ts), and end with its line.
    const shown = safeOutput(line);
    const reset = shown.includes("\u001b[") ? "\u001b[0m" : "";
    this.output.err(`    ${prefix} ${before}${shown}${reset}${after}\n`);
  }

  private flushPartial(stepId: string): void {
    for (const stream of ["stdout", "stderr"]) {
      const key = `${stepId}\u0000${stream}`;
      const rest = this.partial.get(key);
      if (rest && rest.text !== "") this.printOutputLine(stepId, stream, rest.text, rest.continued);
      this.partial.delete(key);
    }
  }
}
