// Step outputs in a run: reading what a completed attempt wrote to RUNYARD_OUTPUT, and the
// outputs each step sees — those of every step upstream of it, transitively. When two upstream
// steps set the same name, the one later in the workflow file wins (for a foreach step, its
// later item); a step's own `env` still wins over them all.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import {
  OUTPUTS_MAX_BYTES,
  outputsFileName,
  parseStepOutputs,
  type ResolvedStep,
} from "@runyard/schema";

type Outputs = Readonly<Record<string, string>>;

/** A name's value and the workflow position of the step that set it. */
type Upstream = ReadonlyMap<string, { value: string; position: number }>;

const NONE: Upstream = new Map();

/** Reads the file, not through a link, a FIFO or past OUTPUTS_MAX_BYTES; undefined if absent. */
function readOutputsFile(path: string): { text?: string; problem?: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return {};
    if (code === "ELOOP") return { problem: "it is a symbolic link; not read" };
    return { problem: `cannot read it: ${(error as Error).message}` };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { problem: "it is not a regular file; not read" };
    if (stats.size > OUTPUTS_MAX_BYTES)
      return { problem: `it is over ${OUTPUTS_MAX_BYTES / 1024 / 1024} MiB; not read` };
    const buffer = Buffer.alloc(stats.size);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return { text: buffer.subarray(0, length).toString("utf8") };
  } finally {
    closeSync(fd);
  }
}

export class RunOutputs {
  readonly #directory: string;
  readonly #positions = new Map<string, number>();
  readonly #needs = new Map<string, readonly string[]>();
  /** What each completed step set (a loop: its instances', merged). */
  readonly #own = new Map<string, Outputs>();
  /** What each step sees from upstream, once asked for. */
  readonly #upstream = new Map<string, Upstream>();

  constructor(runDirectory: string, steps: readonly ResolvedStep[]) {
    this.#directory = runDirectory;
    for (const [position, step] of steps.entries()) {
      this.#positions.set(step.id, position);
      this.#needs.set(step.id, step.needs);
    }
  }

  /** Where an attempt writes its outputs (RUNYARD_OUTPUT). */
  fileFor(captureSeq: number, stepId: string): string {
    return `${this.#directory}/${outputsFileName(captureSeq, stepId)}`;
  }

  /**
   * What a completed attempt wrote: its outputs (kept for the steps downstream), and the
   * problems of lines that were not taken, each to be said as a warning.
   */
  take(step: ResolvedStep, captureSeq: number): { outputs: Outputs; problems: string[] } {
    const read = readOutputsFile(this.fileFor(captureSeq, step.id));
    if (read.problem !== undefined)
      return { outputs: {}, problems: [`RUNYARD_OUTPUT: ${read.problem}`] };
    if (read.text === undefined) return { outputs: {}, problems: [] };
    const parsed = parseStepOutputs(read.text);
    if (Object.keys(parsed.outputs).length > 0) this.#own.set(step.id, parsed.outputs);
    return {
      outputs: parsed.outputs,
      problems: parsed.problems.map((problem) => `RUNYARD_OUTPUT ${problem}`),
    };
  }

  /** What a step set before a resume, from the timeline: kept as if it had just completed. */
  restore(stepId: string, outputs: Outputs): void {
    if (Object.keys(outputs).length > 0) this.#own.set(stepId, outputs);
  }

  /** A loop has ended: its instances' outputs, in item order (later items win), are its own. */
  endLoop(loop: ResolvedStep, instances: readonly string[]): Outputs | undefined {
    const merged: Record<string, string> = {};
    for (const id of instances) Object.assign(merged, this.#own.get(id));
    if (Object.keys(merged).length === 0) return undefined;
    this.#own.set(loop.id, merged);
    return merged;
  }

  /** The outputs a step's own outputs, for `return`. */
  of(stepId: string): Outputs | undefined {
    return this.#own.get(stepId);
  }

  /** What `step` sees: every upstream step's outputs (an instance: its loop's upstream). */
  seenBy(step: ResolvedStep): Outputs {
    if (this.#own.size === 0) return {};
    const upstream = this.#upstreamOf(step.item?.loop ?? step.id);
    const seen: Record<string, string> = {};
    for (const [name, { value }] of upstream) seen[name] = value;
    return seen;
  }

  /** Computed needs first, without recursion (a chain may be 10,000 steps long). */
  #upstreamOf(id: string): Upstream {
    const stack = [id];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as string;
      if (this.#upstream.has(top)) {
        stack.pop();
        continue;
      }
      const needs = this.#needs.get(top) ?? [];
      const missing = needs.filter((need) => !this.#upstream.has(need));
      if (missing.length > 0) {
        stack.push(...missing);
        continue;
      }
      stack.pop();
      this.#upstream.set(top, this.#merge(needs));
    }
    return this.#upstream.get(id) ?? NONE;
  }

  #merge(needs: readonly string[]): Upstream {
    let merged: Map<string, { value: string; position: number }> | undefined;
    let only: Upstream | undefined;
    const add = (name: string, value: string, position: number) => {
      merged ??= new Map(only ?? NONE);
      const present = merged.get(name);
      if (present === undefined || present.position <= position)
        merged.set(name, { value, position });
    };
    for (const need of needs) {
      const upstream = this.#upstream.get(need) ?? NONE;
      // A step with one need and nothing new shares that need's map.
      if (merged === undefined && only === undefined) only = upstream;
      else for (const [name, entry] of upstream) add(name, entry.value, entry.position);
      const own = this.#own.get(need);
      const position = this.#positions.get(need) ?? 0;
      if (own !== undefined)
        for (const [name, value] of Object.entries(own)) add(name, value, position);
    }
    return merged ?? only ?? NONE;
  }
}
