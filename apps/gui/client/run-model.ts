// One open run as the client knows it: the workflow's graph (from run-start), the status the
// events build (the store's own reducer, so the GUI and the executor agree on every step), and
// what the step panel lists (artifacts, messages, log lines). Mutable and versioned: React
// reads it through useSyncExternalStore and re-renders once per batch of events.
import type { RunEvent } from "@runyard/protocol";
import type { RunStatus, StepState } from "@runyard/schema";
import { applyEvent, createInitialStatus } from "@runyard/store/status-reducer";
import type { LiveLine } from "../src/api-schemas.js";
import type { LiveState } from "./live.js";

export interface GraphStep {
  id: string;
  name: string;
  needs: string[];
}

export interface OutputChunk {
  stepId: string;
  captureSeq: number;
  stream: "stdout" | "stderr";
  offset: number;
  bytes: number;
  data: string;
}

export interface Note {
  seq: number;
  ts: string;
  kind: "log" | "artifact" | "message" | "problem";
  stepId?: string;
  text: string;
  level?: "info" | "warn" | "error";
  /** Artifact path under artifacts/, or message file under inbox/. */
  file?: string;
}

type Listener = () => void;
type OutputListener = (chunk: OutputChunk) => void;

export class RunModel {
  version = 0;
  graph: GraphStep[] | null = null;
  status: RunStatus | null = null;
  workflowName = "";
  host = "";
  lastSeq = 0;
  finalStatus: string | null = null;
  notes: Note[] = [];
  live: LiveState = { kind: "connecting", attempt: 1 };
  /** Epoch ms when each step's latest status arrived (for the benchmark and tooltips). */
  changedAt = new Map<string, number>();
  #listeners = new Set<Listener>();
  #output = new Set<OutputListener>();

  constructor(readonly runId: string) {}

  subscribe = (listener: Listener): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };
  getVersion = (): number => this.version;

  onOutput(listener: OutputListener): () => void {
    this.#output.add(listener);
    return () => this.#output.delete(listener);
  }

  setLive(state: LiveState): void {
    this.live = state;
    this.#changed();
  }

  /** Applies a batch of live lines; one render follows. */
  apply(lines: LiveLine[]): void {
    let changed = false;
    for (const line of lines) {
      if (line.type === "event")
        changed = this.#event(line.event as unknown as RunEvent) || changed;
      else if (line.type === "output") {
        const event = line.event as unknown as Extract<RunEvent, { type: "step-output" }>;
        const chunk: OutputChunk = {
          stepId: event.stepId,
          captureSeq: event.captureSeq,
          stream: event.stream,
          offset: event.offset,
          bytes: event.bytes ?? new TextEncoder().encode(event.data).length,
          data: event.data,
        };
        for (const listener of this.#output) listener(chunk);
      } else if (line.type === "problem") {
        this.notes.push({
          seq: this.lastSeq,
          ts: new Date().toISOString(),
          kind: "problem",
          text: line.message,
        });
        changed = true;
      } else if (line.type === "end" && line.finalStatus !== null) {
        this.finalStatus = line.finalStatus;
        changed = true;
      }
    }
    if (changed) this.#changed();
  }

  #event(event: RunEvent): boolean {
    if (event.seq <= this.lastSeq) return false;
    this.lastSeq = event.seq;
    if (event.type === "run-start") {
      this.graph = event.steps.map((step) => ({
        id: step.nodeId,
        name: step.name,
        needs: step.needs,
      }));
      this.workflowName = event.workflowName;
      this.host = event.host;
      this.status = createInitialStatus({
        runId: event.runId,
        workflowId: event.workflowId,
        steps: event.steps,
        updatedAt: event.ts,
      });
    }
    if (this.status) {
      applyEvent(this.status, event);
      if ("stepId" in event && typeof event.stepId === "string")
        this.changedAt.set(event.stepId, performance.now());
    }
    if (event.type === "run-end") this.finalStatus = event.finalStatus;
    if (event.type === "run-resume") this.finalStatus = null;
    const note = noteOf(event);
    if (note) this.notes.push(note);
    return true;
  }

  #changed(): void {
    this.version += 1;
    for (const listener of this.#listeners) listener();
  }

  /** The status entry of a step or loop instance. */
  step(id: string): StepState | undefined {
    return this.status?.steps.find((step) => step.nodeId === id);
  }
}

function noteOf(event: RunEvent): Note | null {
  const base = {
    seq: event.seq,
    ts: event.ts,
    ...("stepId" in event && event.stepId ? { stepId: event.stepId } : {}),
  };
  switch (event.type) {
    case "log":
      return { ...base, kind: "log", level: event.level, text: event.message };
    case "artifact-save":
      return { ...base, kind: "artifact", text: event.path, file: event.path };
    case "message-send":
      return {
        ...base,
        kind: "message",
        text: `${event.sender} → ${event.channel}`,
        ...(event.file ? { file: event.file } : {}),
      };
    case "run-resume":
      return {
        ...base,
        kind: "log",
        level: "info",
        text: `resumed on ${event.host} (resume ${event.resume})`,
      };
    case "run-end":
      return {
        ...base,
        kind: "log",
        level: event.finalStatus === "success" ? "info" : "error",
        text: `run ended ${event.finalStatus}${event.reason ? `: ${event.reason}` : ""}`,
      };
    default:
      return null;
  }
}

/** A loop's (or a step's) status summed up over its instances. */
export interface NodeView {
  id: string;
  name: string;
  status: string;
  /** For a foreach step: how many instances, and how many of them ended each way. */
  items?: { total: number; completed: number; failed: number; running: number };
}

export function nodeViews(model: RunModel): Map<string, NodeView> {
  const views = new Map<string, NodeView>();
  for (const step of model.status?.steps ?? []) {
    if (step.loop !== undefined) {
      const loop = views.get(step.loop);
      if (loop?.items) {
        loop.items.total += 1;
        if (step.status === "completed") loop.items.completed += 1;
        else if (step.status === "failed") loop.items.failed += 1;
        else if (step.status === "running") loop.items.running += 1;
      }
      continue;
    }
    views.set(step.nodeId, {
      id: step.nodeId,
      name: step.name,
      status: step.status,
      ...(step.items === undefined
        ? {}
        : { items: { total: 0, completed: 0, failed: 0, running: 0 } }),
    });
  }
  return views;
}
